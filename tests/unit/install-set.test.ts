/**
 * What installs with the app (src/stages/models.ts): one file per model, and every model the
 * one-click restore can load. The stages are run with a context that records each model they ask
 * for (and stops them there), so a stage that starts loading another model fails this test.
 */
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../src/core/image/types';
import type { StageContext } from '../../src/core/pipeline/stage';
import { emptyMask } from '../../src/core/image/mask';
import { analyzePhoto, recommend, type PhotoAnalysis } from '../../src/stages/auto';
import { runRecipe, type Recipe } from '../../src/stages';
import { builtInManifests, oneClickModels, shippedModels } from '../../src/stages/models';
import { baseModelId, shippedModelPath } from '../../src/core/models/manifest';

function recorder() {
  const ids: string[] = [];
  const ctx: StageContext = {
    progress: () => undefined,
    loadModel: async (m) => {
      ids.push(m.id);
      throw new Error('recorded');
    },
  };
  return { ids, ctx };
}

/** A grainy grey photo (the denoiser leaves a clean one alone without loading its model). */
const grey: RgbaImage = (() => {
  const data = new Uint8ClampedArray(64 * 48 * 4);
  let s = 7;
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 255 : 128 + (((s = (s * 1664525 + 1013904223) >>> 0) >>> 24) % 41) - 20;
  return { width: 64, height: 48, data };
})();

/** A photo that needs everything the analysis can propose: damaged, grainy, faded, a soft face, small. */
function needsEverything(): PhotoAnalysis {
  return {
    width: 500, height: 400,
    tones: { black: 60, white: 190, contrast: 0.5, saturation: 20, fading: 0.8 },
    cast: { u: 0.1, v: -0.2, magnitude: 0.22, confidence: 0.9, weight: 0.8, hue: 'yellow' },
    tone: {},
    noise: { sigma: 8, weight: 0.9 },
    damage: { marks: 4, coverage: 0.01 },
    faces: { count: 1, eyeDistances: [20], tooSmall: 0 },
    printInches: 1.7, recipe: {}, reasons: {}, offerColorize: false, ms: 0, timings: { measures: 0, damage: 0, faces: 0 },
  } as unknown as PhotoAnalysis;
}

describe('the install set', () => {
  it('lists each shipped model once, as the file the stages load (int8, else fp16 weights, else fp32)', () => {
    const ids = shippedModels.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(shippedModels.map(baseModelId)).size).toBe(ids.length);
    // Only float files that have a preferred copy are left out, and that copy is listed.
    const left = builtInManifests.filter((m) => !ids.includes(m.id));
    expect(left.length).toBeGreaterThan(0);
    const copy = (m: (typeof left)[number], p: string) => `${baseModelId(m)}${p === 'fp32' ? '' : `-${p}`}`;
    expect(left.every((m) => m.precision !== 'int8' && (ids.includes(copy(m, 'int8')) || (m.precision === 'fp32' && ids.includes(copy(m, 'fp16')))))).toBe(true);
    expect(shippedModels.filter((m) => m.precision === 'fp32').every((m) => !builtInManifests.some((o) => o.id === `${m.id}-fp16` || o.id === `${m.id}-int8`))).toBe(true);
    expect(shippedModels.filter((m) => m.precision === 'fp16').every((m) => !builtInManifests.some((o) => o.id === copy(m, 'int8')))).toBe(true);
    expect(ids).toContain('heirloom-sr-x2-int8');
    expect(new Set(shippedModels.map((m) => m.task))).toEqual(new Set(builtInManifests.map((m) => m.task)));
    expect(shippedModelPath(shippedModels.find((m) => m.id === 'heirloom-face-fp16')!)).toBe('models/face/face-restore.fp16.onnx');
  });

  it('holds every model the one-click analysis and the stages it proposes ask for', async () => {
    const asked: string[] = [];
    // The analysis: the damage detector first; without it, the face finder.
    for (const opts of [{}, { damage: false }]) {
      const r = recorder();
      await analyzePhoto(grey, r.ctx, opts).catch(() => undefined);
      asked.push(...r.ids);
    }
    const a = needsEverything();
    recommend(a, true);
    expect(Object.keys(a.recipe).sort()).toEqual(['denoise', 'face', 'fade', 'repair', 'upscale']);
    const recipes: Recipe[] = Object.entries(a.recipe).map(([stage, opts]) => ({ [stage]: opts }));
    // Repair after detection: the fill.
    const mask = emptyMask(grey.width, grey.height);
    mask.data.fill(255, 100, 140);
    recipes.push({ repair: { detect: false, mask } });
    for (const recipe of recipes) {
      const r = recorder();
      await runRecipe(grey, recipe, r.ctx).catch(() => undefined);
      asked.push(...r.ids);
    }
    const oneClick = oneClickModels().map((m) => m.id);
    expect(new Set(asked)).toEqual(new Set(['heirloom-detector-fp16', 'faceapi-tiny-face-detector', 'heirloom-denoise-fp16', 'heirloom-sr-x2-int8', 'heirloom-inpaint-fp16']));
    for (const id of asked) expect(oneClick).toContain(id);
    // Colorize is only offered, and the bigger upscalers are chosen by hand: not installed.
    expect(oneClick.filter((id) => /colorize|medium|x4/.test(id))).toEqual([]);
  });
});
