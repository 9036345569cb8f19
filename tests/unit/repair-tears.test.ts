/**
 * Torn corners and missing edges: the tears net's coarse mask fitted to the tear's edge at full size
 * (refineTears, the same rule as Python's common.refine_tears that the evaluation scores), and its
 * place in detectDamage beside the marks detector.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boxDownscale } from '../../src/core/image/resize';
import type { StageContext } from '../../src/core/pipeline/stage';
import type { TiledModel } from '../../src/core/tiling/run-tiled';
import { detectDamage } from '../../src/stages/repair/run';
import { refineTears, tearsFactor } from '../../src/stages/repair/tears';
import { repairMeta } from '../../src/stages/repair/meta';
import { rgbaFromRgb } from '../support/rgb-image';

const root = join(__dirname, '..', '..');

describe('refineTears', () => {
  it("gives Python's refine_tears mask pixel for pixel, fitting the ragged edge and dropping a region too small to be a tear", () => {
    const ref = JSON.parse(readFileSync(join(root, 'models/repair/tests/reference/refine-tears.json'), 'utf8'));
    const image = rgbaFromRgb(ref.width, ref.height, Buffer.from(ref.image, 'base64'));
    const small = boxDownscale(image, ref.factor);
    expect([small.width, small.height]).toEqual([ref.coarseWidth, ref.coarseHeight]);
    const coarse = { width: ref.coarseWidth, height: ref.coarseHeight, data: Uint8Array.from(Buffer.from(ref.coarse, 'base64'), (v) => v * 255) };
    const got = refineTears(image, small, coarse, ref.factor);
    const want = Buffer.from(ref.mask, 'base64');
    let differ = 0, marked = 0;
    for (let i = 0; i < want.length; i++) {
      if ((got.data[i]! > 0) !== (want[i]! > 0)) differ++;
      if (got.data[i]) marked++;
    }
    expect(differ).toBe(0);
    expect(marked).toBe(ref.marked);
    // the torn corner is found to within a few pixels of its ragged edge, the small white patch is not
    expect(Math.abs(marked - ref.torn)).toBeLessThan(0.02 * ref.torn);
    expect(got.data[41 * ref.width + 61]).toBe(0);
    expect(got.data[0]).toBe(255);
  });
});

describe('tears in detectDamage', () => {
  it('shrinks the photo so its long side is at most repairMeta.tearsLongSide', () => {
    expect(tearsFactor(repairMeta.tearsLongSide, 90)).toBe(1);
    expect(tearsFactor(256, 256)).toBe(2);
    expect(tearsFactor(3000, 2000)).toBe(Math.ceil(3000 / repairMeta.tearsLongSide));
  });

  it('adds the torn area to the marks the detector found, at full size', async () => {
    // a 600x400 photo: mid-grey with a paper-white torn corner (top left) and one dark scratch
    const w = 600, h = 400, rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const torn = x + y < 150 + 6 * Math.sin(y / 3);
        const v = torn ? 240 : x === 400 ? 20 : 120 + ((x * 7 + y * 13) % 9);
        rgb.set([v, v, torn ? 225 : v], (y * w + x) * 3);
      }
    const image = rgbaFromRgb(w, h, rgb);
    const seen: { task: string; width: number }[] = [];
    // stand-ins: the detector marks dark pixels, the tears net bright ones (on what it is given)
    const model = (task: string): TiledModel => ({
      scale: 1, tileSize: 256, overlap: 16, inputRange: [0, 1], outputRange: [0, 1],
      run: async (tile) => {
        seen.push({ task, width: tile.width });
        const n = tile.width * tile.height, out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = task === 'repair-tears' ? (tile.data[i]! > 0.85 ? 1 : 0) : tile.data[i]! < 0.2 ? 1 : 0;
        return { width: tile.width, height: tile.height, channels: 1, data: out };
      },
    });
    const ctx: StageContext = { progress: () => undefined, loadModel: async (m) => model(m.task) };
    const mask = await detectDamage(image, ctx, true);
    expect(seen.find((s) => s.task === 'repair-tears')!.width).toBe(Math.ceil(w / tearsFactor(w, h)));
    let inTear = 0, tearPixels = 0, outside = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const torn = x + y < 150 + 6 * Math.sin(y / 3);
        const near = Math.abs(x + y - 150) <= 10 || Math.abs(x - 400) <= repairMeta.dilate + 1;
        const m = mask.data[y * w + x]! > 0;
        if (torn) (tearPixels++, m && inTear++);
        else if (m && !near) outside++;
      }
    expect(inTear / tearPixels).toBeGreaterThan(0.995); // all but slivers two coarse cells from any marked one
    expect(outside).toBe(0);
    expect(mask.data[200 * w + 400]).toBe(255); // the scratch
    // not asked: only the marks, and the tears net is not even loaded
    seen.length = 0;
    const marks = await detectDamage(image, ctx, false);
    expect(seen.every((s) => s.task === 'repair-detect')).toBe(true);
    expect(marks.data[0]).toBe(0);
    expect(marks.data[200 * w + 400]).toBe(255);
  });
});
