/**
 * Straightens a print: the quad in the photo becomes an upright rectangle. Every output pixel is
 * mapped back into the photo through the homography and read with bilinear sampling, at full
 * resolution (the corners may come from a small copy; the pixels never do).
 */
import type { RgbaImage } from '../image/types';
import { homographyBetween } from './homography';
import { distance, type Quad } from './quad';

/**
 * The straightened print's size in pixels: the longer of each pair of opposite sides, so the
 * nearer (larger) side of a tilted print keeps its resolution.
 */
export function printSize(q: Quad): { width: number; height: number } {
  const width = Math.max(distance(q[0], q[1]), distance(q[3], q[2]));
  const height = Math.max(distance(q[0], q[3]), distance(q[1], q[2]));
  return { width: Math.max(1, Math.round(width)), height: Math.max(1, Math.round(height)) };
}

export function warpQuad(image: RgbaImage, q: Quad, size = printSize(q)): RgbaImage {
  const { width, height } = size;
  // Output pixel centres (x + 0.5, y + 0.5) map to photo coordinates whose pixel centres are at
  // +0.5 too, so a quad equal to the frame reproduces the photo exactly.
  const h = homographyBetween(
    [{ x: 0, y: 0 }, { x: width, y: 0 }, { x: width, y: height }, { x: 0, y: height }],
    q,
  );
  const out = new Uint8ClampedArray(width * height * 4);
  const src = image.data, W = image.width, H = image.height;
  const maxX = W - 1, maxY = H - 1;
  for (let y = 0; y < height; y++) {
    const yc = y + 0.5;
    // Numerators and the denominator are linear in x along a row: step them instead of a 3x3 product per pixel.
    let X = h[0]! * 0.5 + h[1]! * yc + h[2]!, Y = h[3]! * 0.5 + h[4]! * yc + h[5]!, Wd = h[6]! * 0.5 + h[7]! * yc + h[8]!;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, X += h[0]!, Y += h[3]!, Wd += h[6]!, o += 4) {
      let sx = X / Wd - 0.5, sy = Y / Wd - 0.5;
      sx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      sy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = sx | 0, y0 = sy | 0;
      const x1 = x0 < maxX ? x0 + 1 : x0, y1 = y0 < maxY ? y0 + 1 : y0;
      const fx = sx - x0, fy = sy - y0;
      const a = (y0 * W + x0) * 4, b = (y0 * W + x1) * 4, c = (y1 * W + x0) * 4, d = (y1 * W + x1) * 4;
      const wa = (1 - fx) * (1 - fy), wb = fx * (1 - fy), wc = (1 - fx) * fy, wd = fx * fy;
      out[o] = src[a]! * wa + src[b]! * wb + src[c]! * wc + src[d]! * wd + 0.5;
      out[o + 1] = src[a + 1]! * wa + src[b + 1]! * wb + src[c + 1]! * wc + src[d + 1]! * wd + 0.5;
      out[o + 2] = src[a + 2]! * wa + src[b + 2]! * wb + src[c + 2]! * wc + src[d + 2]! * wd + 0.5;
      out[o + 3] = src[a + 3]! * wa + src[b + 3]! * wb + src[c + 3]! * wc + src[d + 3]! * wd + 0.5;
    }
  }
  return { width, height, data: out };
}
