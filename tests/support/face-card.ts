/**
 * A photo with two faces for the face tests: held-out UTKFace faces (never trained on) on a grey
 * card at known places, a seeded degradation of it, and the measures the tests use.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { utkHeldout } from './utk-split';

export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}
export interface FaceBoxPx { x: number; y: number; size: number }

const UTK = fileURLToPath(new URL('../../../shared/data/faces/utkface/', import.meta.url));

/** Two held-out faces (200 px) on a 1200x600 grey card; alpha is 255 everywhere. */
export async function twoFaceCard(): Promise<{ clean: Pixels & { data: Uint8Array }; boxes: FaceBoxPx[] }> {
  const files = readdirSync(UTK).sort().filter(utkHeldout).slice(3, 5);
  const W = 1200, H = 600, size = 200;
  const clean = { width: W, height: H, data: new Uint8Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : 120)) };
  const boxes = [{ x: 120, y: 140, size }, { x: 820, y: 260, size }];
  for (const [i, f] of files.entries()) {
    const { data } = await sharp(UTK + f).resize(size, size).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { x, y } = boxes[i]!;
    for (let r = 0; r < size; r++) clean.data.set(data.subarray(r * size * 4, (r + 1) * size * 4), ((y + r) * W + x) * 4);
  }
  return { clean, boxes };
}

/**
 * An old-print look within what the face model was trained on: gaussian blur (sigma 1.2), then
 * seeded gaussian noise (sigma 10 of 255) on every RGB value. Alpha stays 255.
 */
export async function degradeCard(img: Pixels, seed = 7): Promise<Pixels & { data: Uint8Array }> {
  const blurred = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 4 } }).blur(1.2).raw().toBuffer();
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const data = new Uint8Array(blurred.length);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : Math.min(255, Math.max(0, Math.round(blurred[i]! + 10 * gauss())));
  return { width: img.width, height: img.height, data };
}

/** PSNR (dB, RGB) of `a` vs `b` over the central part of a face box (the middle 60 %: eyes, nose, mouth). */
export function facePsnr(a: Pixels, b: Pixels, box: FaceBoxPx): number {
  const lo = 0.2, hi = 0.8;
  let se = 0, n = 0;
  for (let y = Math.round(box.y + lo * box.size); y < box.y + hi * box.size; y++)
    for (let x = Math.round(box.x + lo * box.size); x < box.x + hi * box.size; x++)
      for (let c = 0; c < 3; c++) {
        const o = (y * a.width + x) * 4 + c;
        se += (a.data[o]! - b.data[o]!) ** 2;
        n++;
      }
  return 10 * Math.log10((255 * 255) / (se / n));
}

/** How many RGBA values differ between a and b farther than `margin` px from every face box. */
export function changedOutsideFaces(a: Pixels, b: Pixels, boxes: readonly FaceBoxPx[], margin: number): number {
  let changed = 0;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      if (boxes.some((bx) => x > bx.x - margin && x < bx.x + bx.size + margin && y > bx.y - margin && y < bx.y + bx.size + margin)) continue;
      const o = (y * a.width + x) * 4;
      for (let c = 0; c < 4; c++) if (a.data[o + c] !== b.data[o + c]) changed++;
    }
  return changed;
}
