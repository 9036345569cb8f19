/**
 * Auto-restore evaluation: do no harm on clean photos, help on forge-damaged ones.
 *
 *   npm run eval:auto            (builds this with models/eval/vite.auto.config.ts, then runs it)
 *
 * 1. Clean colour photos (eval/kodak24, eval/mcmaster, eval/ffhq-10): PSNR of the result against
 *    the input for `auto` (upscaling left out: it changes the size), with and without the repair
 *    stage (the shipped detector has false alarms; a new one is coming), for `fade` alone at its
 *    defaults and for `denoise` alone; how many photos colorize skipped.
 * 2. Forge-damaged held-out photos (models/eval/forge_auto_fixtures.py, fixed seeds; fading, cast,
 *    grain, scratches, mixed): PSNR against the clean original before and after auto, per type.
 * 3. (AUTO_EVAL_PARTS=gate) Why auto's repair waits for a sign of age: per photo, the share of
 *    the 384 px analysis copy the detector marks at probability 0.7 (shipped) and 0.95, whether the
 *    photo shows another sign of age, and the PSNR of the repair stage alone (clean photos against
 *    themselves, forge-scratched ones against their clean originals).
 * Identical images have infinite PSNR: each photo's PSNR is capped at CAP dB before averaging
 * (the count of photos left bit-identical is printed too).
 */
import { readdirSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ortNode from 'onnxruntime-node';
import type { RgbaImage } from '../../src/core/image/types';
import type { StageContext } from '../../src/core/pipeline/stage';
import { restoreWith, analyzePhoto, showsAge, ANALYSIS_SIDE, DAMAGE_SIDE, type AnalyzeOptions } from '../../src/stages/auto';
import { shrinkImage } from '../../src/core/analysis/shrink';
import { measureDamage, type DamageMeasure } from '../../src/core/analysis/damage';
import { dilateMask, thresholdPlane } from '../../src/core/image/mask';
import { runTiledToPlane } from '../../src/core/tiling/run-tiled';
import { rgbaToPlanar } from '../../src/core/tensor/layout';
import { repairMeta, repairModel } from '../../src/stages/repair/meta';
import { runRecipe } from '../../src/stages/index';
import { fadeDefaults } from '../../src/stages/fade/meta';
import { denoiseDefaults } from '../../src/stages/denoise/meta';
import { colorizeDefaults } from '../../src/stages/colorize/meta';
import { decodeFile } from '../../cli/codec';
import { nodeModelLoader, type NodeOrt } from '../../cli/models';

// Run from the repository root (npm run eval:auto does); the bundle lives in dist-eval/.
const root = process.cwd();
const data = join(root, '..', 'shared', 'data');
const modelsDir = join(root, 'public', 'models');
const CAP = 60;
const only = (process.env.AUTO_EVAL_PARTS ?? 'clean,forged').split(',');
const forgedDir = join(root, '.bench', 'auto-eval', 'forged');

const ctx: StageContext = { progress: () => undefined, loadModel: nodeModelLoader(ortNode as unknown as NodeOrt, modelsDir, 2) };

function psnr(a: RgbaImage, b: RgbaImage): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if ((i & 3) !== 3) { se += (a.data[i]! - b.data[i]!) ** 2; n++; }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / n));
}
const capped = (p: number) => Math.min(CAP, p);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const load = async (p: string) => decodeFile(await readFile(p));
const photos = (dir: string) => readdirSync(dir).filter((f) => /\.(png|tif|jpe?g)$/i.test(f)).sort();
const row = (cells: (string | number)[], w: number[]) => '| ' + cells.map((c, i) => String(c).padEnd(w[i] ?? 8)).join(' | ') + ' |';

async function clean() {
  const W = [10, 26, 9, 8, 10, 9];
  console.log('\n### Clean colour photos: PSNR of the result against the input (dB; identical capped at 60)\n');
  console.log(row(['set', 'recipe', 'mean', 'min', 'identical', 'colorize skipped'], W));
  console.log(row(['---', '---', '---', '---', '---', '---'], W));
  for (const set of ['kodak24', 'mcmaster', 'ffhq-10']) {
    const dir = join(data, 'eval', set);
    const runs: Record<string, number[]> = { 'auto (with repair)': [], 'auto (without repair)': [], 'fade alone (defaults)': [], 'denoise alone (defaults)': [], 'colorize alone': [] };
    let skipped = 0, analysisMs = 0;
    const recipes: Record<string, number> = {};
    for (const f of photos(dir)) {
      const img = await load(join(dir, f));
      for (const [label, opts] of [['auto (with repair)', {}], ['auto (without repair)', { damage: false }]] as [string, AnalyzeOptions][]) {
        const out = await restoreWith(img, 'auto', ctx, { ...opts, upscale: false });
        runs[label]!.push(psnr(img, out.image));
        if (label === 'auto (with repair)') {
          analysisMs += out.analysis!.ms;
          const k = Object.keys(out.recipe).join('+') || 'nothing';
          recipes[k] = (recipes[k] ?? 0) + 1;
        }
      }
      runs['fade alone (defaults)']!.push(psnr(img, await runRecipe(img, { fade: { ...fadeDefaults } }, ctx)));
      runs['denoise alone (defaults)']!.push(psnr(img, await runRecipe(img, { denoise: { ...denoiseDefaults } }, ctx)));
      const c = await restoreWith(img, { colorize: { ...colorizeDefaults, hints: [] } }, ctx);
      if (c.notes.some((n) => n.stage === 'colorize' && n.skipped)) skipped++;
      runs['colorize alone']!.push(psnr(img, c.image));
    }
    for (const [label, v] of Object.entries(runs)) {
      console.log(row([set, label, mean(v.map(capped)).toFixed(2), Math.min(...v.map(capped)).toFixed(2), `${v.filter((p) => p === Infinity).length}/${v.length}`, label === 'colorize alone' ? `${skipped}/${v.length}` : ''], W));
    }
    console.error(`${set}: auto recipes ${JSON.stringify(recipes)}; analysis ${(analysisMs / photos(dir).length).toFixed(0)} ms/photo on average`);
  }
}

