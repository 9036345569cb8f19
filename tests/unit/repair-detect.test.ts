import { describe, expect, it } from 'vitest';
import { boxDownscale, upscaleMask } from '../../src/core/image/resize';
import { detectDamage, detectionFactor, runRepair } from '../../src/stages/repair/run';
import { NO_DAMAGE, repairMeta, repairModel } from '../../src/stages/repair/meta';
import type { Progress } from '../../src/core/pipeline/progress';
import type { StageContext } from '../../src/core/pipeline/stage';
import type { TiledModel } from '../../src/core/tiling/run-tiled';
import type { PlanarImage, RgbaImage } from '../../src/core/image/types';

function photo(w: number, h: number, f: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([f(x, y), f(x, y), f(x, y), 255], (y * w + x) * 4);
  return { width: w, height: h, data };
}

/** The tears net's stand-in: finds no tear (these tests are about the marks detector; see repair-tears.test.ts). */
const noTears: TiledModel = {
  scale: 1, tileSize: 256, overlap: 0, inputRange: [0, 1], outputRange: [0, 1],
  run: async (t) => ({ width: t.width, height: t.height, channels: 1, data: new Float32Array(t.width * t.height) }),
};

/** A stand-in detector: probability = brightness (so a white line is "damage"); records tile sizes. */
function brightnessDetector(seen: PlanarImage[]): TiledModel {
  return {
    scale: 1, tileSize: 256, overlap: 16, inputRange: [0, 1], outputRange: [0, 1],
    run: async (tile) => {
      seen.push(tile);
      return { width: tile.width, height: tile.height, channels: 1, data: tile.data.slice(0, tile.width * tile.height) };
    },
  };
}

describe('box downscale and mask upscale', () => {
  it('averages blocks, keeping a thin line as a fainter line instead of dropping it', () => {
    const img = photo(9, 6, (x) => (x === 4 ? 255 : 0));
    const small = boxDownscale(img, 3);
    expect([small.width, small.height]).toEqual([3, 2]);
    expect(small.data[4]).toBe(85); // the middle block holds one white column of three
    expect(small.data[0]).toBe(0);
    expect(small.data[3]).toBe(255); // alpha stays opaque
  });

  it('handles partial blocks at the right and bottom edges', () => {
    const small = boxDownscale(photo(5, 5, () => 200), 2);
    expect([small.width, small.height]).toEqual([3, 3]);
    expect(small.data[(2 * 3 + 2) * 4]).toBe(200);
  });

  it('upscales a mask back to the exact photo size', () => {
    const m = { width: 3, height: 2, data: Uint8Array.from([0, 255, 0, 0, 0, 0]) };
    const big = upscaleMask(m, 3, 8, 5);
    expect([big.width, big.height]).toEqual([8, 5]);
    expect(big.data[0 * 8 + 4]).toBe(255);
    expect(big.data[0 * 8 + 2]).toBe(0);
    expect(big.data[4 * 8 + 4]).toBe(0);
  });
});

describe('damage detection', () => {
  it('searches large scans on a shrunk copy and returns a full-size mask', async () => {
    expect(detectionFactor(2048, 1500)).toBe(1);
    expect(detectionFactor(6000, 4000)).toBe(3);
    const w = repairMeta.detectLongSide * 2 + 10, h = 300;
    const img = photo(w, h, (x) => (x >= 1000 && x < 1006 ? 255 : 0)); // a 6 px white line
    const seen: PlanarImage[] = [];
    const ctx: StageContext = { progress: () => undefined, loadModel: async (m) => (m.task === 'repair-tears' ? noTears : brightnessDetector(seen)) };
    const mask = await detectDamage(img, ctx);
    expect([mask.width, mask.height]).toEqual([w, h]);
    expect(Math.max(...seen.map((t) => t.width))).toBeLessThanOrEqual(Math.ceil(w / 3));
    expect(mask.data[150 * w + 1003]).toBe(255);
    expect(mask.data[150 * w + 900]).toBe(0);
    expect(mask.data[150 * w + 1100]).toBe(0);
  });

  it('uses the threshold the manifest calibrated', async () => {
    const t = repairModel('repair-detect').threshold ?? 0.5;
    const below = Math.floor(t * 255) - 2, above = Math.ceil(t * 255) + 2;
    const img = photo(64, 64, (x) => (x < 32 ? below : above));
    const mask = await detectDamage(img, { progress: () => undefined, loadModel: async (m) => (m.task === 'repair-tears' ? noTears : brightnessDetector([])) });
    expect(mask.data[32 * 64 + 5]).toBe(0);
    expect(mask.data[32 * 64 + 60]).toBe(255);
  });

  it('returns a photo where nothing was found unchanged and says so', async () => {
    const img = photo(80, 60, () => 0); // dark everywhere: the stand-in finds nothing
    const reports: Progress[] = [];
    let inpainterLoaded = false;
    const ctx: StageContext = {
      progress: (p) => reports.push(p),
      loadModel: async (m) => {
        if (m.task === 'inpaint') inpainterLoaded = true;
        return brightnessDetector([]);
      },
    };
    const out = await runRepair(img, { detect: true }, ctx);
    expect(out).toBe(img);
    expect(inpainterLoaded).toBe(false);
    expect(reports.at(-1)?.stage).toBe(NO_DAMAGE);
  });
});

describe('detector manifest threshold', () => {
  it('is kept by validation and refused outside (0, 1)', async () => {
    const { validateManifest } = await import('../../src/core/models/manifest');
    const m = repairModel('repair-detect');
    expect(validateManifest(m).threshold).toBe(m.threshold);
    expect(() => validateManifest({ ...m, threshold: 1.5 })).toThrow(/threshold/);
  });
});
