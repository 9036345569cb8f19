// Runs an ONNX file with onnxruntime-node (CPU) on a raw float32 input; used by export.py and the tests.
//   node models/faces/ort_run.mjs MODEL.onnx IN.f32 N,C,H,W OUT.f32
// Prints {"dims": [...], "inputs": [...], "outputs": [...]} and writes the graph's first output (the
// restorer's 'output', the recognition net's 'descriptor') as raw float32 (little endian).
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';

const [model, inPath, dims, outPath] = process.argv.slice(2);
const buf = fs.readFileSync(inPath);
const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
const session = await ort.InferenceSession.create(model);
const result = await session.run({ input: new ort.Tensor('float32', data, dims.split(',').map(Number)) });
const out = result[session.outputNames[0]];
fs.writeFileSync(outPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
console.log(JSON.stringify({ dims: out.dims, inputs: session.inputNames, outputs: session.outputNames }));
