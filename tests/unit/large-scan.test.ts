import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../src/core/image/types';
import { runTiled, type TiledModel } from '../../src/core/tiling/run-tiled';
import { tiledPeakBytes } from '../../src/core/tiling/blend';

/** A cheap x2 model (nearest neighbour) so the test measures the tiler, not the network. */
const nearestX2: TiledModel = {
  scale: 2,
  tileSize: 256,
  overlap: 16,
  inputRange: [0, 255],
  outputRange: [0, 255],
  run: async (t) => {
    const w = t.width * 2, h = t.height * 2, out = new Float32Array(w * h * 3);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++) {
        const src = c * t.width * t.height + (y >> 1) * t.width, dst = c * w * h + y * w;
        for (let x = 0; x < w; x++) out[dst + x] = t.data[src + (x >> 1)]!;
      }
    return { width: w, height: h, channels: 3, data: out };
  },
};

describe('a 24-megapixel scan', () => {
  it('upscales 6000x4000 at 2x with memory bounded by the result plus one strip', async () => {
    const width = 6000, height = 4000;
    const data = new Uint8ClampedArray(width * height * 4);
    // A pattern that depends on x and y, so misplaced tiles or strips would show.
    for (let y = 0, i = 0; y < height; y++) for (let x = 0; x < width; x++, i += 4) {
      data[i] = x & 255; data[i + 1] = y & 255; data[i + 2] = (x ^ y) & 255; data[i + 3] = 255;
    }
    const image: RgbaImage = { width, height, data };

    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const out = await runTiled(image, nearestX2, {
      onProgress: () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline)),
    });
    expect([out.width, out.height]).toEqual([12000, 8000]);
    for (const [x, y] of [[0, 0], [11999, 7999], [5001, 3999], [257 * 2, 4001], [9000, 123]]) {
      const o = (y * 12000 + x) * 4, sx = x >> 1, sy = y >> 1;
      expect([...out.data.subarray(o, o + 4)]).toEqual([sx & 255, sy & 255, (sx ^ sy) & 255, 255]);
    }
    // Result + two 512-row strips + tiles awaiting GC (~620 MB measured on an idle machine, up to
    // 689 MB while other processes load the CPU and V8 collects later); a whole-image float
    // accumulator would need 12000*8000*16 B = 1.5 GB on top of the result.
    const bound = tiledPeakBytes(12000, 8000, 2 * 256) + 160 * 2 ** 20;
    expect(peak).toBeLessThan(bound);
  }, 300_000);
});
