import { describe, expect, it } from 'vitest';
import type { PlanarImage, RgbaImage } from '../../src/core/image/types';
import { planarToRgba, rgbaToPlanar } from '../../src/core/tensor/layout';
import { BlendAccumulator, axisWeights, tileWeights } from '../../src/core/tiling/blend';
import { chooseTileSize, resizeAlpha, runTiled, type TiledModel } from '../../src/core/tiling/run-tiled';
import { planTiles } from '../../src/core/tiling/tiles';

/** Deterministic pseudo-random RGBA image (opaque unless `alpha` says otherwise). */
function noiseImage(width: number, height: number, alpha = false): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = (width * 7919 + height * 104729) >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = (i & 3) === 3 && !alpha ? 255 : s >>> 24;
  }
  return { width, height, data };
}

const identity = (tileSize: number, overlap: number, range: [number, number] = [0, 1]): TiledModel => ({
  scale: 1,
  tileSize,
  overlap,
  inputRange: range,
  outputRange: range,
  run: async (t) => t,
});

/** Fake x2 model: nearest-neighbour upscaling of the planar tile. */
const nearestX2 = (tileSize: number, overlap: number): TiledModel => ({
  scale: 2,
  tileSize,
  overlap,
  inputRange: [0, 255],
  outputRange: [0, 1],
  run: async (t) => {
    const w = t.width * 2;
    const h = t.height * 2;
    const out = new Float32Array(w * h * 3);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out[c * w * h + y * w + x] = t.data[c * t.width * t.height + (y >> 1) * t.width + (x >> 1)]! / 255;
    return { width: w, height: h, channels: 3, data: out };
  },
});

function nearestUpscale(img: RgbaImage, k: number): RgbaImage {
  const w = img.width * k;
  const h = img.height * k;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = (Math.floor(y / k) * img.width + Math.floor(x / k)) * 4;
      data.set(img.data.subarray(s, s + 4), (y * w + x) * 4);
    }
  return { width: w, height: h, data };
}

const SIZES: [number, number][] = [[1, 1], [7, 3000], [3000, 7], [97, 89], [131, 257]];
const CONFIGS: [number, number][] = [[32, 8], [64, 16]];

describe('planTiles', () => {
  it('covers the image with in-bounds tiles of at most tileSize', () => {
    for (const [w, h] of [...SIZES, [2, 2], [33, 32], [101, 103], [5, 1000]] as [number, number][]) {
      for (const [ts, ov] of CONFIGS) {
        const tiles = planTiles(w, h, ts, ov);
        const cover = new Uint8Array(w * h);
        for (const t of tiles) {
          expect(t.x).toBeGreaterThanOrEqual(0);
          expect(t.y).toBeGreaterThanOrEqual(0);
          expect(t.width).toBe(Math.min(ts, w));
          expect(t.height).toBe(Math.min(ts, h));
          expect(t.x + t.width).toBeLessThanOrEqual(w);
          expect(t.y + t.height).toBeLessThanOrEqual(h);
          for (const o of [t.overlap.left, t.overlap.right, t.overlap.top, t.overlap.bottom]) {
            if (o !== 0) expect(o).toBeGreaterThanOrEqual(ov);
          }
          for (let y = t.y; y < t.y + t.height; y++) for (let x = t.x; x < t.x + t.width; x++) cover[y * w + x] = 1;
        }
        expect(cover.every((c) => c === 1)).toBe(true);
      }
    }
  });

  it('uses a single tile equal to the image when the image is smaller than a tile', () => {
    expect(planTiles(1, 1, 32, 8)).toEqual([
      { x: 0, y: 0, width: 1, height: 1, col: 0, row: 0, overlap: { left: 0, right: 0, top: 0, bottom: 0 } },
    ]);
    expect(planTiles(20, 30, 64, 16)).toHaveLength(1);
  });

  it('rejects overlap >= tileSize when tiling is needed, and bad sizes', () => {
    expect(() => planTiles(100, 100, 16, 16)).toThrow(/overlap/);
    expect(() => planTiles(0, 10, 16, 4)).toThrow(/width/);
    expect(() => planTiles(10, 10, 1.5, 0)).toThrow(/tileSize/);
  });
});

