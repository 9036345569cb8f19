// Identity similarity for the face model's card: cosine of face-api.js recognition descriptors
// (the converted FaceRecognitionNet) of each variant face vs the clean face.
//   node models/faces/identity.mjs DIR
// DIR holds meta.json {"n": N, "size": S, "variants": ["input", ...]}, clean.f32 and one
// VARIANT.f32 per variant: float32 little-endian NCHW [N, 3, S, S], RGB in [0, 1].
// Prints {"variants": {name: {"mean": m, "per_image": [...]}}, "distance": {...}} as JSON.
//
// The recognition crop comes from the clean face's landmarks (68-point net, whole face as the
// box) and is reused for every variant, so only the pixels differ, never the framing. The
// preprocessing is the app's own (src/core/faces), loaded through Vite's module runner.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { runnerImport } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LANDMARKS = path.join(ROOT, 'public/models/face/face-landmarks68.onnx');
const RECOGNITION = path.join(ROOT, 'models/faces/build/face-recognition.onnx');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node models/faces/identity.mjs DIR');
  process.exit(2);
}
if (!fs.existsSync(RECOGNITION)) {
  console.error(`${path.relative(ROOT, RECOGNITION)} is missing: run node models/faces/convert-faceapi.mjs`);
  process.exit(2);
}

const { module: faces } = await runnerImport(path.join(ROOT, 'src/core/faces/index.ts'), { configFile: false, root: ROOT, logLevel: 'error' });
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
const { n, size } = meta;

function readBatch(name) {
  const buf = fs.readFileSync(path.join(dir, `${name}.f32`));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (data.length !== n * 3 * size * size) throw new Error(`${name}.f32 holds ${data.length} floats, expected ${n * 3 * size * size}`);
  return data;
}

/** Face i of a planar [0,1] batch as an interleaved RGB 0..255 image (the nets' input scale). */
function faceImage(batch, i) {
  const plane = size * size;
  const data = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) data[3 * p + c] = batch[(i * 3 + c) * plane + p] * 255;
  return { width: size, height: size, data, channels: 3 };
}

const landmarkNet = await ort.InferenceSession.create(LANDMARKS);
const recognitionNet = await ort.InferenceSession.create(RECOGNITION);
const run = async (session, input) => (await session.run({ input: new ort.Tensor('float32', input.data, input.dims) }))[session.outputNames[0]].data;

const clean = readBatch('clean');
const boxes = [];
for (let i = 0; i < n; i++) {
  const img = faceImage(clean, i);
  const input = faces.faceCropInput(img, { x: 0, y: 0, width: size, height: size }, faces.LANDMARK68_INPUT_SIZE);
  boxes.push(faces.alignedFaceBox(faces.landmarksToImage(await run(landmarkNet, input), input.crop)));
}

async function descriptors(batch) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(Float32Array.from(await run(recognitionNet, faces.faceCropInput(faceImage(batch, i), boxes[i], faces.RECOGNITION_INPUT_SIZE))));
  return out;
}
const cosine = (a, b) => {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) { ab += a[k] * b[k]; aa += a[k] * a[k]; bb += b[k] * b[k]; }
  return ab / Math.sqrt(aa * bb);
};
const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;

const ref = await descriptors(clean);
const result = { variants: {}, distance: {} };
for (const name of meta.variants) {
  const d = await descriptors(readBatch(name));
  const cos = d.map((v, i) => cosine(v, ref[i]));
  result.variants[name] = { mean: mean(cos), per_image: cos };
  result.distance[name] = mean(d.map((v, i) => faces.descriptorDistance(v, ref[i])));
}
console.log(JSON.stringify(result));
