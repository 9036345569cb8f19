#!/usr/bin/env node
/**
 * Convert a TF.js layers model (model.json + weight shards) into an ONNX model (opset 17, NCHW).
 *
 *   node models/convert-tfjs/convert.mjs <model.json> <out.onnx> [--fp16]
 *
 * Graph signature: input `input` float32 [1,3,H,W] -> output `output` float32 [1,3,H*s,W*s].
 * The value range is the TF.js model's own (no rescaling or clipping is added).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from './onnx-writer.mjs';
import { emitterFor } from './layers.mjs';

export const CONVERTER_VERSION = '1.0.0';
export const OPSET = 17;

/**
 * @typedef {{ topology: any, weights: Map<string, { shape: number[], data: Float32Array }>,
 *   path: string }} TfjsModel
 */

/**
 * Read model.json and its shards; weights are sliced per the weightsManifest (float32 only).
 * @param {string} modelJsonPath
 * @returns {TfjsModel}
 */
export function loadTfjsModel(modelJsonPath) {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  if (json.format !== 'layers-model') throw new Error(`expected a layers-model, got ${json.format}`);
  const weights = new Map();
  for (const group of json.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization) throw new Error(`${w.name}: only unquantized float32 weights supported`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      // Copy out: shard offsets are not necessarily 4-byte aligned within Node's pooled buffers.
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + n * 4));
      weights.set(w.name, { shape: w.shape, data });
      offset += n * 4;
    }
    if (offset !== buf.length) throw new Error(`weight group size mismatch: ${offset} != ${buf.length}`);
  }
  return { topology: json.modelTopology, weights, path: modelJsonPath };
}

/** Functional-model config of a layers model. */
const modelConfig = (/** @type {any} */ topology) => (topology.model_config ?? topology).config;

/**
 * Layers in dependency order (stable: follows config order, which Keras already writes sorted).
 * @param {any[]} layers
 */
function topoSort(layers) {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const done = new Set(), out = [];
  const visit = (/** @type {any} */ l, /** @type {Set<string>} */ stack) => {
    if (done.has(l.name)) return;
    if (stack.has(l.name)) throw new Error(`cycle at ${l.name}`);
    stack.add(l.name);
    for (const node of l.inbound_nodes) for (const [src] of node) visit(byName.get(src), stack);
    done.add(l.name);
    out.push(l);
  };
  for (const l of layers) visit(l, new Set());
  return out;
}

/** Total number of learned parameters. @param {TfjsModel} model */
export const countParams = (model) => [...model.weights.values()].reduce((a, w) => a + w.data.length, 0);

/**
 * Output scale and receptive-field radius (in input pixels) of the single output: how many
 * input pixels beyond a tile edge influence the output. Used to pick tile overlap.
 * @param {TfjsModel} model
 */
export function analyze(model) {
  const cfg = modelConfig(model.topology);
  /** @type {Map<string, { scale: number, radius: number }>} */
  const info = new Map();
  for (const l of topoSort(cfg.layers)) {
    const ins = l.inbound_nodes.flatMap((/** @type {any[]} */ n) => n.map(([src]) => info.get(src)));
    let scale = Math.max(1, ...ins.map((i) => i.scale)), radius = Math.max(0, ...ins.map((i) => i.radius));
    if (l.class_name === 'Conv2D') radius += (l.config.dilation_rate[0] * (l.config.kernel_size[0] - 1)) / 2 / scale;
    if (l.class_name === 'UpSampling2D') scale *= l.config.size[0];
    const ps = /^PixelShuffle(\d+)x$/.exec(l.class_name);
    if (ps) scale *= l.config.scale ?? Number(ps[1]);
    info.set(l.name, { scale, radius });
  }
  return /** @type {{ scale: number, radius: number }} */ (info.get(cfg.output_layers[0][0]));
}

/**
 * Convert to ONNX bytes. Deterministic: same model + options -> identical bytes.
 * @param {TfjsModel} model
 * @param {{ fp16?: boolean, docString?: string, metadata?: Record<string,string> }} [opts]
 * @returns {Uint8Array}
 */
