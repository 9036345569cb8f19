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
