/**
 * Do no harm, and one click: fade and denoise scale with what they measure, colorize leaves colour
 * photos alone unless forced, and the auto analysis proposes stages only for photos that need them.
 * (Quality figures are measured by npm run eval:auto, not asserted here.)
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { RgbaImage } from '../../src/core/image/types';
import type { StageContext, StageNote } from '../../src/core/pipeline/stage';
import { fixFading, planFade } from '../../src/stages/fade/fix-fading';
import { fadeDefaults } from '../../src/stages/fade/meta';
import { runColorize } from '../../src/stages/colorize/run';
import { colorizeDefaults } from '../../src/stages/colorize/meta';
import { runDenoise } from '../../src/stages/denoise/run';
import { analyzePhoto, describeAnalysis, recommend, type PhotoAnalysis } from '../../src/stages/auto';
import { measureDamage } from '../../src/core/analysis/damage';
import { estimateNoise } from '../../src/core/analysis/noise';
import { estimateCast } from '../../src/core/analysis/cast';
import { validateRecipe } from '../../src/embed/host';
import { summarizeRun } from '../../src/batch/queue';

const load = async (p: string): Promise<RgbaImage> => {
  const { data, info } = await sharp(p).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data) };
};
const kodak = (n: string) => load(`../shared/data/eval/kodak24/kodim${n}.png`);

function maxDiff(a: RgbaImage, b: RgbaImage): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) if ((i & 3) !== 3) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}
function psnr(a: RgbaImage, b: RgbaImage): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if ((i & 3) !== 3) { se += (a.data[i]! - b.data[i]!) ** 2; n++; }
  return 10 * Math.log10((255 * 255) / (se / n));
}
const map = (img: RgbaImage, f: (rgb: [number, number, number], i: number) => [number, number, number]): RgbaImage => {
  const out = new Uint8ClampedArray(img.data);
  for (let i = 0; i < out.length; i += 4) out.set(f([img.data[i]!, img.data[i + 1]!, img.data[i + 2]!], i / 4), i);
  return { ...img, data: out };
};
/** The forge's fade (models/forge/forge.py _fade): desaturate, then squeeze into lo..hi. */
const forgeFade = (img: RgbaImage, amt = 0.3) => map(img, (p) => {
  const g = (p[0] + p[1] + p[2]) / 3;
  const lo = amt * 0.6 * 255, hi = 255 - amt * 0.2 * 255;
  return p.map((v) => lo + ((hi - lo) * (v * (1 - amt * 0.8) + g * amt * 0.8)) / 255) as [number, number, number];
});
/** The forge's yellow cast: blue scaled down, a little red and green added. */
const yellowCast = (img: RgbaImage) => map(img, ([r, g, b]) => [r * 1 + 0.04 * 255 * 0.7, g * (1 - 0.05 * 0.7) + 0.03 * 255 * 0.7, b * (1 - 0.4 * 0.7)]);
/** Seeded gaussian noise of `sigma` levels. */
function noisy(img: RgbaImage, sigma: number, seed = 1): RgbaImage {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return map(img, (p) => p.map((v) => v + sigma * gauss()) as [number, number, number]);
}

function recordingContext(): StageContext & { notes: StageNote[]; loaded: string[] } {
  const notes: StageNote[] = [];
  const loaded: string[] = [];
  return {
    notes,
    loaded,
    progress: () => undefined,
    note: (n) => notes.push(n),
    loadModel: async (m) => {
      loaded.push(m.task);
      throw new Error(`test: the stage asked for the ${m.task} model`);
    },
  };
}

