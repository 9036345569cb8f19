/**
 * Repair models (detector, inpaint, denoise): the shipped ONNX files match their manifests and
 * reproduce the PyTorch reference outputs written by models/repair/reference_outputs.py
 * (fp32 files against the fp32 weights, fp16 files against the weights rounded to fp16).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { validateManifest } from '../../src/core/models/manifest';

const root = join(__dirname, '..', '..');
const manifests = JSON.parse(readFileSync(join(root, 'src/stages/repair/models.json'), 'utf8')) as Array<{
  id: string; task: string; file: string; sha256: string; size: number; precision: string;
  input: { name: string; channels: number; range: [number, number] };
  output: { name: string; channels: number; range: [number, number] };
}>;

/** output: PyTorch with weights rounded to fp16 (what .fp16.onnx stores); outputFp32: with fp32 weights. */
interface RefCase { seed: number; inputDims: number[]; input: string; outputDims: number[]; output: string; outputFp32: string }
interface Ref { model: string; file: string; inputName: string; outputName: string; tolerance: number; cases: RefCase[] }

function f32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

describe('repair models', () => {
  it('has a manifest per model', () => {
    // fp32 (what the app runs) and fp16-weight files of each
    expect(manifests.map((m) => `${m.task}:${m.precision}`).sort()).toEqual(
      ['denoise:fp16', 'denoise:fp32', 'inpaint:fp16', 'inpaint:fp32', 'repair-detect:fp16', 'repair-detect:fp32', 'repair-tears:fp16', 'repair-tears:fp32']);
    for (const m of manifests) expect(validateManifest(m)).toEqual(m);
  });

  for (const m of manifests) {
    const name = m.file.split('.')[0];
    const path = join(root, 'public/models/repair', m.file);
    it(`${m.id}: file matches sha256 and size`, () => {
      const buf = readFileSync(path);
      expect(buf.length).toBe(m.size);
      expect(createHash('sha256').update(buf).digest('hex')).toBe(m.sha256);
    });

    const refPath = join(root, 'models/repair/tests/reference', `${name}.json`);
    it.skipIf(!existsSync(refPath))(`${m.id}: ONNX output matches the PyTorch reference`, async () => {
      const ref = JSON.parse(readFileSync(refPath, 'utf8')) as Ref;
      const session = await ort.InferenceSession.create(path);
      for (const c of ref.cases) {
        expect(c.inputDims[1]).toBe(m.input.channels);
        const feeds = { [m.input.name]: new ort.Tensor('float32', f32(c.input), c.inputDims) };
        const out = (await session.run(feeds))[m.output.name];
        expect(Array.from(out.dims)).toEqual(c.outputDims);
        expect(c.outputDims[1]).toBe(m.output.channels);
        const want = f32(m.precision === 'fp16' ? c.output : c.outputFp32);
        const got = out.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < want.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
          expect(got[i]).toBeGreaterThanOrEqual(m.output.range[0]);
          expect(got[i]).toBeLessThanOrEqual(m.output.range[1]);
        }
        expect(maxDiff).toBeLessThan(ref.tolerance);
      }
    });
  }
});
