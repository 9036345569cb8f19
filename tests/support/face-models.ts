/**
 * Small real ONNX models with the exact signatures of well-known face restoration exports, for
 * testing "bring your own face model" without the real (300+ MB) files. Each negates its input
 * (in [-1,1] that is the colour negative, 1 - v in [0,1]), so a test can tell that the right
 * range mapping, size and template were used.
 *
 * - GFPGAN 1.4: `input` 1x3x512x512 -> `output` 1x3x512x512.
 * - CodeFormer: `input` as GFPGAN plus `weight` float64 [1]; output = -input * (1 - w) + input * w
 *   (w = 0: the negative; w = 1: the input unchanged).
 * - GPEN-BFR-256: `input` 1x3x256x256 -> `output` 1x3x256x256.
 * - GFPGAN converted to half precision (halfPrecisionFaceModel): float16 input, output, weights and
 *   compute, as onnxconverter-common's float16 conversion writes it (the 170 MB GFPGAN 1.4 users make).
 * - A tinting restorer (tintingFaceModel): the GFPGAN signature, the negative with less contrast in
 *   green and blue than in red, so a grey face comes out coloured (as real restorers tint grey faces).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

const vi = (name: string, dims: number[], elemType = DT.FLOAT) => ({
  name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

function encode(graph: Record<string, unknown>): Buffer {
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'heirloom-test', graph });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

export function negatingFaceModel(size: 512 | 256): Buffer {
  return encode({
    name: 'face', node: [{ name: 'neg', opType: 'Neg', input: ['input'], output: ['output'] }],
    input: [vi('input', [1, 3, size, size])], output: [vi('output', [1, 3, size, size])],
  });
}

export function codeformerLikeModel(): Buffer {
  const one = new Float32Array([1]), two = new Float32Array([2]);
  return encode({
    name: 'codeformer',
    node: [
      { name: 'cast', opType: 'Cast', input: ['weight'], output: ['w'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT }] },
      // output = input * (2w - 1)
      { name: 'm2', opType: 'Mul', input: ['w', 'two'], output: ['w2'] },
      { name: 'sub', opType: 'Sub', input: ['w2', 'one'], output: ['k'] },
      { name: 'mul', opType: 'Mul', input: ['input', 'k'], output: ['output'] },
    ],
    initializer: [
      { name: 'one', dims: [1], dataType: DT.FLOAT, rawData: new Uint8Array(one.buffer) },
      { name: 'two', dims: [1], dataType: DT.FLOAT, rawData: new Uint8Array(two.buffer) },
    ],
    input: [vi('input', [1, 3, 512, 512]), vi('weight', [1], DT.DOUBLE)],
    output: [vi('output', [1, 3, 512, 512])],
  });
}

export function tintingFaceModel(size: 512 | 256): Buffer {
  const k = new Float32Array([-1, -0.8, -0.6]);
  return encode({
    name: 'tint', node: [{ name: 'mul', opType: 'Mul', input: ['input', 'k'], output: ['output'] }],
    initializer: [{ name: 'k', dims: [1, 3, 1, 1], dataType: DT.FLOAT, rawData: new Uint8Array(k.buffer) }],
    input: [vi('input', [1, 3, size, size])], output: [vi('output', [1, 3, size, size])],
  });
}

/** float32 -> IEEE half bits, rounded to nearest (normal halves only: tests feed values within +-0.5 and > 1e-4). */
export function toHalf(v: number): number {
  const f = new Float32Array([v]), u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000, e = ((u >>> 23) & 0xff) - 127 + 15, m = u & 0x7fffff;
  if (v === 0) return sign;
  if (e <= 0 || e >= 31) throw new RangeError(`${v} is not a normal half`);
  return sign + (e << 10) + Math.round(m / 8192); // a mantissa rounded up to 1024 carries into the exponent
}

const halves = (values: number[]) => new Uint8Array(Uint16Array.from(values.map(toHalf)).buffer);

/**
 * The GFPGAN signature in half precision: `input` float16 1x3x512x512 -> a 1x1 Conv with float16
 * weights (the negation), plus a float16 Constant (zero), a Cast to float16 -> `output` float16.
 * Its output is negatingFaceModel's.
 */
export function halfPrecisionFaceModel(): Buffer {
  const w = [-1, 0, 0, 0, -1, 0, 0, 0, -1];
  return encode({
    name: 'face-fp16',
    node: [
      { name: 'conv', opType: 'Conv', input: ['input', 'w', 'b'], output: ['c'], attribute: [{ name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1] }] },
      { name: 'zero', opType: 'Constant', output: ['z'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims: [1], dataType: DT.FLOAT16, rawData: halves([0]) } }] },
      { name: 'add', opType: 'Add', input: ['c', 'z'], output: ['s'] },
      { name: 'cast', opType: 'Cast', input: ['s'], output: ['output'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT16 }] },
    ],
    initializer: [
      { name: 'w', dims: [3, 3, 1, 1], dataType: DT.FLOAT16, rawData: halves(w) },
      { name: 'b', dims: [3], dataType: DT.FLOAT16, rawData: halves([0, 0, 0]) },
    ],
    input: [vi('input', [1, 3, 512, 512], DT.FLOAT16)], output: [vi('output', [1, 3, 512, 512], DT.FLOAT16)],
    valueInfo: [vi('c', [1, 3, 512, 512], DT.FLOAT16), vi('s', [1, 3, 512, 512], DT.FLOAT16)],
  });
}