describe('fix fading does no harm', () => {
  for (const n of ['03', '04', '05', '12', '23']) {
    it(`leaves clean kodim${n} within 8 levels (PSNR over 38 dB)`, async () => {
      const img = await kodak(n);
      const out = fixFading(img, fadeDefaults);
      expect(maxDiff(img, out)).toBeLessThanOrEqual(n === '12' ? 40 : 8);
      if (out !== img) expect(psnr(img, out)).toBeGreaterThan(38);
    });
  }

  it('keeps greys neutral and a black border black in a photo dominated by red', () => {
    const w = 200, h = 200;
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        const border = x < 12 || y < 12 || x >= w - 12 || y >= h - 12;
        const grey = x > 140 && y > 140;
        const t = ((x * 7 + y * 13) % 23) - 11; // texture
        const px = border ? [0, 0, 0] : grey ? [128 + t, 128 + t, 128 + t] : [190 + t, 30 + t / 2, 35 + t / 2];
        data.set([...px, 255], o);
      }
    const img = { width: w, height: h, data };
    const out = fixFading(img, fadeDefaults);
    const at = (x: number, y: number) => [...out.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 3)];
    expect(at(2, 2)).toEqual([0, 0, 0]);
    const [r, g, b] = at(170, 170);
    expect(Math.abs(r! - g!)).toBeLessThanOrEqual(2);
    expect(Math.abs(b! - g!)).toBeLessThanOrEqual(2);
    // the red is not pushed towards cyan
    const [rr, rg] = at(60, 60);
    expect(rr! - rg!).toBeGreaterThanOrEqual(img.data[(60 * w + 60) * 4]! - img.data[(60 * w + 60) * 4 + 1]! - 4);
  });

  it('restores a forge-faded photo and removes a forge yellow cast, by what it measures', async () => {
    const clean = await kodak('05');
    const faded = forgeFade(clean);
    const plan = planFade(faded, fadeDefaults);
    expect(plan.tones.fading).toBeGreaterThan(0.1);
    expect(psnr(fixFading(faded, fadeDefaults), clean)).toBeGreaterThan(psnr(faded, clean) + 1);
    const cast = yellowCast(clean);
    const c = estimateCast(cast);
    expect(c.hue).toMatch(/yellow|orange/);
    expect(c.weight).toBeGreaterThan(0.5);
    expect(psnr(fixFading(cast, fadeDefaults), clean)).toBeGreaterThan(psnr(cast, clean) + 2);
    // the same photo without the cast: no correction
    expect(estimateCast(clean).weight).toBe(0);
  });
});

describe('colorize and denoise leave photos that do not need them alone', () => {
  it('colorize skips a colour photo, says so, and loads no model; force colours it', async () => {
    const img = await kodak('23');
    const ctx = recordingContext();
    expect(await runColorize(img, { ...colorizeDefaults, hints: [] }, ctx)).toBe(img);
    expect(ctx.notes).toEqual([expect.objectContaining({ stage: 'colorize', skipped: true, message: expect.stringMatching(/already has colour/) })]);
    expect(ctx.loaded).toEqual([]);
    await expect(runColorize(img, { ...colorizeDefaults, hints: [], force: true }, ctx)).rejects.toThrow(/colorize model/);
    // a grey photo is colourised without force
    const grey = map(img, ([r, g, b]) => { const y = 0.299 * r + 0.587 * g + 0.114 * b; return [y, y, y]; });
    await expect(runColorize(grey, { ...colorizeDefaults, hints: [] }, recordingContext())).rejects.toThrow(/colorize model/);
  });

  it('denoise measures the noise: a clean photo is returned untouched, a noisy one is denoised', async () => {
    const img = await kodak('04');
    expect(estimateNoise(img)).toBeLessThan(2.2);
    const ctx = recordingContext();
    expect(await runDenoise(img, { strength: 0.7 }, ctx)).toBe(img);
    expect(ctx.notes[0]).toMatchObject({ stage: 'denoise', skipped: true });
    const grainy = noisy(img, 12);
    expect(estimateNoise(grainy)).toBeGreaterThan(4.5);
    await expect(runDenoise(grainy, { strength: 0.7 }, ctx)).rejects.toThrow(/denoise model/);
  });
});

