/**
 * Small real ONNX models with the exact signatures of well-known colorization exports, for
 * testing "bring your own model" without the real (100+ MB) files: one 1x1 convolution each.
 *
 * - DDColor style: `input` 1x3xSxS RGB in [0,1] (grey) -> `output` 1x2xSxS a/b in Lab units.
 *   Here a = 80 * grey - 40 (dark pixels green, bright ones red), b = 0.
 * - DeOldify style: `input` 1x3xSxS grey 0..255 -> `output` 1x3xSxS RGB 0..255.
 *   Here RGB = (g, 0.8 g, 0.6 g): a warm brown tint of the grey.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

function conv1x1(weights: number[][], bias: number[], size: number | null, names = { input: 'input', output: 'output' }): Buffer {
  const cout = weights.length, cin = weights[0]!.length;
  const ints = (name: string, v: number[]) => ({ name, type: AT.INTS, ints: v });
  const dim = (c: number) => (size === null
    ? [{ dimValue: 1 }, { dimValue: c }, { dimParam: 'h' }, { dimParam: 'w' }]
    : [{ dimValue: 1 }, { dimValue: c }, { dimValue: size }, { dimValue: size }]);
  const vi = (name: string, c: number) => ({ name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dim(c) } } } });
  const w = new Float32Array(weights.flat());
  const b = new Float32Array(bias);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'heirloom-test',
    graph: {
      name: 'colorize',
      node: [{
        name: 'conv', opType: 'Conv', input: [names.input, 'W', 'B'], output: [names.output],
        attribute: [ints('kernel_shape', [1, 1]), ints('strides', [1, 1]), ints('dilations', [1, 1]), ints('pads', [0, 0, 0, 0])],
      }],
      initializer: [
        { name: 'W', dims: [cout, cin, 1, 1], dataType: DT.FLOAT, rawData: new Uint8Array(w.buffer) },
        { name: 'B', dims: [cout], dataType: DT.FLOAT, rawData: new Uint8Array(b.buffer) },
      ],
      input: [vi(names.input, cin)],
      output: [vi(names.output, cout)],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** DDColor's signature (fixed 1x3xSxS in, 1x2xSxS a/b out). */
export function ddcolorLikeModel(size = 64): Buffer {
  return conv1x1([[80, 0, 0], [0, 0, 0]], [-40, 0], size);
}

/** DeOldify's signature (1x3xSxS grey 0..255 in, RGB 0..255 out; dynamic size). */
export function deoldifyLikeModel(): Buffer {
  return conv1x1([[1, 0, 0], [0.8, 0, 0], [0.6, 0, 0]], [0, 0, 0], null);
}
