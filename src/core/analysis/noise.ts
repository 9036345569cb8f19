/**
 * Noise and grain, measured rather than assumed: the photo's luminance goes through a
 * second-difference high-pass (Immerkaer's 3x3 kernel, which cancels flat areas, ramps and
 * smooth shading), split into 8x8 blocks; the RMS of each block is its noise plus its texture.
 * The flattest blocks hold noise only, so the 10th percentile over the mid-tone blocks is the
 * estimate (in 0..255 levels, about half the forge's grain sigma since grain is weaker in the
 * shadows and highlights). Clean eval photos read 0.2-1.9 (kodim13, all rock and foliage: 4.1);
 * forge grain of sigma 5 levels reads 2.3-3.4, sigma 10 reads 4.5-6. Reduce noise acts from
 * NOISY[0] and fully from NOISY[1], so kodim13's texture gets a light touch, not the full denoiser.
 *
 * Read at full resolution (downscaling averages grain away), on at most MAX_BLOCKS blocks spread
 * over the photo, so it is fast on any size.
 */
import type { RgbaImage } from '../image/types';
import { luma, smoothstep } from './shrink';

const B = 8;
const MAX_BLOCKS = 6000;

export function estimateNoise(img: RgbaImage): number {
  const { width: w, height: h, data: d } = img;
  const bw = Math.floor((w - 2) / B), bh = Math.floor((h - 2) / B);
  if (bw < 1 || bh < 1) return 0;
  const stride = Math.max(1, Math.ceil(Math.sqrt((bw * bh) / MAX_BLOCKS)));
  const Y = (x: number, y: number) => {
    const o = (y * w + x) * 4;
    return luma(d[o]!, d[o + 1]!, d[o + 2]!);
  };
  const rms: number[] = [];
  const all: number[] = [];
  const row = new Float32Array((B + 2) * (B + 2));
  for (let by = 0; by < bh; by += stride)
    for (let bx = 0; bx < bw; bx += stride) {
      const x0 = bx * B, y0 = by * B;
      let mean = 0;
      for (let y = 0; y < B + 2; y++) for (let x = 0; x < B + 2; x++) mean += row[y * (B + 2) + x] = Y(x0 + x, y0 + y);
      mean /= (B + 2) * (B + 2);
      let s = 0;
      for (let y = 1; y <= B; y++)
        for (let x = 1; x <= B; x++) {
          const at = (dx: number, dy: number) => row[(y + dy) * (B + 2) + x + dx]!;
          const k = at(-1, -1) - 2 * at(0, -1) + at(1, -1) - 2 * at(-1, 0) + 4 * at(0, 0) - 2 * at(1, 0) + at(-1, 1) - 2 * at(0, 1) + at(1, 1);
          s += (k / 6) ** 2;
        }
      const r = Math.sqrt(s / (B * B));
      all.push(r);
      // clipped blacks and whites hide grain
      if (mean > 20 && mean < 235) rms.push(r);
    }
  const use = rms.length >= 10 ? rms : all;
  use.sort((a, b) => a - b);
  return use[Math.floor(0.1 * (use.length - 1))] ?? 0;
}

/** Noise levels where Reduce noise starts to act, and where it acts fully. */
export const NOISY: [number, number] = [3, 6];

/** 0..1: how much of the denoiser's change a photo with this noise level gets. */
export function noiseWeight(sigma: number): number {
  return smoothstep(NOISY[0], NOISY[1], sigma);
}
