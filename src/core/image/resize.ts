import type { RgbaImage } from './types';
import type { Mask } from './mask';

/**
 * Shrinks by an integer factor, each output pixel the mean of a factor x factor block (the last
 * row/column of blocks may be partial): the cheapest filter that does not alias thin lines away.
 * Not shrinkImage (core/analysis/shrink): its blocks follow any target size, so a mask found on its
 * copy would not map back through upscaleMask's integer factor.
 */
export function boxDownscale(img: RgbaImage, factor: number): RgbaImage {
  if (factor <= 1) return img;
  const w = Math.ceil(img.width / factor), h = Math.ceil(img.height / factor);
  const out = new Uint8ClampedArray(w * h * 4);
  const acc = new Float64Array(w * 4);
  const cnt = new Float64Array(w);
  for (let oy = 0; oy < h; oy++) {
    acc.fill(0);
    cnt.fill(0);
    for (let y = oy * factor; y < Math.min(img.height, (oy + 1) * factor); y++) {
      const row = y * img.width;
      for (let x = 0; x < img.width; x++) {
        const o = Math.floor(x / factor), i = (row + x) * 4;
        acc[o * 4] += img.data[i]!;
        acc[o * 4 + 1] += img.data[i + 1]!;
        acc[o * 4 + 2] += img.data[i + 2]!;
        acc[o * 4 + 3] += img.data[i + 3]!;
        cnt[o]++;
      }
    }
    for (let o = 0; o < w; o++) for (let c = 0; c < 4; c++) out[(oy * w + o) * 4 + c] = acc[o * 4 + c]! / cnt[o]!;
  }
  return { width: w, height: h, data: out };
}

/** Enlarges a mask found on a boxDownscale(factor) copy back to width x height (nearest). */
export function upscaleMask(mask: Mask, factor: number, width: number, height: number): Mask {
  if (factor <= 1) return mask;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * mask.width;
    for (let x = 0; x < width; x++) data[y * width + x] = mask.data[src + Math.floor(x / factor)]!;
  }
  return { width, height, data };
}