async function forged() {
  const dir = forgedFixtures();
  const W = [10, 9, 9, 7, 22, 7, 28];
  console.log('\n### Forge-damaged held-out photos (bsds500/test, 8 photos, fixed seeds): PSNR against the clean original (dB)\n');
  console.log(row(['damage', 'damaged', 'auto', 'gain', 'auto without repair', 'gain', 'stages auto chose (photos)'], W));
  console.log(row(['---', '---', '---', '---', '---', '---', '---'], W));
  for (const kind of ['fading', 'cast', 'grain', 'scratches', 'mixed']) {
    const before: number[] = [], after: number[] = [], noRepair: number[] = [];
    const chosen: Record<string, number> = {};
    for (const f of photos(join(dir, kind))) {
      const cleanImg = await load(join(dir, 'clean', f));
      const damaged = await load(join(dir, kind, f));
      const out = await restoreWith(damaged, 'auto', ctx, { upscale: false });
      before.push(psnr(cleanImg, damaged));
      after.push(psnr(cleanImg, out.image));
      noRepair.push(psnr(cleanImg, (await restoreWith(damaged, 'auto', ctx, { upscale: false, damage: false })).image));
      for (const k of Object.keys(out.recipe)) chosen[k] = (chosen[k] ?? 0) + 1;
    }
    const b = mean(before), a = mean(after), n = mean(noRepair);
    const gain = (x: number) => `${x >= b ? '+' : ''}${(x - b).toFixed(2)}`;
    console.log(row([kind, b.toFixed(2), a.toFixed(2), gain(a), n.toFixed(2), gain(n), Object.entries(chosen).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'], W));
  }
}

function forgedFixtures(): string {
  if (!existsSync(join(forgedDir, 'mixed'))) execFileSync('/usr/bin/python3', [join(root, 'models', 'eval', 'forge_auto_fixtures.py'), forgedDir, '8'], { stdio: 'inherit' });
  return forgedDir;
}

/** The detector's marks on the analysis copy at a given probability (grown 2 px, as the stage grows them). */
async function marked(img: RgbaImage, thresholds: number[]): Promise<DamageMeasure[]> {
  const small = shrinkImage(shrinkImage(img, ANALYSIS_SIDE), DAMAGE_SIDE);
  const manifest = repairModel('repair-detect');
  const plane = await runTiledToPlane(small.width, small.height, (t) => rgbaToPlanar(small, t, manifest.input.range), await ctx.loadModel(manifest), {});
  return thresholds.map((th) => measureDamage(dilateMask(thresholdPlane(plane, small.width, small.height, th), repairMeta.dilate)));
}

async function gate() {
  const W = [10, 12, 14, 15, 6, 12];
  console.log('\n### Per photo: detector marks on the 384 px copy, sign of age, repair stage alone\n');
  console.log(row(['set', 'photo', 'marked at 0.7', 'marked at 0.95', 'aged', 'repair PSNR'], W));
  console.log(row(['---', '---', '---', '---', '---', '---'], W));
  const cases: [string, string, string][] = [];
  for (const set of ['kodak24', 'mcmaster', 'ffhq-10']) for (const f of photos(join(data, 'eval', set))) cases.push([set, join(data, 'eval', set, f), join(data, 'eval', set, f)]);
  const fd = forgedFixtures();
  for (const f of photos(join(fd, 'scratches'))) cases.push(['scratches', join(fd, 'scratches', f), join(fd, 'clean', f)]);
  for (const [set, path, refPath] of cases) {
    const img = await load(path);
    const [at07, at095] = await marked(img, [0.7, 0.95]);
    const a = await analyzePhoto(img, ctx, { damage: false, faces: false, upscale: false });
    const aged = showsAge(a, !!a.recipe.fade); // the rule auto applies (fade is in the recipe iff it acts)
    const repaired = await runRecipe(img, { repair: { detect: true } }, ctx);
    const cell = (d: DamageMeasure) => `${(d.coverage * 100).toFixed(2)} %`;
    console.log(row([set, path.split('/').pop()!, cell(at07!), cell(at095!), aged ? 'yes' : 'no', capped(psnr(await load(refPath), repaired)).toFixed(2)], W));
  }
}

async function main() {
  const t0 = performance.now();
  if (only.includes('clean')) await clean();
  if (only.includes('forged')) await forged();
  if (only.includes('gate')) await gate();
  console.error(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  // analysis alone, on one 1 MP photo, for the record: whole, and without each model-based measure
  const ff = await load(join(data, 'eval', 'ffhq-10', '00000.png'));
  await analyzePhoto(ff, ctx);
  for (const [label, opts] of [['whole', {}], ['without damage', { damage: false }], ['without faces', { faces: false }], ['measures only', { damage: false, faces: false }]] as [string, AnalyzeOptions][]) {
    const t1 = performance.now();
    const a = await analyzePhoto(ff, ctx, opts);
    console.error(`analysis of a 1024x1024 photo (models loaded), ${label}: ${(performance.now() - t1).toFixed(0)} ms (reported ${a.ms.toFixed(0)} ms)`);
  }
}

await main();