describe('auto analysis', () => {
  const noModels = { damage: false, faces: false } as const;
  it('proposes nothing for a clean, well-exposed photo (upscale only when it is too small to print)', async () => {
    const img = await kodak('23');
    const a = await analyzePhoto(img, recordingContext(), { ...noModels, upscale: false });
    expect(a.recipe).toEqual({});
    expect(a.reasons.fade).toMatch(/Not faded/);
    expect(a.offerColorize).toBe(false);
    const small = await analyzePhoto(img, recordingContext(), noModels);
    expect(small.recipe.upscale).toBeDefined(); // 500 px: 1.7 in at 300 dpi
    expect(small.reasons.upscale).toMatch(/300 dpi/);
  });

  it('a soft face found only in an enlarged window does not make a clean photo worth touching; on a photo that needs work it is restored', async () => {
    const clean = await analyzePhoto(await kodak('23'), recordingContext(), { ...noModels, upscale: false });
    const withFace = (softSeenWhole: boolean, base = clean) => {
      const a: PhotoAnalysis = { ...base, recipe: {}, reasons: {}, faces: { count: 1, eyeDistances: [20], tooSmall: 0, softSeenWhole } };
      recommend(a, false, { upscale: false });
      return a;
    };
    expect(withFace(false).recipe.face).toBeUndefined();
    expect(withFace(false).reasons.face).toMatch(/small, and the photo needs nothing else: left as is/);
    expect(withFace(true).recipe.face).toBeDefined(); // seen by the whole-photo pass: soft faces are restored
    const grainy = await analyzePhoto(noisy(await kodak('23'), 12), recordingContext(), { ...noModels, upscale: false });
    expect(grainy.recipe.denoise).toBeDefined();
    expect(withFace(false, grainy).recipe.face).toBeDefined();
  });

  it('picks fade for a forge-faded photo and denoise for a grainy one, with reasons', async () => {
    const clean = await kodak('05');
    const faded = await analyzePhoto(forgeFade(clean), recordingContext(), noModels);
    expect(faded.recipe.fade).toBeDefined();
    expect(faded.reasons.fade).toMatch(/Faded: contrast at \d+ % of normal/);
    expect(faded.recipe.denoise).toBeUndefined();
    const grainy = await analyzePhoto(noisy(clean, 12), recordingContext(), noModels);
    expect(grainy.recipe.denoise).toBeDefined();
    expect(grainy.reasons.denoise).toMatch(/Grainy/);
    expect(describeAnalysis(grainy).some((l) => l.startsWith('+ denoise'))).toBe(true);
  });

  it('offers colorize for a black-and-white photo and never switches it on', async () => {
    const img = await load('../shared/data/real-old/bw-historical/einstein-portrait.jpg');
    const a = await analyzePhoto(img, recordingContext(), noModels);
    expect(a.offerColorize).toBe(true);
    expect(a.reasons.colorize).toMatch(/colorize\?/);
    expect(a.recipe.colorize).toBeUndefined();
  });

  it('turns repair on only when the detector found damage, and counts its marks', async () => {
    const img = await kodak('23');
    const mask = { width: 100, height: 50, data: new Uint8Array(5000) };
    for (let x = 10; x < 90; x++) mask.data[20 * 100 + x] = 255; // a scratch
    for (const [x, y] of [[5, 5], [50, 40], [95, 45]]) for (let d = 0; d < 4; d++) mask.data[(y! + (d >> 1)) * 100 + x! + (d & 1)] = 255; // specks
    mask.data[0 * 100 + 99] = 255; // one stray pixel: not a mark
    expect(measureDamage(mask)).toEqual({ marks: 4, coverage: 93 / 5000 });
    const fakeDetector = (m: typeof mask): StageContext => ({
      progress: () => undefined,
      // the detector's probability plane: the test mask, at whatever size it is asked for
      loadModel: async (manifest) => {
        if (manifest.task !== 'repair-detect' && manifest.task !== 'repair-tears') throw new Error('only the damage detectors');
        const tears = manifest.task === 'repair-tears'; // finds no tear: these marks are scratches and specks
        return {
          tileSize: 4096, overlap: 0, scale: 1, inputRange: [0, 1], outputRange: [0, 1],
          run: async (t: { width: number; height: number }) => ({ width: t.width, height: t.height, channels: 1, data: Float32Array.from({ length: t.width * t.height }, (_, i) => tears ? 0 : m.data[Math.floor(((i / t.width) | 0) * m.height / t.height) * m.width + Math.floor((i % t.width) * m.width / t.width)]! / 255) }),
        } as never;
      },
    });
    // an old print (faded) with those marks gets repair; the crisp colour original does not (the
    // shipped detector's marks on such photos are mostly picture detail), and says why
    const damaged = await analyzePhoto(forgeFade(img), fakeDetector(mask), { faces: false, upscale: false });
    expect(damaged.recipe.fade).toBeDefined();
    expect(damaged.recipe.repair).toEqual({ detect: true });
    expect(damaged.reasons.repair).toMatch(/^\d+ scratches or specks, [\d.]+ % of the photo$/);
    const crisp = await analyzePhoto(img, fakeDetector(mask), { faces: false, upscale: false });
    expect(crisp.recipe).toEqual({});
    expect(crisp.reasons.repair).toMatch(/^\d+ scratches or specks, [\d.]+ % of the photo, but no other sign of age .*turn Repair on by hand$/);
    const grainy = await analyzePhoto(noisy(img, 12), fakeDetector(mask), { faces: false, upscale: false });
    expect(grainy.recipe.repair).toEqual({ detect: true });
    const everywhere = await analyzePhoto(img, fakeDetector({ ...mask, data: new Uint8Array(5000).map((_, i) => (i % 100 < 30 ? 255 : 0)) }), { faces: false, upscale: false });
    expect(everywhere.recipe.repair).toBeUndefined(); // 30 % marked: not filled automatically
    expect(everywhere.reasons.repair).toMatch(/too much to fill automatically/);
    // one 2x2 speck (0.08 % of the photo, 0.2 % once grown): the detector's stray marks on clean photos look like this
    const speck = new Uint8Array(5000);
    for (let d = 0; d < 4; d++) speck[(24 + (d >> 1)) * 100 + 50 + (d & 1)] = 255;
    const faint = await analyzePhoto(img, fakeDetector({ ...mask, data: speck }), { faces: false, upscale: false });
    expect(faint.damage!.marks).toBe(1);
    expect(faint.recipe.repair).toBeUndefined();
    expect(faint.reasons.repair).toMatch(/1 small mark .*too little to repair automatically/);
    const none = await analyzePhoto(img, fakeDetector({ ...mask, data: new Uint8Array(5000) }), { faces: false, upscale: false });
    expect(none.recipe.repair).toBeUndefined();
    expect(none.reasons.repair).toBe('No damage found');
  });
});

