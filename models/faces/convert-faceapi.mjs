#!/usr/bin/env node
/**
 * Convert three face-api.js networks (weights shipped in @vladmandic/face-api, MIT) to ONNX
 * (opset 17, NCHW float32), rebuilding each graph by hand after the package's own TypeScript
 * sources (src/tinyYolov2, src/faceFeatureExtractor, src/faceLandmarkNet, src/faceRecognitionNet).
 *
 *   node models/faces/convert-faceapi.mjs [--out public/models/face] [--model-dir <dir>]
 *
 * Writes face-detector.onnx, face-landmarks68.onnx, face-recognition.onnx and prints size + sha256.
 * Every net takes RGB in 0..255 (float32, NCHW); the mean subtraction and /255 that face-api
 * applies inside forwardInput() are part of the graphs. See models/faces/README.md.
 * Deterministic: the same weights always give byte-identical files.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { GraphBuilder } from '../convert-tfjs/onnx-writer.mjs';

export const CONVERTER_VERSION = '1.0.0';
export const OPSET = 17;

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
export const FACEAPI_DIR = join(repoRoot, 'node_modules/@vladmandic/face-api');
export const DEFAULT_MODEL_DIR = join(FACEAPI_DIR, 'model');

/** Constants copied from the package sources (kept in sync with src/core/faces/*.ts). */
export const TINY_FACE_MEAN_RGB = [117.001, 114.697, 97.404]; // src/tinyFaceDetector/const.ts
export const FACE_MEAN_RGB = [122.782, 117.001, 104.298]; // faceFeatureExtractor + faceRecognitionNet
export const TINY_FACE_ANCHORS = [
  [1.603231, 2.094468], [6.041143, 7.080126], [2.882459, 3.518061], [4.266906, 5.178857], [9.041765, 10.66308],
];

const DT = onnxProto.onnx.TensorProto.DataType;

/** @typedef {{ shape: number[], data: Float32Array }} W */

/**
 * Read a face-api `<name>-weights_manifest.json` + shards and dequantize exactly like
 * tf.io.decodeWeights (uint8/uint16: q * scale + min, computed in double, stored as float32).
 * @param {string} modelDir @param {string} name e.g. 'tiny_face_detector_model'
 * @returns {Map<string, W>}
 */
