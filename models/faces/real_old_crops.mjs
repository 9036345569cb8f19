// Face crops from real old photos for the face model's contact sheets (models/faces/contact_sheets.py).
//   node models/faces/real_old_crops.mjs OUTDIR [PHOTO ...]     (default: ../shared/data/real-old/*/*)
// Finds the faces with the app's own finder (src/stages/face/run.ts findFaces, onnxruntime-node) and
// aligns each to the built-in model's UTKFace template at 128x128 as the app does (warpToCrop), with no
// eye-distance cut, so small faces are seen too. Writes crops.f32 (float32 NCHW [N,3,128,128], RGB
// [0,1]) and crops.json [{photo, eyes (px apart in the photo), scale (crop px per photo px)}].
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { runnerImport } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIZE = 128;
const load = async (p) => (await runnerImport(path.join(ROOT, p), { configFile: false, root: ROOT, logLevel: 'error' })).module;
const { findFaces } = await load('src/stages/face/run.ts');
const { fitSimilarity, warpToCrop, similarityScale } = await load('src/core/faces/align.ts');
const { UTK_TEMPLATE } = await load('src/stages/face/conventions.ts');
const { modelFolder } = await load('src/core/models/manifest.ts');
const { createSession, tiledModelFor } = await load('src/core/runtime/session.ts');

const [out, ...args] = process.argv.slice(2);
if (!out) {
  console.error('usage: node models/faces/real_old_crops.mjs OUTDIR [PHOTO ...]');
  process.exit(2);
}
const realOld = path.join(ROOT, '..', 'shared', 'data', 'real-old');
const photos = args.length ? args : fs.readdirSync(realOld).sort().flatMap((d) => fs.readdirSync(path.join(realOld, d)).sort().map((f) => path.join(realOld, d, f)));
const ctx = {
  progress: () => undefined,
  loadModel: async (m) => tiledModelFor(ort, await createSession(ort, fs.readFileSync(path.join(ROOT, 'public/models', modelFolder(m.task), m.file)), 'cpu'), m, 'cpu'),
};
const template = UTK_TEMPLATE.map(([x, y]) => [x * SIZE, y * SIZE]);
const crops = [], meta = [];
for (const p of photos) {
  const { data, info } = await sharp(p).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const image = { width: info.width, height: info.height, data: new Uint8ClampedArray(data) };
  for (const face of await findFaces(image, ctx)) {
    const toCrop = fitSimilarity(face.five, template);
    crops.push(warpToCrop(image, toCrop, SIZE).data);
    const [l, r] = face.five;
    meta.push({ photo: path.relative(realOld, p), eyes: Math.hypot(r[0] - l[0], r[1] - l[1]), scale: similarityScale(toCrop) });
  }
  console.error(`${path.relative(realOld, p)}: ${meta.filter((m) => m.photo === path.relative(realOld, p)).length} faces`);
}
fs.mkdirSync(out, { recursive: true });
const all = new Float32Array(crops.length * 3 * SIZE * SIZE);
crops.forEach((c, i) => all.set(c, i * 3 * SIZE * SIZE));
fs.writeFileSync(path.join(out, 'crops.f32'), Buffer.from(all.buffer));
fs.writeFileSync(path.join(out, 'crops.json'), JSON.stringify(meta, null, 1));
console.log(JSON.stringify({ faces: meta.length }));
