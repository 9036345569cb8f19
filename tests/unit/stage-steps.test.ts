/**
 * The per-stage before/after view: the pipeline reports each stage's output (changed or not, and
 * why not), and the page chains them into pairs where each stage's "before" is the previous
 * stage's "after".
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { RgbaImage } from '../../src/core/image/types';
import type { StageContext, StageDone } from '../../src/core/pipeline/stage';
import { runRecipe } from '../../src/stages';
import { fadeDefaults } from '../../src/stages/fade/meta';
import { colorizeDefaults } from '../../src/stages/colorize/meta';
import { compareChoices } from '../../src/app/compare-steps';
import { shrinkToPixels } from '../../src/core/analysis/shrink';
import type { StageStep } from '../../workers/restore.worker';

const kodak = async (n: string): Promise<RgbaImage> => {
  const { data, info } = await sharp(`../shared/data/eval/kodak24/kodim${n}.png`).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data) };
};

/** Squeezed into 70..220 and washed out: what Fix fading acts on. */
const faded = (img: RgbaImage): RgbaImage => ({ ...img, data: img.data.map((v, i) => ((i & 3) === 3 ? v : 70 + (v * 150) / 255)) });

describe('runRecipe reports every stage it ran', () => {
  it('in order, with its output, whether it changed anything and why not', async () => {
    const photo = faded(await kodak('05'));
    const done: StageDone[] = [];
    const ctx: StageContext = {
      progress: () => undefined,
      loadModel: async (m) => { throw new Error(`test: no ${m.task} model`); },
      stageDone: (d) => void done.push(d),
    };
    // A clean scan: denoise leaves it alone; fade acts; colorize skips a colour photo.
    const out = await runRecipe(photo, { denoise: { strength: 0.7 }, fade: { ...fadeDefaults }, colorize: { ...colorizeDefaults, hints: [] } }, ctx);
    expect(done.map((d) => [d.stage, d.unchanged, d.last])).toEqual([['denoise', true, false], ['fade', false, false], ['colorize', true, true]]);
    expect(done[0]!.output).toBe(photo);
    expect(done[0]!.note).toMatch(/no noise to reduce/);
    expect(done[1]!.output).not.toBe(photo);
    expect(done[1]!.note).toBeUndefined();
    expect(done[2]!.note).toMatch(/already has colour/);
    expect(done[2]!.output).toBe(out);
  });
});

describe('compareChoices', () => {
  const png = (tag: string) => new Blob([tag], { type: 'image/png' });
  it("chains the stages: each stage's before is the previous stage's after; unchanged stages show their input twice", async () => {
    const steps: StageStep[] = [
      { stage: 'repair', unchanged: false, preview: png('repaired') },
      { stage: 'fade', unchanged: true, note: 'not faded and no colour cast: left as it is' },
      { stage: 'denoise', unchanged: false, preview: png('denoised') },
      { stage: 'upscale', unchanged: false },
    ];
    const { choices, revoke } = compareChoices(steps, 'blob:original', 'blob:result');
    expect(choices.map((c) => c.id)).toEqual(['all', 'repair', 'fade', 'denoise', 'upscale']);
    const [all, repair, fade, denoise, upscale] = choices;
    expect([all!.before, all!.after]).toEqual(['blob:original', 'blob:result']);
    expect(repair!.before).toBe('blob:original');
    expect(await (await fetch(repair!.after)).text()).toBe('repaired');
    expect([fade!.before, fade!.after]).toEqual([repair!.after, repair!.after]);
    expect(fade).toMatchObject({ label: 'Fix fading', unchanged: true, note: expect.stringMatching(/not faded/) });
    expect(denoise!.before).toBe(repair!.after);
    expect(await (await fetch(denoise!.after)).text()).toBe('denoised');
    // the last stage's output is the result itself
    expect([upscale!.before, upscale!.after]).toEqual([denoise!.after, 'blob:result']);
    revoke();
    await expect(fetch(repair!.after)).rejects.toThrow();
  });
});

describe('shrinkToPixels (what the step previews are made with)', () => {
  it('keeps the aspect ratio under the pixel budget, and leaves a small image as it is', () => {
    const scan: RgbaImage = { width: 3000, height: 2000, data: new Uint8ClampedArray(3000 * 2000 * 4).fill(200) };
    const small = shrinkToPixels(scan, 1_000_000);
    expect(small.width * small.height).toBeLessThanOrEqual(1_000_000);
    expect(small.width * small.height).toBeGreaterThan(990_000);
    expect(small.width / small.height).toBeCloseTo(1.5, 2);
    expect(small.data[0]).toBe(200);
    expect(shrinkToPixels(small, 1_000_000)).toBe(small);
  });
});