describe('layout', () => {
  it('round-trips RGB through a planar tile in any range', () => {
    const img = noiseImage(9, 5);
    for (const range of [[0, 1], [0, 255], [-1, 1]] as [number, number][]) {
      const planar = rgbaToPlanar(img, { x: 0, y: 0, width: 9, height: 5 }, range);
      expect(planar.channels).toBe(3);
      expect(planarToRgba(planar, range).data).toEqual(img.data);
    }
  });

  it('extracts a sub-rectangle in CHW order', () => {
    const img = noiseImage(6, 4);
    const p = rgbaToPlanar(img, { x: 2, y: 1, width: 3, height: 2 }, [0, 255]);
    // G channel, row 1, col 2 of the tile = image pixel (4, 2).
    expect(p.data[1 * 6 + 1 * 3 + 2]).toBe(img.data[(2 * 6 + 4) * 4 + 1]);
  });

  it('clamps out-of-range model output', () => {
    const t: PlanarImage = { width: 1, height: 1, channels: 3, data: new Float32Array([-0.5, 1.7, 0.5]) };
    expect([...planarToRgba(t, [0, 1]).data]).toEqual([0, 255, 128, 255]);
  });
});

describe('runTiled', () => {
  for (const [w, h] of SIZES) {
    for (const [ts, ov] of CONFIGS) {
      it(`identity model reproduces a ${w}x${h} image exactly (tile ${ts}, overlap ${ov})`, async () => {
        const img = noiseImage(w, h);
        const out = await runTiled(img, identity(ts, ov, [-1, 1]));
        expect(out.width).toBe(w);
        expect(out.height).toBe(h);
        expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
      });
    }
  }

  for (const [w, h] of [[97, 89], [7, 300], [1, 1]] as [number, number][]) {
    it(`fake x2 nearest model matches a nearest 2x upscale of ${w}x${h}`, async () => {
      const img = noiseImage(w, h);
      const out = await runTiled(img, nearestX2(32, 8));
      const expected = nearestUpscale(img, 2);
      expect(out.width).toBe(w * 2);
      expect(out.height).toBe(h * 2);
      expect(Buffer.from(out.data).equals(Buffer.from(expected.data))).toBe(true);
    });
  }

  it('upscales alpha when the input is not opaque', async () => {
    const img = noiseImage(40, 30, true);
    const out = await runTiled(img, nearestX2(16, 4));
    const expectedAlpha = resizeAlpha(img, 80, 60);
    const alpha = out.data.filter((_, i) => (i & 3) === 3);
    expect(alpha).toEqual(expectedAlpha);
  });

  it('blended weights sum to 1 at every output pixel', () => {
    for (const [w, h] of SIZES) {
      for (const [ts, ov] of CONFIGS) {
        for (const scale of [1, 2, 4]) {
          if (w * h * scale * scale > 2_000_000) continue;
          const acc = new BlendAccumulator(w * scale, h * scale);
          for (const t of planTiles(w, h, ts, ov)) {
            const { wx, wy } = tileWeights(t, scale);
            const zero = new Float32Array(wx.length * wy.length * 3);
            acc.add({ width: wx.length, height: wy.length, channels: 3, data: zero }, [0, 1], t.x * scale, t.y * scale, wx, wy);
          }
          let maxErr = 0;
          for (const v of acc.weight) maxErr = Math.max(maxErr, Math.abs(v - 1));
          expect(maxErr, `${w}x${h} tile ${ts}/${ov} scale ${scale}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('linear and cosine ramps are complementary and never zero', () => {
    for (const shape of ['linear', 'cosine'] as const) {
      const a = axisWeights(20, 0, 8, shape);
      const b = axisWeights(20, 8, 0, shape);
      for (let k = 0; k < 8; k++) expect(a[12 + k]! + b[k]!).toBeCloseTo(1, 6);
      expect(Math.min(...a, ...b)).toBeGreaterThan(0);
    }
  });

  it('feathers tile-dependent offsets into a smooth transition (no hard seam)', async () => {
    // Each tile's output is brightened by an amount that depends on the tile; without
    // blending there would be a jump of 40 levels at one column.
    const w = 100;
    const h = 20;
    const img: RgbaImage = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(100) };
    let calls = 0;
    const model: TiledModel = {
      ...identity(64, 24, [0, 255]),
      run: async (t) => {
        const offset = calls++ * 40;
        return { ...t, data: t.data.map((v) => v + offset) };
      },
    };
    const tiles = planTiles(w, h, 64, 24);
    expect(tiles).toHaveLength(2);
    const out = await runTiled(img, model);
    const row = Array.from({ length: w }, (_, x) => out.data[(10 * w + x) * 4]!);
    expect(row[0]).toBe(100);
    expect(row[w - 1]).toBe(140);
    let maxStep = 0;
    for (let x = 1; x < w; x++) maxStep = Math.max(maxStep, Math.abs(row[x]! - row[x - 1]!));
    // 40 levels spread over a 28-px overlap: steps of a few levels, never the full 40.
    expect(maxStep).toBeLessThanOrEqual(4);
    // Monotonic ramp across the overlap.
    for (let x = 1; x < w; x++) expect(row[x]!).toBeGreaterThanOrEqual(row[x - 1]!);
  });

  it('stops early on abort with an AbortError', async () => {
    const controller = new AbortController();
    let runs = 0;
    const model: TiledModel = {
      ...identity(32, 8),
      run: async (t) => {
        if (++runs === 3) controller.abort();
        return t;
      },
    };
    const img = noiseImage(200, 200);
    const total = planTiles(200, 200, 32, 8).length;
    await expect(runTiled(img, model, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(runs).toBe(3);
    expect(total).toBeGreaterThan(3);
  });

  it('rejects immediately when already aborted', async () => {
    let runs = 0;
    const model: TiledModel = { ...identity(32, 8), run: async (t) => (runs++, t) };
    await expect(runTiled(noiseImage(50, 50), model, { signal: AbortSignal.abort() })).rejects.toThrow(DOMException);
    expect(runs).toBe(0);
  });

  it('reports progress from 0 up to the total', async () => {
    const seen: [number, number][] = [];
    await runTiled(noiseImage(131, 257), identity(64, 16), { onProgress: (d, t) => seen.push([d, t]) });
    const total = planTiles(131, 257, 64, 16).length;
    expect(seen[0]).toEqual([0, total]);
    expect(seen.at(-1)).toEqual([total, total]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBe(seen[i - 1]![0] + 1);
  });

  it('rejects a model that returns the wrong tile size', async () => {
    const model: TiledModel = { ...identity(32, 8), scale: 2 };
    await expect(runTiled(noiseImage(10, 10), model)).rejects.toThrow(/expected 20x20x3/);
  });
});

describe('chooseTileSize', () => {
  it('gives WebGPU bigger tiles, caps WASM, and never exceeds the image', () => {
    expect(chooseTileSize(128, 'webgpu', 4000, 3000)).toBe(256);
    expect(chooseTileSize(128, 'wasm', 4000, 3000)).toBe(128);
    expect(chooseTileSize(512, 'wasm', 4000, 3000)).toBe(384);
    expect(chooseTileSize(384, 'wasm', 4000, 3000)).toBe(384);
    expect(chooseTileSize(128, 'webgpu', 100, 50)).toBe(100);
    expect(chooseTileSize(128, 'wasm', 1, 1)).toBe(1);
  });
});
