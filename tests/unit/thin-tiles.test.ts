import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { PlanarImage, RgbaImage } from '../../src/core/image/types';
import { runTiled, type TiledModel } from '../../src/core/tiling/run-tiled';
import { cropPlanar, padThin } from '../../src/core/tiling/thin-tiles';
import { openNodeModel, type NodeOrt } from '../../cli/models';
import { upscaleModelFor } from '../../src/stages/upscale/meta';
import { tintedStrip } from '../e2e/support/hostile-corpus';

/**
 * Issue 16 item 3: images thinner than a network's receptive field came back wrong (a 1x512
 * strip averaging 128,100,128 came back 24,22,19). The tiler pads thin tiles with replicated
 * edges and crops the output; these tests check the pixels, not just the size.
 */

/** Mean per RGB channel. */
function meanRgb(img: { width: number; height: number; data: ArrayLike<number> }): number[] {
  const sum = [0, 0, 0];
  for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < 3; c++) sum[c]! += img.data[i * 4 + c]!;
  return sum.map((s) => s / (img.width * img.height));
}

/** Mean absolute difference (RGB) from the input upscaled by nearest neighbour. */
function diffFromNearest(input: { width: number; data: ArrayLike<number> }, out: RgbaImage): number {
  const k = out.width / input.width;
  let sum = 0;
  for (let y = 0; y < out.height; y++)
    for (let x = 0; x < out.width; x++)
      for (let c = 0; c < 3; c++)
        sum += Math.abs(out.data[(y * out.width + x) * 4 + c]! - input.data[(Math.floor(y / k) * input.width + Math.floor(x / k)) * 4 + c]!);
  return sum / (out.width * out.height * 3);
}

/**
 * A stand-in for a convolutional network: a 5x5 box mean with zero padding (what every conv
 * layer does at a tile edge), then nearest x2. On a constant image, any output pixel that is
 * not that constant saw the zeros.
 */
const zeroPaddedBlurX2: TiledModel = {
  scale: 2,
  tileSize: 64,
  overlap: 8,
  inputRange: [0, 255],
  outputRange: [0, 255],
  run: async (t: PlanarImage) => {
    const w = t.width * 2, h = t.height * 2;
    const out = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let s = 0;
          for (let dy = -2; dy <= 2; dy++)
            for (let dx = -2; dx <= 2; dx++) {
              const sx = (x >> 1) + dx, sy = (y >> 1) + dy;
              if (sx >= 0 && sy >= 0 && sx < t.width && sy < t.height) s += t.data[c * t.width * t.height + sy * t.width + sx]!;
            }
          out[c * w * h + y * w + x] = s / 25;
        }
    return { width: w, height: h, channels: 3, data: out };
  },
};

describe('thin tiles', () => {
  it('padThin replicates edges around the centred original, and cropPlanar takes it back', () => {
    const img: PlanarImage = { width: 1, height: 3, channels: 1, data: Float32Array.from([1, 2, 3]) };
    const { padded, left, top } = padThin(img, 4);
    expect(padded).toMatchObject({ width: 4, height: 4 });
    expect([left, top]).toEqual([1, 0]);
    expect([...padded.data]).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
    expect([...cropPlanar(padded, left, top, 1, 3).data]).toEqual([1, 2, 3]);
    expect(padThin(img, 1).padded).toBe(img);
  });

  for (const [w, h] of [[1, 200], [2, 200], [200, 1], [3, 3]] as const) {
    it(`a zero-padding model sees no zeros across a constant ${w}x${h} image`, async () => {
      const data = new Uint8ClampedArray(w * h * 4).map((_, i) => [128, 100, 128, 255][i % 4]!);
      const out = await runTiled({ width: w, height: h, data }, zeroPaddedBlurX2);
      expect(out).toMatchObject({ width: w * 2, height: h * 2 });
      // Along an axis as long as a tile the model sees the image's own ends (zeros there are
      // the model's business, as for any photo); across a thin axis it must see none (seams
      // between tiles along the strip may differ by a level or two: feathering, not zeros).
      const W = w * 2, H = h * 2, near = (v: number, n: number, side: number) => side >= 16 && (v < 4 || v >= n - 4);
      let off = 0, checked = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          if (near(x, W, w) || near(y, H, h)) continue;
          checked++;
          for (let c = 0; c < 3; c++) if (Math.abs(out.data[(y * W + x) * 4 + c]! - [128, 100, 128][c]!) > 2) off++;
        }
      expect(checked).toBeGreaterThan(0);
      expect(off).toBe(0);
    });
  }

  it('the shipped x2 upscaler keeps the colour of 1 px and 2 px strips (it returned 24,22,19 for 128,100,128)', async () => {
    const model = await openNodeModel(ort as unknown as NodeOrt, upscaleModelFor({ scale: 2, quality: 'fast' }), join(import.meta.dirname, '../../public/models'), 1);
    for (const [w, h] of [[1, 512], [512, 1], [2, 512], [512, 2]] as const) {
      const input = tintedStrip(w, h);
      const out = await runTiled({ ...input, data: new Uint8ClampedArray(input.data) }, model);
      expect(out).toMatchObject({ width: w * 2, height: h * 2 });
      const want = meanRgb(input), got = meanRgb(out);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!), `${w}x${h} channel ${c}: ${got} vs ${want}`).toBeLessThan(3);
      expect(diffFromNearest(input, out), `${w}x${h}`).toBeLessThan(4);
    }
  }, 60_000);
});
