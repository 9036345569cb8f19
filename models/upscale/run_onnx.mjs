#!/usr/bin/env node
/**
 * Run one upscaling ONNX file on every PNG of a folder (whole images, onnxruntime-node, 2 threads)
 * and write the results as PNGs: the model side of models/upscale/evaluate.py, so every model,
 * ours and the converted ESRGANs, is scored through the same runtime the CLI uses.
 *
 *   node models/upscale/run_onnx.mjs <model.onnx> <lo,hi input range> <in dir> <out dir>
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';

const [modelPath, range, inDir, outDir] = process.argv.slice(2);
const [lo, hi] = range.split(',').map(Number);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
mkdirSync(outDir, { recursive: true });
let seconds = 0, pixels = 0;
for (const f of readdirSync(inDir).filter((n) => n.endsWith('.png')).sort()) {
  const png = PNG.sync.read(readFileSync(join(inDir, f)));
  const { width: w, height: h } = png;
  const x = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) x[c * w * h + i] = lo + (png.data[i * 4 + c] / 255) * (hi - lo);
  const t = performance.now();
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, h, w]) });
  seconds += (performance.now() - t) / 1000;
  pixels += w * h;
  const y = res[session.outputNames[0]];
  const [, , H, W] = y.dims;
  const out = new PNG({ width: W, height: H });
  const d = /** @type {Float32Array} */ (y.data);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) out.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(((d[c * W * H + i] - lo) / (hi - lo)) * 255)));
    out.data[i * 4 + 3] = 255;
  }
  writeFileSync(join(outDir, f), PNG.sync.write(out));
}
console.log(JSON.stringify({ model: modelPath, secondsPerMegapixel: seconds / (pixels / 1e6) }));
