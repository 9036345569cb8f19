import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Training/eval photos live beside the checkout; tests read them, never copy them in. */
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

export function readPng(path: string | Buffer): Rgba {
  const png = PNG.sync.read(typeof path === 'string' ? readFileSync(path) : path);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

export function encodePng(img: Rgba): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return PNG.sync.write(png);
}

export function crop(img: Rgba, x: number, y: number, width: number, height: number): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let r = 0; r < height; r++) {
    const src = ((y + r) * img.width + x) * 4;
    data.set(img.data.subarray(src, src + width * 4), r * width * 4);
  }
  return { width, height, data };
}

/** A crop of a real photo (Kodak test set), as a PNG buffer for upload. */
export function photoFixture(width: number, height: number, file = 'eval/kodak24/kodim05.png'): { png: Buffer; image: Rgba } {
  const image = crop(readPng(SHARED_DATA + file), 100, 120, width, height);
  return { png: encodePng(image), image };
}

/** A crop of a real photo (photoFixture), faded and yellowed like an old print. */
export function fadedPrint(width: number, height: number): { clean: Rgba; faded: Rgba } {
  const { image: clean } = photoFixture(width, height);
  const faded = { ...clean, data: new Uint8Array(clean.data) };
  const cast = [22, 12, -18];
  for (let i = 0; i < faded.data.length; i += 4) for (let c = 0; c < 3; c++) faded.data[i + c] = Math.max(0, Math.min(255, Math.round(clean.data[i + c]! * 0.55 + 70 + cast[c]!)));
  return { clean, faded };
}

/** Mean and max absolute difference over RGB. */
export function diffRgb(a: Rgba, b: Rgba): { mean: number; max: number } {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / ((a.data.length / 4) * 3), max };
}