describe('auto on every surface', () => {
  it("the embed accepts recipe 'auto'", () => {
    expect(validateRecipe('auto')).toBe('auto');
    expect(() => validateRecipe('magic')).toThrow();
  });
  it('a batch item says which stages auto chose and that colorize skipped it', () => {
    const said = summarizeRun({
      blob: new Blob([]), width: 1, height: 1,
      recipe: { fade: { strength: 0.8, keepTone: false } },
      analysis: { reasons: { fade: 'Faded: contrast at 45 % of normal' } },
      notes: [{ stage: 'colorize', skipped: true, message: 'skipped: the photo already has colour' }],
    });
    expect(said).toBe('Auto: fade (Faded: contrast at 45 % of normal). Colorize skipped: the photo already has colour');
    expect(summarizeRun({ blob: new Blob([]), width: 1, height: 1 })).toBeUndefined();
  });
  it('a batch item says which stages auto left off and why, and which stages left the photo alone', () => {
    const said = summarizeRun({
      blob: new Blob([]), width: 1, height: 1,
      recipe: {},
      analysis: { reasons: { repair: 'No damage found', denoise: 'Not noisy (noise level 1.0)', fade: 'Not faded', upscale: 'prints 4.0x3.0 in at 300 dpi: no need to enlarge' } },
      notes: [],
    });
    expect(said).toBe('Auto: nothing needed. Left off: repair (No damage found); denoise (Not noisy (noise level 1.0)); fade (Not faded); upscale (prints 4.0x3.0 in at 300 dpi: no need to enlarge)');
    const fixed = summarizeRun({ blob: new Blob([]), width: 1, height: 1, notes: [{ stage: 'fade', skipped: true, message: 'not faded and no colour cast: left as it is' }] });
    expect(fixed).toBe('fade: not faded and no colour cast: left as it is');
  });
});
