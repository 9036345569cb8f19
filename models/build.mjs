#!/usr/bin/env node
/**
 * Convert the default upscale models and write their manifests.
 *
 *   node models/build.mjs          convert into public/models/upscale/ + src/stages/upscale/models.json
 *   node models/build.mjs --check  re-convert in memory; exit 1 if any committed file or hash differs
 *
 * Conversion is deterministic, so --check proves the committed ONNX files are reproducible
 * from the npm packages.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTfjsModel, convert, docStringFor, sourcePackage, analyze } from './convert-tfjs/convert.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(root, 'public/models/upscale');
const MANIFEST = join(root, 'src/stages/upscale/models.json');

/** Shipped by default: slim + medium, x2 + x4 (thick converts fine but is 29 MB fp32 and ~10x slower). */
const DEFAULT_SET = [
  { variant: 'slim', scale: 2 },
  { variant: 'slim', scale: 4 },
  { variant: 'medium', scale: 2 },
  { variant: 'medium', scale: 4 },
];

/** UpscalerJS model definitions: RDN (slim/medium) works in 0..255, RRDN (thick) in 0..1. */
const RANGE = { slim: [0, 255], medium: [0, 255], thick: [0, 1] };
const ARCH = {
  slim: 'RDN C1 D2 G4 G0=64',
  medium: 'RDN C1 D10 G64 G0=64',
  thick: 'RRDN C4 D3 G32 G0=64 (10 RRDBs)',
};
const cap = (/** @type {string} */ s) => s[0].toUpperCase() + s.slice(1);

/** @returns {{ bytes: Uint8Array, manifest: object }[]} */
function buildAll() {
  const out = [];
  for (const { variant, scale } of DEFAULT_SET) {
    const path = join(root, `node_modules/@upscalerjs/esrgan-${variant}/models/x${scale}/model.json`);
    const pkg = sourcePackage(path);
    if (!pkg) throw new Error(`no package.json above ${path}`);
    const model = loadTfjsModel(path);
    const { radius } = analyze(model);
    for (const precision of /** @type {const} */ (['fp32', 'fp16'])) {
      const base = `esrgan-${variant}-x${scale}`;
      const id = precision === 'fp16' ? `${base}-fp16` : base;
      const file = `${base}${precision === 'fp16' ? '.fp16' : ''}.onnx`;
      const bytes = convert(model, { fp16: precision === 'fp16', docString: docStringFor(path) });
      const range = /** @type {[number, number]} */ (RANGE[variant]);
      out.push({
        bytes,
        manifest: {
          // Ids are unique; the app prefers the "-fp16" one (see src/stages/upscale/meta.ts).
          id,
          label: `ESRGAN ${cap(variant)} ×${scale}${precision === 'fp16' ? ' (fp16)' : ''}`,
          task: 'upscale',
          file,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          size: bytes.length,
          input: { name: 'input', layout: 'NCHW', channels: 3, range },
          // Nominal range: the graph does not clip, callers clamp to it (as UpscalerJS does).
          output: { name: 'output', layout: 'NCHW', channels: 3, range },
          scale,
          // Receptive-field radius is ~10 (slim) / ~18 (medium) input px, but the effective
          // field is much smaller: 16 px overlap keeps tile seams invisible (see the model card).
          tile: { size: 128, overlap: 16 },
          precision,
          source: {
            package: pkg.name,
            version: pkg.version,
            url: `https://www.npmjs.com/package/${pkg.name}`,
            description:
              `UpscalerJS ESRGAN ${cap(variant)} x${scale} (${ARCH[variant]}, theoretical receptive-field radius ` +
              `${Math.ceil(radius)} input px), converted from TF.js by models/convert-tfjs` +
              `${precision === 'fp16' ? ', weights stored as float16 and cast to float32 in-graph' : ''}. ` +
              `Input and output in ${range[0]}..${range[1]}; output is not clipped.`,
          },
          license: pkg.license,
          card: 'models/cards/esrgan.md',
        },
      });
    }
  }
  return out;
}

function check() {
  if (!existsSync(MANIFEST)) return ['missing src/stages/upscale/models.json'];
  const committed = new Map(JSON.parse(readFileSync(MANIFEST, 'utf8')).map((/** @type {any} */ m) => [m.file, m]));
  const errors = [];
  for (const { manifest: m } of buildAll()) {
    const c = committed.get(m.file);
    if (!c) { errors.push(`${m.file}: not in models.json`); continue; }
    if (c.sha256 !== m.sha256) errors.push(`${m.file}: re-conversion gives ${m.sha256}, models.json says ${c.sha256}`);
    const p = join(OUT_DIR, m.file);
    if (!existsSync(p)) { errors.push(`${m.file}: missing in public/models/upscale`); continue; }
    const onDisk = createHash('sha256').update(readFileSync(p)).digest('hex');
    if (onDisk !== c.sha256) errors.push(`${m.file}: file hash ${onDisk} differs from models.json ${c.sha256}`);
    committed.delete(m.file);
  }
  for (const f of committed.keys()) errors.push(`${f}: in models.json but not produced by the build`);
  return errors;
}

if (process.argv.includes('--check')) {
  const errors = check();
  for (const e of errors) console.error(`✗ ${e}`);
  if (errors.length) process.exit(1);
  console.log('✓ committed upscale models are reproducible and match models.json');
} else {
  mkdirSync(OUT_DIR, { recursive: true });
  mkdirSync(dirname(MANIFEST), { recursive: true });
  const built = buildAll();
  for (const { bytes, manifest } of built) {
    writeFileSync(join(OUT_DIR, manifest.file), bytes);
    console.log(`${manifest.file}  ${(manifest.size / 1e6).toFixed(2)} MB  ${manifest.sha256.slice(0, 12)}`);
  }
  writeFileSync(MANIFEST, `${JSON.stringify(built.map((b) => b.manifest), null, 2)}\n`);
  console.log(`wrote ${built.length} manifests to ${MANIFEST.slice(root.length + 1)}`);
}
