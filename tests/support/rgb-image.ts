import type { RgbaImage } from '../../src/core/image/types';

/** An opaque RgbaImage from packed RGB bytes (the Python reference files store RGB). */
export function rgbaFromRgb(w: number, h: number, rgb: Uint8Array): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
  return { width: w, height: h, data };
}
