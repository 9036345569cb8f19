/**
 * Minimal ONNX graph builder on top of the protobufjs-generated `onnx-proto` classes.
 * Everything is appended in call order and encoded by protobufjs, so the same sequence of calls
 * always gives byte-identical output (no maps, no timestamps, no random names).
 */
import onnxProto from 'onnx-proto';
import { toHalfArray } from './fp16.mjs';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Little-endian bytes of a typed array, independent of host byte order. */
function leBytes(/** @type {Float32Array|Uint16Array|BigInt64Array} */ arr) {
  const out = new Uint8Array(arr.length * arr.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  arr.forEach((v, i) => {
    if (arr instanceof Float32Array) view.setFloat32(i * 4, /** @type {number} */ (v), true);
    else if (arr instanceof Uint16Array) view.setUint16(i * 2, /** @type {number} */ (v), true);
    else view.setBigInt64(i * 8, /** @type {bigint} */ (v), true);
  });
  return out;
}

/**
 * @param {string} name
 * @param {unknown} value number (float), integer via {int}, string, number[] (ints), {floats}
 */
function attribute(name, value) {
  if (typeof value === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AT.INTS, ints: value };
  if (typeof value === 'object' && value && 'int' in value) return { name, type: AT.INT, i: value.int };
  if (typeof value === 'object' && value && 'floats' in value) return { name, type: AT.FLOATS, floats: value.floats };
  if (typeof value === 'number') return { name, type: AT.FLOAT, f: value };
  throw new Error(`unsupported attribute ${name}`);
}

/**
 * @typedef {{ name: string, dims: (number|string)[] }} IOSpec  string dims become dim_param
 */

export class GraphBuilder {
  /** @param {{ fp16?: boolean }} [opts] fp16: store weights as float16 + Cast */
  constructor(opts = {}) {
    this.fp16 = !!opts.fp16;
    /** @type {object[]} */ this.nodes = [];
    /** @type {object[]} */ this.initializers = [];
    this.used = new Set();
  }

  /** Reserve a unique tensor/node name (deterministic suffixing). */
  unique(/** @type {string} */ base) {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /**
   * Add a node. Attributes are written in the order given.
   * @param {string} opType
   * @param {string[]} inputs
   * @param {string[]} outputs
   * @param {Record<string, unknown>} [attrs]
   * @param {string} [name]
   */
  node(opType, inputs, outputs, attrs = {}, name = outputs[0]) {
    this.nodes.push({
      name: this.unique(`node:${name}`), opType, input: inputs, output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs[0];
  }

  /**
   * A float32 constant that stays float32 in both variants (small control tensors: scales, beta).
   * @param {string} name @param {number[]} dims @param {Float32Array} data
   */
  constFloat(name, dims, data) {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims, dataType: DT.FLOAT, rawData: leBytes(data) });
    return n;
  }

  /**
   * A learned weight. In fp16 mode it is stored as float16 and Cast back to float32 right away,
   * so every compute node still sees float32 (works on ORT WASM and WebGPU alike).
   * @param {string} name @param {number[]} dims @param {Float32Array} data
   */
  weight(name, dims, data) {
    if (!this.fp16) return this.constFloat(name, dims, data);
    const half = this.unique(`${name}_fp16`);
    this.initializers.push({ name: half, dims, dataType: DT.FLOAT16, rawData: leBytes(toHalfArray(data)) });
    return this.node('Cast', [half], [this.unique(name)], { to: { int: DT.FLOAT } });
  }

  /**
   * Serialize the model.
   * @param {{ inputs: IOSpec[], outputs: IOSpec[], opset: number, producerName: string,
   *   producerVersion: string, docString: string, graphName: string,
   *   metadata?: Record<string,string> }} m
   * @returns {Uint8Array}
   */
  encode(m) {
    const vi = (/** @type {IOSpec} */ io) => ({
      name: io.name,
      type: { tensorType: { elemType: DT.FLOAT, shape: { dim: io.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: 8, // opset 17 needs IR >= 8
      opsetImport: [{ domain: '', version: m.opset }],
      producerName: m.producerName,
      producerVersion: m.producerVersion,
      docString: m.docString,
      graph: {
        name: m.graphName, node: this.nodes, initializer: this.initializers,
        input: m.inputs.map(vi), output: m.outputs.map(vi),
      },
      metadataProps: Object.entries(m.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
