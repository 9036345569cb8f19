import onnxProto from 'onnx-proto';
import type { Page } from '@playwright/test';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** A real ONNX model: Resize by `scale`, nearest neighbour (floor), input 1 x channels x H x W float. */
export function resizeModel(channels: number, scale: number): Buffer {
  const str = (name: string, v: string) => ({ name, type: AT.STRING, s: new TextEncoder().encode(v) });
  const scales = new Float32Array([1, 1, scale, scale]);
  const vi = (name: string) => ({
    name,
    type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: channels }, { dimParam: 'h' }, { dimParam: 'w' }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'heirloom-test',
    graph: {
      name: 'resize',
      node: [{ name: 'resize', opType: 'Resize', input: ['input', '', 'scales'], output: ['output'], attribute: [str('mode', 'nearest'), str('coordinate_transformation_mode', 'asymmetric'), str('nearest_mode', 'floor')] }],
      initializer: [{ name: 'scales', dims: [4], dataType: DT.FLOAT, rawData: new Uint8Array(scales.buffer) }],
      input: [vi('input')],
      output: [vi('output')],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** Adds a model file in the Models view (the page must be on #/models). */
export async function addModel(page: Page, name: string, buffer: Buffer, preset = 'upscaler-rgb-01') {
  await page.getByTestId('model-file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
  await page.getByTestId('model-preset').selectOption(preset);
  await page.getByTestId('model-add').click();
}

