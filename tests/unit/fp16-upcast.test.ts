/**
 * fp16-weight files are rewritten to float32 graphs once, when loaded: the same numbers as running
 * the fp16 file as it is (its Casts make exactly these float32 weights), no float16 initializer
 * and no Cast left, and float32 files pass through untouched.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { halfToFloat, upcastFp16Weights } from '../../src/core/models/fp16-upcast';
import { halfPrecisionFaceModel, toHalf } from '../support/face-models';

const models = join(__dirname, '..', '..', 'public', 'models');
const DT = onnxProto.onnx.TensorProto.DataType;

async function run(bytes: Uint8Array, dims: number[], scale = 1) {
  const s = await ort.InferenceSession.create(bytes);
  const n = dims.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 255) / 255);
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, dims) });
  const y = out[s.outputNames[0]!]!;
  expect(y.dims.slice(2)).toEqual(dims.slice(2).map((d) => d * scale));
  return y.data as Float32Array;
}

describe('fp16 weights upcast at load', () => {
  // one file written by models/onnx_tools.py (PyTorch export), one by models/convert-tfjs
  for (const [file, dims, scale] of [['repair/denoise.fp16.onnx', [1, 3, 32, 48], 1], ['upscale/esrgan-slim-x2.fp16.onnx', [1, 3, 24, 20], 2]] as const) {
    it(`${file}: float32 graph, same output as the fp16 file`, async () => {
      const fp16 = new Uint8Array(readFileSync(join(models, file)));
      const { bytes, folded } = upcastFp16Weights(fp16);
      const before = onnxProto.onnx.ModelProto.decode(fp16).graph!;
      const after = onnxProto.onnx.ModelProto.decode(bytes).graph!;
      const halves = new Set(before.initializer!.filter((t) => t.dataType === DT.FLOAT16).map((t) => t.name));
      const weightCasts = (g: typeof before) => g.node!.filter((n) => n.opType === 'Cast' && halves.has(n.input![0]!)).length;
      const casts = weightCasts(before);
      expect(casts).toBeGreaterThan(3);
      expect(folded).toBe(casts);
      expect(weightCasts(after)).toBe(0);
      expect(after.initializer!.filter((t) => t.dataType === DT.FLOAT16)).toHaveLength(0);
      expect(after.node!.length).toBe(before.node!.length - casts);
      // the download stays small; the rewritten graph holds float32 weights (about twice the bytes)
      expect(bytes.length).toBeGreaterThan(fp16.length * 1.8);

      const a = await run(fp16, [...dims], scale);
      const b = await run(bytes, [...dims], scale);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      expect(max).toBeLessThan(1e-5);
    });
  }

  it('a file that computes in float16 (float16 input, output, weights, constants, casts) becomes float32 throughout, same output', async () => {
    const fp16 = new Uint8Array(halfPrecisionFaceModel());
    const { bytes, halfPrecision } = upcastFp16Weights(fp16);
    expect(halfPrecision).toBe(true);
    const g = onnxProto.onnx.ModelProto.decode(bytes).graph!;
    const elem = (v: { type?: { tensorType?: { elemType?: number | null } | null } | null }) => v.type!.tensorType!.elemType;
    expect([...g.input!, ...g.output!, ...g.valueInfo!].map(elem)).toEqual([DT.FLOAT, DT.FLOAT, DT.FLOAT, DT.FLOAT]);
    expect(g.initializer!.map((t) => t.dataType)).toEqual([DT.FLOAT, DT.FLOAT]);
    expect(g.node!.find((n) => n.opType === 'Constant')!.attribute![0]!.t!.dataType).toBe(DT.FLOAT);
    expect(Number(g.node!.find((n) => n.opType === 'Cast')!.attribute![0]!.i)).toBe(DT.FLOAT);
    expect(g.node!.length).toBe(onnxProto.onnx.ModelProto.decode(fp16).graph!.node!.length);

    const n = 3 * 512 * 512;
    const x = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 255) / 255 - 0.5);
    const converted = await ort.InferenceSession.create(bytes);
    const y = (await converted.run({ input: new ort.Tensor('float32', x, [1, 3, 512, 512]) })).output!;
    expect(y.type).toBe('float32');
    // the original, fed float16 (the runtime computes in half): the same numbers to half precision
    const asHalf = (await ort.InferenceSession.create(fp16)).run({ input: new ort.Tensor('float16', Uint16Array.from(x, toHalf), [1, 3, 512, 512]) });
    const h = (await asHalf).output!.data as Uint16Array;
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, Math.abs((y.data as Float32Array)[i]! + x[i]!), Math.abs(halfToFloat(h[i]!) - (y.data as Float32Array)[i]!));
    expect(max).toBeLessThan(2e-3);
  });

  it('leaves a float32 file as it is', () => {
    const fp32 = new Uint8Array(readFileSync(join(models, 'repair/denoise.onnx')));
    const { bytes, folded } = upcastFp16Weights(fp32);
    expect(folded).toBe(0);
    expect(bytes).toBe(fp32);
  });
});
