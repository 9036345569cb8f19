import type { RgbaImage } from '../image/types';

/**
 * The photo box-filtered down so its long side is at most `maxSide` (returned as is when it
 * already fits): the analysis reads tones, casts and damage from a copy this size, so it takes
 * the same few milliseconds on a 50 MP scan as on a thumbnail. Transparent pixels count as they are.
 */
export function shrinkImage(image: RgbaImage, maxSide: number): RgbaImage {
  const k = maxSide / Math.max(image.width, image.height);
  if (k >= 1) return image;
  const w = Math.max(1, Math.round(image.width * k)), h = Math.max(1, Math.round(image.height * k));
  const data = new Uint8ClampedArray(w * h * 4);
  const src = image.data, W = image.width;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * image.height) / h), y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * W) / w), x1 = Math.max(x0 + 1, Math.floor(((x + 1) * W) / w));
      let r = 0, g = 0, b = 0, a = 0;
      for (let yy = y0; yy < y1; yy++)
        for (let xx = x0, o = (yy * W + x0) * 4; xx < x1; xx++, o += 4) {
          r += src[o]!;
          g += src[o + 1]!;
          b += src[o + 2]!;
          a += src[o + 3]!;
        }
      const n = (y1 - y0) * (x1 - x0), o = (y * w + x) * 4;
      data[o] = r / n;
      data[o + 1] = g / n;
      data[o + 2] = b / n;
      data[o + 3] = a / n;
    }
  }
  return { width: w, height: h, data };
}

/**
 * shrinkImage bounded by pixel count instead of side: at most `maxPixels` (as is when it fits).
 * Only the small copy is allocated, never a second full-size one.
 */
export function shrinkToPixels(image: RgbaImage, maxPixels: number): RgbaImage {
  const k = Math.sqrt(maxPixels / (image.width * image.height));
  return k >= 1 ? image : shrinkImage(image, Math.floor(Math.max(image.width, image.height) * k));
}

/** 0 below `a`, 1 above `b`, a smooth ramp between (a > b ramps the other way). */
export function smoothstep(a: number, b: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
}

export const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