export function convert(model, opts = {}) {
  const cfg = modelConfig(model.topology);
  if (cfg.input_layers.length !== 1 || cfg.output_layers.length !== 1) throw new Error('expected one input and one output');
  const g = new GraphBuilder({ fp16: opts.fp16 });
  /** Keras tensor key "layer:node:index" -> ONNX tensor name. */
  const names = new Map();
  const key = (/** @type {string} */ l, /** @type {number} */ n, /** @type {number} */ i) => `${l}:${n}:${i}`;
  const [outLayer, outNode, outIdx] = cfg.output_layers[0];
  const [inLayer] = cfg.input_layers[0];
  g.used.add('input').add('output');

  for (const layer of topoSort(cfg.layers)) {
    if (layer.class_name === 'InputLayer') {
      if (layer.name !== inLayer) throw new Error(`unexpected extra input ${layer.name}`);
      if (layer.config.batch_input_shape?.[3] !== 3) throw new Error('expected a 3-channel NHWC input');
      names.set(key(layer.name, 0, 0), 'input');
      continue;
    }
    const emit = emitterFor(layer.class_name);
    if (!emit) throw new Error(`unsupported layer class ${layer.class_name} (${layer.name})`);
    layer.inbound_nodes.forEach((/** @type {any[]} */ node, /** @type {number} */ n) => {
      const inputs = node.map(([src, sn, si]) => {
        const name = names.get(key(src, sn, si));
        if (!name) throw new Error(`${layer.name}: input ${src} not converted yet`);
        return name;
      });
      const isOut = layer.name === outLayer && n === outNode && outIdx === 0;
      const output = isOut ? 'output' : g.unique(n ? `${layer.name}_${n}` : layer.name);
      const weight = (/** @type {string} */ suffix) => {
        const w = model.weights.get(`${layer.name}/${suffix}`);
        if (!w) throw new Error(`missing weight ${layer.name}/${suffix}`);
        return w;
      };
      names.set(key(layer.name, n, 0), emit({ g, layer, inputs, output, weight }));
    });
  }
  if (!names.has(key(outLayer, outNode, outIdx))) throw new Error('output not produced');

  const s = analyze(model).scale;
  return g.encode({
    opset: OPSET,
    producerName: 'heirloom-convert-tfjs',
    producerVersion: CONVERTER_VERSION,
    docString: opts.docString ?? `Converted from TF.js layers model ${model.path}`,
    graphName: cfg.name ?? 'model',
    inputs: [{ name: 'input', dims: [1, 3, 'height', 'width'] }],
    outputs: [{ name: 'output', dims: [1, 3, `height*${s}`, `width*${s}`] }],
    metadata: opts.metadata,
  });
}

/**
 * Source package (name, version) owning a model.json under node_modules, for the doc string.
 * @param {string} modelJsonPath
 */
export function sourcePackage(modelJsonPath) {
  let dir = dirname(resolve(modelJsonPath));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { name: pkg.name, version: pkg.version, license: pkg.license, dir };
    } catch { /* keep walking up */ }
  }
  return undefined;
}

/** Doc string naming the source package, version and model path. @param {string} modelJsonPath */
export function docStringFor(modelJsonPath) {
  const pkg = sourcePackage(modelJsonPath);
  const rel = pkg ? resolve(modelJsonPath).slice(pkg.dir.length + 1) : modelJsonPath;
  return pkg
    ? `Converted by heirloom-convert-tfjs ${CONVERTER_VERSION} from ${pkg.name}@${pkg.version} (${pkg.license}) ${rel}. ` +
        'NCHW float32 input/output in the same value range as the TF.js model.'
    : `Converted by heirloom-convert-tfjs ${CONVERTER_VERSION} from ${modelJsonPath}.`;
}

/**
 * Convenience: model.json path -> ONNX bytes.
 * @param {string} modelJsonPath @param {{ fp16?: boolean }} [opts]
 */
export function convertFile(modelJsonPath, opts = {}) {
  return convert(loadTfjsModel(modelJsonPath), { ...opts, docString: docStringFor(modelJsonPath) });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const fp16 = args.includes('--fp16');
  const [src, dst] = args.filter((a) => !a.startsWith('--'));
  if (!src || !dst) {
    console.error('usage: node models/convert-tfjs/convert.mjs <model.json> <out.onnx> [--fp16]');
    process.exit(2);
  }
  const bytes = convertFile(src, { fp16 });
  writeFileSync(dst, bytes);
  console.log(`${dst}: ${bytes.length} bytes${fp16 ? ' (fp16 weights)' : ''}`);
}
