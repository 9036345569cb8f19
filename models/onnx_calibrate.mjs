#!/usr/bin/env node
/**
 * The runtime side of models/quantize_int8.py's calibration: run an ONNX file (whose chosen
 * intermediate tensors were added as graph outputs) with onnxruntime-node on every calibration
 * sample and record, per output tensor, each sample's min and max plus a strided subsample of its
 * values (for percentile ranges), so Python never needs onnxruntime.
 *
 *   node models/onnx_calibrate.mjs <model.onnx> <dir>
 *
 * <dir>/meta.json: {"samples": [{"<input name>": {"file": "x0.f32", "shape": [1,3,H,W]}, ...}, ...],
 *                   "keep": values kept per sample and tensor (0: all of them),
 *                   "optimized": where to write the graph as onnxruntime optimizes it (optional;
 *                   the run then uses every optimization, else none)}
 * writes <dir>/stats.json: {"<tensor>": {"min": [per sample], "max": [per sample], "dims": [per sample],
 * "file": "t3.f32"}} and <dir>/t<i>.f32: the kept values of tensor i, all samples one after the other.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelPath, dir] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
const keep = meta.keep ?? 4096;
// the graph as given (optimizations could fold away the very tensors being measured), unless the
// caller wants to see what onnxruntime makes of it (quantize_int8.py's fusion check)
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2,
  ...(meta.optimized ? { graphOptimizationLevel: 'all', optimizedModelFilePath: meta.optimized, logSeverityLevel: 3 } : { graphOptimizationLevel: 'disabled' }) });
const stats = {};
const kept = {};
for (const sample of meta.samples) {
  const feeds = {};
  for (const [name, { file, shape }] of Object.entries(sample)) {
    const buf = readFileSync(join(dir, file));
    feeds[name] = new ort.Tensor('float32', new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), shape);
  }
  const res = await session.run(feeds);
  for (const name of session.outputNames) {
    const d = /** @type {Float32Array} */ (res[name].data);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const s = (stats[name] ??= { min: [], max: [], dims: [] });
    s.min.push(lo);
    s.max.push(hi);
    s.dims.push(res[name].dims);
    // a strided subsample with an odd stride, so it does not lock onto one channel or column
    const stride = keep ? Math.max(1, Math.floor(d.length / keep)) | 1 : 1;
    const sub = new Float32Array(Math.ceil(d.length / stride));
    for (let i = 0, j = 0; i < d.length; i += stride, j++) sub[j] = d[i];
    (kept[name] ??= []).push(sub);
  }
}
session.outputNames.forEach((name, i) => {
  const parts = kept[name];
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  writeFileSync(join(dir, `t${i}.f32`), Buffer.from(all.buffer));
  stats[name].file = `t${i}.f32`;
});
writeFileSync(join(dir, 'stats.json'), JSON.stringify(stats));
