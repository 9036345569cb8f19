#!/usr/bin/env node
// Do no harm: runs a recipe through the CLI (the app's own stage code on onnxruntime-node) over
// damage-free photo sets and reports the share of pixels it changes (any of R, G, B moved by more
// than 12/255), per set (mean) and for the worst photo. The targets: mean <= 0.3 % per
// set, <= 1.5 % on any photo.
//
//   node models/eval/do-no-harm.mjs [--recipe repair] [--limit N] [--sets kodak24,mcmaster]
//   -> a markdown table on stdout and models/eval/logs/do-no-harm-<recipe>.json
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = process.env.HEIRLOOM_DATA ?? resolve(ROOT, '../shared/data');
const { values: opt } = parseArgs({
  options: { recipe: { type: 'string', default: 'repair' }, limit: { type: 'string', default: '0' }, sets: { type: 'string' } },
});

/** The UTKFace hold-out: the same seeded hash of the file name as models/repair/common.py. */
const utkHeldOut = (f) => BigInt('0x' + createHash('sha256').update('heirloom-holdout:' + f).digest('hex')) % 100n < 5n;
const folder = (rel, keep = () => true) => () =>
  readdirSync(join(DATA, rel)).filter((f) => /\.(png|jpe?g|tiff?)$/i.test(f) && keep(f)).sort().map((f) => join(DATA, rel, f));
const SETS = {
  kodak24: folder('eval/kodak24'),
  mcmaster: folder('eval/mcmaster'),
  'ffhq-10': folder('eval/ffhq-10'),
  'bsds500-test': folder('photos/bsds500/test'),
  'utkface-holdout': folder('faces/utkface', utkHeldOut),
  'real-old/bw-historical': folder('real-old/bw-historical'),
  'real-old/family': folder('real-old/family'),
};

async function rgb(path) {
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const wanted = opt.sets ? opt.sets.split(',') : Object.keys(SETS);
const limit = Number(opt.limit);
const results = {};
for (const name of wanted) {
  const files = SETS[name]().slice(0, limit || undefined);
  const tmp = mkdtempSync(join(tmpdir(), 'heirloom-harm-'));
  const inDir = join(tmp, 'in'), outDir = join(tmp, 'out');
  mkdirSync(inDir);
  for (const f of files) copyFileSync(f, join(inDir, basename(f)));
  execFileSync(process.execPath, [join(ROOT, 'bin/heirloom.mjs'), 'restore', inDir, outDir, '--recipe', opt.recipe, '--keep-names', '--format', 'png'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const shares = [];
  for (const f of files) {
    const a = await rgb(f);
    const b = await rgb(join(outDir, basename(f).replace(/\.[^.]*$/, '.png')));
    if (a.width !== b.width || a.height !== b.height) throw new Error(`${basename(f)}: size changed`);
    let n = 0;
    for (let i = 0; i < a.data.length; i += 3)
      if (Math.abs(a.data[i] - b.data[i]) > 12 || Math.abs(a.data[i + 1] - b.data[i + 1]) > 12 || Math.abs(a.data[i + 2] - b.data[i + 2]) > 12) n++;
    shares.push({ file: basename(f), changed: n / (a.width * a.height) });
  }
  rmSync(tmp, { recursive: true, force: true });
  const worst = shares.reduce((w, s) => (s.changed > w.changed ? s : w));
  results[name] = { n: files.length, mean: shares.reduce((s, x) => s + x.changed, 0) / shares.length, worst, photos: shares };
  console.error(`${name}: mean ${(100 * results[name].mean).toFixed(3)} %, worst ${(100 * worst.changed).toFixed(3)} % (${worst.file})`);
}

console.log(`Share of pixels changed by more than 12/255 with --recipe ${opt.recipe}:\n`);
console.log('| set | photos | mean | worst photo |\n|---|---|---|---|');
for (const [k, r] of Object.entries(results))
  console.log(`| ${k} | ${r.n} | ${(100 * r.mean).toFixed(3)} % | ${(100 * r.worst.changed).toFixed(3)} % (${r.worst.file}) |`);
mkdirSync(join(ROOT, 'models/eval/logs'), { recursive: true });
writeFileSync(join(ROOT, `models/eval/logs/do-no-harm-${opt.recipe.replace(/[^a-z0-9]+/gi, '_')}.json`), JSON.stringify(results, null, 1) + '\n');