export function loadFaceApiWeights(modelDir, name) {
  const manifest = JSON.parse(readFileSync(join(modelDir, `${name}-weights_manifest.json`), 'utf8'));
  /** @type {Map<string, W>} */
  const out = new Map();
  for (const group of manifest) {
    const buf = Buffer.concat(group.paths.map((/** @type {string} */ p) => readFileSync(join(modelDir, p))));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32') throw new Error(`${w.name}: unsupported dtype ${w.dtype}`);
      const n = w.shape.reduce((/** @type {number} */ a, /** @type {number} */ b) => a * b, 1);
      const data = new Float32Array(n);
      const q = w.quantization;
      if (!q) {
        const view = new DataView(buf.buffer, buf.byteOffset + offset, n * 4);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
        offset += n * 4;
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        const bytes = q.dtype === 'uint8' ? 1 : 2;
        const view = new DataView(buf.buffer, buf.byteOffset + offset, n * bytes);
        for (let i = 0; i < n; i++) {
          const v = bytes === 1 ? view.getUint8(i) : view.getUint16(i * 2, true);
          data[i] = v * q.scale + q.min;
        }
        offset += n * bytes;
      } else {
        throw new Error(`${w.name}: unsupported quantization ${q.dtype}`);
      }
      out.set(w.name, { shape: w.shape, data });
    }
    if (offset !== buf.length) throw new Error(`${name}: weight group size mismatch ${offset} != ${buf.length}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layout helpers (TF.js HWIO / depthwise HWC1 -> ONNX OIHW)

/** Conv2D filter [kh,kw,ci,co] -> [co,ci,kh,kw]. */
function hwioToOihw(/** @type {W} */ w) {
  const [kh, kw, ci, co] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          out[((o * ci + i) * kh + y) * kw + x] = w.data[((y * kw + x) * ci + i) * co + o];
  return { dims: [co, ci, kh, kw], data: out };
}

/** Depthwise filter [kh,kw,c,1] -> grouped Conv weight [c,1,kh,kw]. */
function depthwiseToOihw(/** @type {W} */ w) {
  const [kh, kw, c, m] = w.shape;
  if (m !== 1) throw new Error('depth multiplier != 1 not supported');
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < c; i++) out[(i * kh + y) * kw + x] = w.data[(y * kw + x) * c + i];
  return { dims: [c, 1, kh, kw], data: out };
}

/**
 * TF 'same' padding for a known input size: total = max((ceil(n/s)-1)*s + k - n, 0), the odd
 * pixel goes at the end. Returned per axis as [begin, end].
 */
function samePad(/** @type {number} */ n, /** @type {number} */ k, /** @type {number} */ s) {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Output size of a conv/pool with explicit pads [b, e] (floor mode). */
const outSize = (/** @type {number} */ n, /** @type {number} */ k, /** @type {number} */ s, /** @type {number[]} */ [b, e]) =>
  Math.floor((n + b + e - k) / s) + 1;

// ---------------------------------------------------------------------------------------------
// Graph helpers on top of GraphBuilder

class FaceGraph {
  constructor() {
    this.g = new GraphBuilder();
  }

  /** An int64 initializer (Pad's `pads` input). The writer only has float helpers. */
  constInt64(/** @type {string} */ name, /** @type {number[]} */ values) {
    const n = this.g.unique(name);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.g.initializers.push({ name: n, dims: [values.length], dataType: DT.INT64, rawData: raw });
    return n;
  }

  /** (x - mean) / 255 on NCHW RGB, as face-api's normalize() + div(255). */
  normalize(/** @type {string} */ x, /** @type {number[]} */ mean) {
    const m = this.g.constFloat('preprocess/mean_rgb', [1, 3, 1, 1], new Float32Array(mean));
    const d = this.g.constFloat('preprocess/255', [], new Float32Array([255]));
    const sub = this.g.node('Sub', [x, m], [this.g.unique('preprocess/centered')]);
    return this.g.node('Div', [sub, d], [this.g.unique('preprocess/normalized')]);
  }

  /**
   * Conv with every attribute written out (the ORT WebGPU Conv kernel needs them all).
   * @param {string} name @param {string} x
   * @param {{ dims: number[], data: Float32Array }} w OIHW
   * @param {Float32Array | null} bias
   * @param {{ stride?: number, pads: number[], group?: number, out?: string }} o pads = [top, left, bottom, right]
   */
  conv(name, x, w, bias, o) {
    const s = o.stride ?? 1;
    const ins = [x, this.g.weight(`${name}/weight`, w.dims, w.data)];
    if (bias) ins.push(this.g.weight(`${name}/bias`, [bias.length], bias));
    return this.g.node('Conv', ins, [o.out ?? this.g.unique(name)], {
      kernel_shape: [w.dims[2], w.dims[3]], strides: [s, s], dilations: [1, 1], pads: o.pads, group: { int: o.group ?? 1 },
    });
  }

  /** MaxPool / AveragePool, all attributes explicit. pads = [top, left, bottom, right]. */
  pool(/** @type {'MaxPool'|'AveragePool'} */ op, /** @type {string} */ name, /** @type {string} */ x,
    /** @type {number} */ k, /** @type {number} */ s, /** @type {number[]} */ pads) {
    /** @type {Record<string, unknown>} */
    const attrs = { kernel_shape: [k, k], strides: [s, s], pads, ceil_mode: { int: 0 } };
    if (op === 'MaxPool') attrs.dilations = [1, 1];
    else attrs.count_include_pad = { int: 0 };
    return this.g.node(op, [x], [this.g.unique(name)], attrs);
  }

  relu(/** @type {string} */ x, /** @type {string} */ name) {
    return this.g.node('Relu', [x], [this.g.unique(name)]);
  }

  add(/** @type {string} */ a, /** @type {string} */ b, /** @type {string} */ name) {
    return this.g.node('Add', [a, b], [this.g.unique(name)]);
  }
}

/** face-api's metadata common to all three models. */
function sourceInfo(/** @type {string} */ modelDir) {
  let pkg = { name: '@vladmandic/face-api', version: 'unknown', license: 'MIT' };
  try {
    pkg = JSON.parse(readFileSync(join(modelDir, '..', 'package.json'), 'utf8'));
  } catch { /* weights copied elsewhere */ }
  return { name: pkg.name, version: pkg.version, license: pkg.license };
}

/** Weight accessor that fails loudly and records what was used (all must be used). */
function accessor(/** @type {Map<string, W>} */ weights) {
  const used = new Set();
  const get = (/** @type {string} */ name) => {
    const w = weights.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    used.add(name);
    return w;
  };
  const checkAllUsed = () => {
    const unused = [...weights.keys()].filter((k) => !used.has(k));
    if (unused.length) throw new Error(`unused weights: ${unused.join(', ')}`);
  };
  return { get, checkAllUsed };
}

// ---------------------------------------------------------------------------------------------
// 1. TinyFaceDetector (TinyYolov2Base.runMobilenet with isFirstLayerConv2d, 7 filter sizes)

/**
 * input  `input` [N,3,H,W] RGB 0..255, H and W multiples of 32 (face-api: square inputSize).
 * output `grid`  [N,25,H/32,W/32] raw conv8 output; channel = anchor*5 + {0:x,1:y,2:w,3:h,4:score}.
 * @param {Map<string, W>} weights @param {{ source?: { name: string, version: string, license: string } }} [opts]
 */
export function buildTinyFaceDetector(weights, opts = {}) {
  const f = new FaceGraph();
  const { g } = f;
  const { get, checkAllUsed } = accessor(weights);
  g.used.add('input').add('grid');
  const leaky = (/** @type {string} */ x, /** @type {string} */ name) =>
    g.node('LeakyRelu', [x], [g.unique(name)], { alpha: 0.10000000149011612 });

  let x = f.normalize('input', TINY_FACE_MEAN_RGB);
  // conv0: regular 3x3 conv, 'valid' (H -> H-2), then leaky.
  x = leaky(f.conv('conv0', x, hwioToOihw(get('conv0/filters')), get('conv0/bias').data, { pads: [0, 0, 0, 0] }), 'conv0/leaky');
  // tf.maxPool(2, 2, 'same'). For H = 32k the sizes are fixed by parity:
  // 32k-2 -> 16k-1 (even, no pad) -> 8k (odd input: 1 pad at the end) -> 4k -> 2k -> k;
  // the last pool is stride 1, which TF 'same' pads by one at the end. MaxPool ignores pads.
  const poolPads = [[0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1]];
  const poolStrides = [2, 2, 2, 2, 2, 1];
  for (let i = 1; i <= 6; i++) {
    x = f.pool('MaxPool', `pool${i}`, x, 2, poolStrides[i - 1], poolPads[i - 1]);
    if (i === 6) break;
    // tinyYolov2 depthwiseSeparableConv: pad 1 then 'valid' separableConv2d + bias, leaky.
    const dw = depthwiseToOihw(get(`conv${i}/depthwise_filter`));
    x = f.conv(`conv${i}/depthwise`, x, dw, null, { pads: [1, 1, 1, 1], group: dw.dims[0] });
    x = f.conv(`conv${i}/pointwise`, x, hwioToOihw(get(`conv${i}/pointwise_filter`)), get(`conv${i}/bias`).data, { pads: [0, 0, 0, 0] });
    x = leaky(x, `conv${i}/leaky`);
  }
  f.conv('conv8', x, hwioToOihw(get('conv8/filters')), get('conv8/bias').data, { pads: [0, 0, 0, 0], out: 'grid' });
  checkAllUsed();

  return encodeFaceNet(g, opts, {
    graphName: 'tiny_face_detector', className: 'TinyFaceDetector', sourceModel: 'tiny_face_detector_model', meanRgb: TINY_FACE_MEAN_RGB,
    about: 'Input RGB 0..255 NCHW, ' +
      'H,W multiples of 32 (image scaled so its longer side = H, zero-padded bottom/right). ' +
      'Output raw grid [N,25,H/32,W/32], channel = anchor*5 + (x,y,w,h,score); decode with sigmoid/exp + anchors.',
    inputs: [{ name: 'input', dims: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'grid', dims: ['batch', 25, 'height/32', 'width/32'] }],
    extra: { anchors: TINY_FACE_ANCHORS.map((a) => a.join(' ')).join(','), iou_threshold: '0.4' },
  });
}

/**
 * Encodes one converted net with what all three carry: producer, a doc string naming the source
 * package and model, and metadata (source, licence, input range, mean; `extra` after those).
 */
function encodeFaceNet(g, opts, { graphName, className, sourceModel, meanRgb, about, inputs, outputs, extra = {} }) {
  const src = opts.source ?? sourceInfo(DEFAULT_MODEL_DIR);
  return g.encode({
    opset: OPSET, producerName: 'heirloom-convert-faceapi', producerVersion: CONVERTER_VERSION,
    graphName,
    docString: `face-api.js ${className} converted by heirloom-convert-faceapi ${CONVERTER_VERSION} from ` +
      `${src.name}@${src.version} (${src.license}) model/${sourceModel}. ${about}`,
    inputs,
    outputs,
    metadata: {
      source: `${src.name}@${src.version}`, license: src.license, source_model: sourceModel,
      input_range: '0..255', mean_rgb: meanRgb.join(','), ...extra,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// 2. FaceLandmark68Net (FaceFeatureExtractor: 4 x denseBlock4, avgPool 7/2, fc 256 -> 136)

/**
 * input  `input` [N,3,112,112] RGB 0..255 (crop centred-padded to square, resized to 112).
 * output `landmarks` [N,136] = x0,y0,x1,y1,... relative to the 112x112 square input (runNet output).
 * @param {Map<string, W>} weights @param {{ source?: { name: string, version: string, license: string } }} [opts]
 */
export function buildFaceLandmark68(weights, opts = {}) {
  const f = new FaceGraph();
  const { g } = f;
  const { get, checkAllUsed } = accessor(weights);
  g.used.add('input').add('landmarks');
  let size = 112;

  /** common/depthwiseSeparableConv: tf.separableConv2d(x, dw, pw, stride, 'same') + bias. */
  const sep = (/** @type {string} */ p, /** @type {string} */ x, /** @type {number} */ stride) => {
    const [b, e] = samePad(size, 3, stride);
    const dw = depthwiseToOihw(get(`${p}/depthwise_filter`));
    const d = f.conv(`${p}/depthwise`, x, dw, null, { stride, pads: [b, b, e, e], group: dw.dims[0] });
    return f.conv(`${p}/pointwise`, d, hwioToOihw(get(`${p}/pointwise_filter`)), get(`${p}/bias`).data, { pads: [0, 0, 0, 0] });
  };

  /** faceFeatureExtractor/denseBlock.ts denseBlock4 (isScaleDown = true). */
  const denseBlock4 = (/** @type {string} */ p, /** @type {string} */ x, /** @type {boolean} */ first) => {
    let c0;
    if (first) {
      const [b, e] = samePad(size, 3, 2);
      c0 = f.conv(`${p}/conv0`, x, hwioToOihw(get(`${p}/conv0/filters`)), get(`${p}/conv0/bias`).data, { stride: 2, pads: [b, b, e, e] });
    } else {
      c0 = sep(`${p}/conv0`, x, 2);
    }
    size = Math.ceil(size / 2);
    const out1 = f.relu(c0, `${p}/out1`);
    const out2 = sep(`${p}/conv1`, out1, 1);
    const in3 = f.relu(f.add(out1, out2, `${p}/sum3`), `${p}/in3`);
    const out3 = sep(`${p}/conv2`, in3, 1);
    const in4 = f.relu(f.add(out1, f.add(out2, out3, `${p}/sum23`), `${p}/sum4`), `${p}/in4`);
    const out4 = sep(`${p}/conv3`, in4, 1);
    const s34 = f.add(out3, out4, `${p}/sum34`);
    const s234 = f.add(out2, s34, `${p}/sum234`);
    return f.relu(f.add(out1, s234, `${p}/sum`), `${p}/out`);
  };

  let x = f.normalize('input', FACE_MEAN_RGB);
  x = denseBlock4('dense0', x, true);
  x = denseBlock4('dense1', x, false);
  x = denseBlock4('dense2', x, false);
  x = denseBlock4('dense3', x, false);
  if (size !== 7) throw new Error(`unexpected feature size ${size}`);
  x = f.pool('AveragePool', 'avgpool', x, 7, 2, [0, 0, 0, 0]); // [N,256,1,1]
  x = g.node('Flatten', [x], [g.unique('flatten')], { axis: { int: 1 } });
  const fcW = get('fc/weights');
  g.node('Gemm', [x, g.weight('fc/weights', fcW.shape, fcW.data), g.weight('fc/bias', [fcW.shape[1]], get('fc/bias').data)],
    ['landmarks'], { alpha: 1, beta: 1, transA: { int: 0 }, transB: { int: 0 } });
  checkAllUsed();

  return encodeFaceNet(g, opts, {
    graphName: 'face_landmark_68', className: 'FaceLandmark68Net', sourceModel: 'face_landmark_68_model', meanRgb: FACE_MEAN_RGB,
    about: 'Input RGB 0..255 NCHW 112x112 ' +
      '(face crop zero-padded to a centred square, resized). Output [N,136] interleaved x,y of 68 points in [0,1] ' +
      'of the padded square (before face-api postProcess).',
    inputs: [{ name: 'input', dims: ['batch', 3, 112, 112] }],
    outputs: [{ name: 'landmarks', dims: ['batch', 136] }],
  });
}

// ---------------------------------------------------------------------------------------------
// 3. FaceRecognitionNet (ResNet-34-like, 150x150 -> 128-d descriptor)

/**
 * input  `input` [N,3,150,150] RGB 0..255 (aligned face crop, centred-padded to square, resized).
 * output `descriptor` [N,128] (not L2-normalised, exactly face-api's computeFaceDescriptor()).
 * The conv + scale layer pair (conv + bias, * weights + biases) is folded into one Conv.
 * @param {Map<string, W>} weights @param {{ source?: { name: string, version: string, license: string } }} [opts]
 */
export function buildFaceRecognition(weights, opts = {}) {
  const f = new FaceGraph();
  const { g } = f;
  const { get, checkAllUsed } = accessor(weights);
  g.used.add('input').add('descriptor');
  let size = 150, channels = 3;

  /** faceRecognitionNet/convLayer.ts: conv2d + bias, then scale (x * w + b), optional relu. */
  const convLayer = (/** @type {string} */ p, /** @type {string} */ x, /** @type {number} */ stride,
    /** @type {boolean} */ relu, /** @type {'same'|'valid'} */ padding) => {
    const w = hwioToOihw(get(`${p}/conv/filters`));
    const bias = get(`${p}/conv/bias`).data, sw = get(`${p}/scale/weights`).data, sb = get(`${p}/scale/biases`).data;
    const [co, ci, kh, kw] = w.dims;
    const per = ci * kh * kw;
    const wf = new Float32Array(w.data.length), bf = new Float32Array(co);
    for (let o = 0; o < co; o++) {
      for (let i = 0; i < per; i++) wf[o * per + i] = w.data[o * per + i] * sw[o];
      bf[o] = bias[o] * sw[o] + sb[o];
    }
    const [b, e] = padding === 'same' ? samePad(size, kh, stride) : [0, 0];
    const out = f.conv(p, x, { dims: w.dims, data: wf }, bf, { stride, pads: [b, b, e, e] });
    size = outSize(size, kh, stride, [b, e]);
    channels = co;
    return relu ? f.relu(out, `${p}/relu`) : out;
  };

  /** residualLayer.ts residual(): conv -> convNoRelu -> + x -> relu. */
  const residual = (/** @type {string} */ p, /** @type {string} */ x) => {
    let out = convLayer(`${p}/conv1`, x, 1, true, 'same');
    out = convLayer(`${p}/conv2`, out, 1, false, 'same');
    return f.relu(f.add(out, x, `${p}/sum`), `${p}/out`);
  };

  /** residualLayer.ts residualDown(): strided valid conv path + avgPool(2,2) shortcut, zero-padded to match. */
  const residualDown = (/** @type {string} */ p, /** @type {string} */ x) => {
    const inSize = size, inChannels = channels;
    let out = convLayer(`${p}/conv1`, x, 2, true, 'valid');
    out = convLayer(`${p}/conv2`, out, 1, false, 'same');
    let pooled = f.pool('AveragePool', `${p}/shortcut_pool`, x, 2, 2, [0, 0, 0, 0]);
    const pooledSize = outSize(inSize, 2, 2, [0, 0]);
    if (pooledSize !== size) {
      // face-api concatenates one zero row (bottom) and one zero column (right) to `out`.
      if (pooledSize !== size + 1) throw new Error(`${p}: unexpected shapes ${pooledSize} vs ${size}`);
      out = g.node('Pad', [out, f.constInt64(`${p}/pad_hw`, [0, 0, 0, 0, 0, 0, 1, 1])], [g.unique(`${p}/out_padded`)], { mode: 'constant' });
      size = pooledSize;
    }
    if (inChannels !== channels) {
      // face-api concatenates zeros along channels to the pooled shortcut.
      if (channels !== 2 * inChannels) throw new Error(`${p}: unexpected channels ${inChannels} -> ${channels}`);
      pooled = g.node('Pad', [pooled, f.constInt64(`${p}/pad_c`, [0, 0, 0, 0, 0, inChannels, 0, 0])], [g.unique(`${p}/shortcut_padded`)], { mode: 'constant' });
    }
    return f.relu(f.add(pooled, out, `${p}/sum`), `${p}/out`);
  };

  let x = f.normalize('input', FACE_MEAN_RGB);
  x = convLayer('conv32_down', x, 2, true, 'valid'); // 150 -> 72
  x = f.pool('MaxPool', 'pool', x, 3, 2, [0, 0, 0, 0]); // 72 -> 35
  size = outSize(size, 3, 2, [0, 0]);
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(p, x);
  x = residualDown('conv64_down', x);
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(p, x);
  x = residualDown('conv128_down', x);
  for (const p of ['conv128_1', 'conv128_2']) x = residual(p, x);
  x = residualDown('conv256_down', x);
  for (const p of ['conv256_1', 'conv256_2']) x = residual(p, x);
  x = residualDown('conv256_down_out', x);
  if (size !== 2 || channels !== 256) throw new Error(`unexpected final shape ${channels}x${size}x${size}`);
  x = g.node('GlobalAveragePool', [x], [g.unique('global_avg')]);
  x = g.node('Flatten', [x], [g.unique('flatten')], { axis: { int: 1 } });
  const fc = get('fc');
  g.node('MatMul', [x, g.weight('fc', fc.shape, fc.data)], ['descriptor']);
  checkAllUsed();

  return encodeFaceNet(g, opts, {
    graphName: 'face_recognition', className: 'FaceRecognitionNet', sourceModel: 'face_recognition_model', meanRgb: FACE_MEAN_RGB,
    about: 'Input RGB 0..255 NCHW 150x150 ' +
      '(aligned face crop zero-padded to a centred square, resized). Output [N,128] face descriptor ' +
      '(euclidean distance < 0.6 = same person, face-api convention).',
    inputs: [{ name: 'input', dims: ['batch', 3, 150, 150] }],
    outputs: [{ name: 'descriptor', dims: ['batch', 128] }],
  });
}

// ---------------------------------------------------------------------------------------------

export const OUTPUTS = /** @type {const} */ ([
  { file: 'face-detector.onnx', source: 'tiny_face_detector_model', build: buildTinyFaceDetector },
  { file: 'face-landmarks68.onnx', source: 'face_landmark_68_model', build: buildFaceLandmark68 },
  { file: 'face-recognition.onnx', source: 'face_recognition_model', build: buildFaceRecognition },
]);

/**
 * Convert all three nets. Returns { file -> bytes }.
 * @param {string} [modelDir]
 * @returns {Record<string, Uint8Array>}
 */
export function convertAll(modelDir = DEFAULT_MODEL_DIR) {
  const source = sourceInfo(modelDir);
  /** @type {Record<string, Uint8Array>} */
  const out = {};
  for (const o of OUTPUTS) out[o.file] = o.build(loadFaceApiWeights(modelDir, o.source), { source });
  return out;
}

/**
 * The shipped nets' entries in src/stages/face/models.json (the face restoration model's entries,
 * written by models/faces/export.py, are kept).
 */
function writeManifests(/** @type {Record<string, Uint8Array>} */ files) {
  const path = join(repoRoot, 'src/stages/face/models.json');
  const version = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, '..', 'package.json'), 'utf8')).version;
  const base = (/** @type {string} */ file) => ({ file, sha256: sha256(files[file]), size: files[file].length, precision: 'fp32', license: 'MIT',
    card: 'models/faces/README.md' });
  const source = (/** @type {string} */ what) => ({ package: '@vladmandic/face-api', version,
    description: `${what} from face-api.js (weights shipped in the npm package @vladmandic/face-api ${version}, MIT), converted to ONNX by models/faces/convert-faceapi.mjs; outputs match face-api's own network in TF.js within 2e-5 of their peak (tests/unit/faceapi-convert.test.ts). Input RGB 0..255 (mean subtraction inside the graph).` });
  const ours = [
    { id: 'faceapi-tiny-face-detector', label: 'Face detector (face-api.js tiny face detector)', task: 'face-detect', ...base('face-detector.onnx'),
      input: { name: 'input', layout: 'NCHW', channels: 3, range: [0, 255] }, output: { name: 'grid', layout: 'NCHW', channels: 25, range: [-100, 100] },
      scale: 1 / 32, tile: { size: 416, overlap: 0 }, source: source('TinyYolov2 face detector (5 anchors; grid of x, y, w, h, score logits)') },
    { id: 'faceapi-landmarks68', label: 'Face landmarks (face-api.js 68 points)', task: 'face-landmarks', ...base('face-landmarks68.onnx'),
      input: { name: 'input', layout: 'NCHW', channels: 3, range: [0, 255] }, output: { name: 'landmarks', layout: 'NCHW', channels: 136, range: [0, 1] },
      scale: 1, tile: { size: 112, overlap: 0 }, source: source('68-point face landmark net (112x112 input, 136 outputs in [0,1] of the padded crop)') },
  ];
  const existing = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : [];
  const kept = existing.filter((/** @type {{task: string}} */ m) => m.task !== 'face-detect' && m.task !== 'face-landmarks');
  writeFileSync(path, JSON.stringify([...ours, ...kept], null, 2) + '\n');
  console.log(`wrote ${path}`);
}

/** Converted for evaluation only (written to --eval-out, not shipped with the app). */
export const EVAL_ONLY = ['face-recognition.onnx'];

export const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (/** @type {string} */ name, /** @type {string} */ dflt) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: node models/faces/convert-faceapi.mjs [--out public/models/face] [--eval-out models/faces/build] [--model-dir <face-api model dir>]');
    process.exit(0);
  }
  const outDir = resolve(opt('--out', join(repoRoot, 'public/models/face')));
  // The recognition net (22 MB) only measures identity for the model card: it is not shipped.
  const evalDir = resolve(opt('--eval-out', join(repoRoot, 'models/faces/build')));
  const modelDir = resolve(opt('--model-dir', DEFAULT_MODEL_DIR));
  const files = convertAll(modelDir);
  for (const [file, bytes] of Object.entries(files)) {
    const dir = EVAL_ONLY.includes(file) ? evalDir : outDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), bytes);
    console.log(`${join(dir, file)}  ${bytes.length} bytes  sha256 ${sha256(bytes)}`);
  }
  if (!args.includes('--no-manifest')) writeManifests(files);
}
