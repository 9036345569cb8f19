/**
 * The TF.js -> ONNX converter reproduces the UpscalerJS ESRGAN models numerically:
 * original (TF.js, pure-JS CPU backend) vs converted (onnxruntime-node) on the same image.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { loadTfjsModel, convert, convertFile } from '../../models/convert-tfjs/convert.mjs';

const root = join(import.meta.dirname, '../..');
const pkgModel = (variant: string, scale: number) =>
  join(root, `node_modules/@upscalerjs/esrgan-${variant}/models/x${scale}/model.json`);

/** Load a model.json from disk through a custom IOHandler (no fetch / file:// in tfjs). */
async function loadTf(path: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const data = Buffer.concat(
    json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dirname(path), p)))),
  );
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
      format: json.format,
    }),
  });
}

/** The custom layers of esrgan-thick, registered the way @upscalerjs/esrgan-thick does. */
function registerThickLayers() {
  class MultiplyBeta extends tf.layers.Layer {
    static className = 'MultiplyBeta';
    beta = 0.2;
    constructor() { super({}); }
    call(inputs: tf.Tensor | tf.Tensor[]) { return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.beta); }
  }
  tf.serialization.registerClass(MultiplyBeta);
  for (const scale of [2, 3, 4, 8]) {
    class PixelShuffle extends tf.layers.Layer {
      static className = `PixelShuffle${scale}x`;
      constructor() { super({}); }
      computeOutputShape(s: tf.Shape) { return [s[0], s[1], s[2], 3]; }
      call(inputs: tf.Tensor | tf.Tensor[]) {
        return tf.depthToSpace((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D, scale, 'NHWC');
      }
    }
    tf.serialization.registerClass(PixelShuffle);
  }
}

/** Deterministic smooth gradient + LCG noise in [0, 1], NHWC. */
function testImage(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w * 3);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        const v = 0.5 + 0.3 * Math.sin(x * 0.3 + c * 2) * Math.cos(y * 0.2) + 0.1 * (y / h - 0.5) + 0.15 * rnd();
        out[(y * w + x) * 3 + c] = Math.min(1, Math.max(0, v));
      }
  return out;
}

const nhwcToNchw = (a: Float32Array, h: number, w: number) => {
  const out = new Float32Array(a.length);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) out[c * h * w + i] = a[i * 3 + c];
  return out;
};

async function runOnnx(bytes: Uint8Array, nchw: Float32Array, h: number, w: number) {
  const session = await ort.InferenceSession.create(bytes);
  const r = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, h, w]) });
  await session.release();
  return r.output as ort.Tensor;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const cases = [
  // variant, scale, input size, value range max (slim/medium: 0..255, thick: 0..1), fp16 bound on 0..255 (measured max ~0.06)
  { variant: 'slim', scale: 2, h: 32, w: 40, range: 255, fp16: 0.25 },
  { variant: 'medium', scale: 2, h: 32, w: 40, range: 255, fp16: 0.25 },
  { variant: 'medium', scale: 4, h: 32, w: 40, range: 255, fp16: 0.25 },
  { variant: 'thick', scale: 2, h: 16, w: 20, range: 1, fp16: 0.25 },
];

describe('TF.js -> ONNX converter (UpscalerJS ESRGAN)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
    registerThickLayers();
  });

  for (const c of cases) {
    it(`esrgan-${c.variant} x${c.scale}: fp32 and fp16 match TF.js`, async () => {
      const path = pkgModel(c.variant, c.scale);
      const img = testImage(c.h, c.w).map((v) => v * c.range);
      const tfModel = await loadTf(path);
      const ref = tf.tidy(() => tfModel.predict(tf.tensor4d(img, [1, c.h, c.w, 3])) as tf.Tensor);
      expect(ref.shape).toEqual([1, c.h * c.scale, c.w * c.scale, 3]);
      const expected = nhwcToNchw(ref.dataSync() as Float32Array, c.h * c.scale, c.w * c.scale);
      ref.dispose();
      tfModel.dispose();

      const model = loadTfjsModel(path);
      const diffs: Record<string, number> = {};
      for (const fp16 of [false, true]) {
        const out = await runOnnx(convert(model, { fp16 }), nhwcToNchw(img, c.h, c.w), c.h, c.w);
        expect(out.dims).toEqual([1, 3, c.h * c.scale, c.w * c.scale]);
        diffs[fp16 ? 'fp16' : 'fp32'] = (maxAbsDiff(out.data as Float32Array, expected) * 255) / c.range;
      }
      console.log(`esrgan-${c.variant} x${c.scale} max |diff| on 0..255:`, diffs);
      expect(diffs.fp32).toBeLessThan(1e-3);
      expect(diffs.fp16).toBeLessThan(c.fp16);
    });
  }

  it('is deterministic and writes every Conv attribute explicitly', () => {
    const path = pkgModel('slim', 2);
    const a = convertFile(path, { fp16: true });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(convertFile(path, { fp16: true })))).toBe(0);
    const m = onnxProto.onnx.ModelProto.decode(convertFile(path));
    expect(Number(m.opsetImport[0].version)).toBe(17);
    expect(m.producerName).toBe('heirloom-convert-tfjs');
    expect(m.docString).toContain('@upscalerjs/esrgan-slim@1.0.0');
    const convs = m.graph!.node!.filter((n) => n.opType === 'Conv');
    expect(convs.length).toBe(12);
    for (const n of convs) {
      expect(n.attribute!.map((x) => x.name).sort()).toEqual(['dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    }
    const fp16 = onnxProto.onnx.ModelProto.decode(a);
    const DT = onnxProto.onnx.TensorProto.DataType;
    expect(fp16.graph!.initializer!.filter((t) => t.dataType === DT.FLOAT16).length).toBe(24);
  });

  it('committed files in public/models/upscale match src/stages/upscale/models.json', () => {
    const manifestPath = join(root, 'src/stages/upscale/models.json');
    expect(existsSync(manifestPath)).toBe(true);
    const manifests = JSON.parse(readFileSync(manifestPath, 'utf8')) as { file: string; sha256: string; size: number }[];
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      const bytes = readFileSync(join(root, 'public/models/upscale', m.file));
      expect(bytes.length, m.file).toBe(m.size);
      expect(createHash('sha256').update(bytes).digest('hex'), m.file).toBe(m.sha256);
    }
  });
});
