/**
 * Per-layer emitters: Keras/TF.js layer (NHWC) -> ONNX nodes (NCHW).
 * Each emitter gets the layer, its ONNX input names and the output name to produce,
 * and returns that output name after appending nodes to the GraphBuilder.
 */

/** @typedef {import('./onnx-writer.mjs').GraphBuilder} GraphBuilder */
/** @typedef {{ class_name: string, name: string, config: any }} Layer */
/** @typedef {(ctx: { g: GraphBuilder, layer: Layer, inputs: string[], output: string,
 *   weight: (suffix: string) => { shape: number[], data: Float32Array } }) => string} Emitter */

/** NHWC axis (rank 4, may be negative) -> NCHW axis. */
export const nhwcAxisToNchw = (/** @type {number} */ axis) => [0, 2, 3, 1][(axis + 4) % 4];

/**
 * Emit a Keras activation by name. 'linear' emits nothing unless `output` must be produced.
 * @param {GraphBuilder} g @param {string} act @param {string} input @param {string} output
 */
function activation(g, act, input, output) {
  const simple = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', selu: 'Selu', softplus: 'Softplus' };
  if (act in simple) return g.node(simple[act], [input], [output]);
  if (act === 'relu6') return g.node('Clip', [input, g.constFloat(`${output}/min`, [], new Float32Array([0])), g.constFloat(`${output}/max`, [], new Float32Array([6]))], [output]);
  if (act === 'linear') return g.node('Identity', [input], [output]);
  throw new Error(`unsupported activation '${act}'`);
}

/** HWIO -> OIHW, the layout ONNX Conv expects. */
function hwioToOihw(/** @type {Float32Array} */ w, /** @type {number[]} */ [kh, kw, ci, co]) {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          out[((o * ci + i) * kh + y) * kw + x] = w[((y * kw + x) * ci + i) * co + o];
  return out;
}

/**
 * TF 'same' padding with stride 1 does not depend on the input size: total = d*(k-1),
 * TF puts the odd pixel at the end. Strided 'same' would need the runtime size, so refuse it
 * rather than emit auto_pad (which the ORT WebGPU Conv kernel mishandles).
 */
function convPads(/** @type {any} */ c) {
  const [kh, kw] = c.kernel_size, [sh, sw] = c.strides, [dh, dw] = c.dilation_rate;
  if (c.padding === 'valid') return [0, 0, 0, 0];
  if (c.padding !== 'same') throw new Error(`unsupported padding ${c.padding}`);
  if (sh !== 1 || sw !== 1) throw new Error('strided "same" Conv2D is input-size dependent; not supported');
  const th = dh * (kh - 1), tw = dw * (kw - 1);
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

/** @type {Record<string, Emitter>} */
export const emitters = {
  Conv2D({ g, layer, inputs, output, weight }) {
    const c = layer.config;
    if (c.data_format !== 'channels_last') throw new Error('only channels_last Conv2D supported');
    if ((c.groups ?? 1) !== 1) throw new Error('grouped Conv2D not supported');
    const k = weight('kernel');
    const [kh, kw, ci, co] = k.shape;
    const W = g.weight(`${layer.name}/kernel`, [co, ci, kh, kw], hwioToOihw(k.data, k.shape));
    const ins = [inputs[0], W];
    if (c.use_bias) ins.push(g.weight(`${layer.name}/bias`, [co], weight('bias').data));
    const act = c.activation ?? 'linear';
    // Every attribute explicit: the ORT WebGPU Conv fails on missing ones.
    const attrs = { kernel_shape: [kh, kw], strides: c.strides, dilations: c.dilation_rate, pads: convPads(c), group: { int: 1 } };
    if (act === 'linear') return g.node('Conv', ins, [output], attrs);
    const pre = g.node('Conv', ins, [g.unique(`${layer.name}/preact`)], attrs);
    return activation(g, act, pre, output);
  },

  Activation: ({ g, layer, inputs, output }) => activation(g, layer.config.activation, inputs[0], output),

  Add: ({ g, inputs, output }) => g.node(inputs.length === 2 ? 'Add' : 'Sum', inputs, [output]),

  Concatenate: ({ g, layer, inputs, output }) =>
    g.node('Concat', inputs, [output], { axis: { int: nhwcAxisToNchw(layer.config.axis ?? -1) } }),

  UpSampling2D({ g, layer, inputs, output }) {
    const c = layer.config;
    if ((c.interpolation ?? 'nearest') !== 'nearest') throw new Error('only nearest UpSampling2D supported');
    const [sh, sw] = c.size;
    const scales = g.constFloat(`${layer.name}/scales`, [4], new Float32Array([1, 1, sh, sw]));
    // Integer nearest upsampling == repeat each pixel; asymmetric + floor reproduces it exactly.
    return g.node('Resize', [inputs[0], '', scales], [output], {
      coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor',
    });
  },

  /** UpscalerJS RRDN residual scaling: x * beta (beta = 0.2 in the package). */
  MultiplyBeta: ({ g, layer, inputs, output }) =>
    g.node('Mul', [inputs[0], g.constFloat(`${layer.name}/beta`, [], new Float32Array([layer.config.beta ?? 0.2]))], [output]),
};

/**
 * UpscalerJS PixelShuffleNx = tf.depthToSpace(x, N, 'NHWC'). TF's depth layout is
 * (block_row, block_col, channel) which is ONNX's DCR mode (verified numerically in tests).
 */
function pixelShuffle(/** @type {Parameters<Emitter>[0]} */ { g, layer, inputs, output }) {
  const n = layer.config.scale ?? Number(/PixelShuffle(\d+)x/.exec(layer.class_name)?.[1]);
  return g.node('DepthToSpace', [inputs[0]], [output], { blocksize: { int: n }, mode: 'DCR' });
}

/** @param {string} className @returns {Emitter | undefined} */
export function emitterFor(className) {
  if (/^PixelShuffle\d+x$/.test(className)) return pixelShuffle;
  return emitters[className];
}
