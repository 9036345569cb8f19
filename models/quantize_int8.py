"""Static int8 quantization (QDQ) of the project's float32 ONNX convnets, with the `onnx` package only.

    from quantize_int8 import quantize_static
    q = quantize_static(onnx.load('m.onnx'), samples)   # samples: [{'input': N,C,H,W float32}, ...]

    /usr/bin/python3 models/quantize_int8.py in.onnx out.int8.onnx --calib crops.npy   # N,C,H,W float32

What it writes is the pattern onnxruntime's QDQ transformer turns into QLinearConv:

    DQ(x uint8) , DQ(w int8, per output channel) , DQ(b int32, scale x_scale*w_scale) -> Conv -> Q(y uint8)

- weights: symmetric per output channel in [-63, 63] (scale max|w|/63, zero point 0, "reduce
  range"), stored as int8 initializers, so the file is about a quarter of the float32 one. Not
  [-127, 127]: on x86 CPUs without VNNI (AVX2) onnxruntime's u8s8 kernel adds pairs of uint8 x int8
  products in int16 (vpmaddubsw), which saturates beyond 32767; 255 x 127 x 2 overflows and
  255 x 63 x 2 does not. Measured 2026-12-08 on an AVX2-only EPYC, SR x2 in onnxruntime-node:
  full-range weights came out 0.98/255 (mean) and up to 42/255 from the float model, 7-bit ones as
  close as the unfused graph;
- bias: int32 with scale x_scale * w_scale[c] (onnxruntime feeds it to QLinearConv as it is: a
  float bias would stop the fusion, every Conv input has to come from a DequantizeLinear);
- activations: per-tensor asymmetric uint8, ranges from running the float32 graph on calibration
  samples (onnxruntime-node, models/onnx_calibrate.mjs): min/max over all samples, or a percentile;
- Relu right after a Conv is folded into that Conv's Q (its range starts at 0, so the uint8 clamp
  is the Relu); PRelu, LeakyRelu and every other op stay float between a DQ and the next Q, so the
  Convs on both sides still fuse (onnxruntime has no quantized PRelu kernel);
- graph inputs and outputs stay float32: a caller loads the int8 file exactly like the float one.

Only Conv is quantized (what our models spend their time in); `exclude` keeps named Convs float.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CALIBRATE = os.path.join(HERE, 'onnx_calibrate.mjs')


def _consumers(graph):
    out = {}
    for n in graph.node:
        for i in n.input:
            out.setdefault(i, []).append(n)
    return out


def _plan(model, exclude=()):
    """Which Convs are quantized and which float tensors need a range:
    -> (convs, folded relus {conv name: relu node}, tensors to calibrate)."""
    g = model.graph
    inits = {i.name for i in g.initializer}
    outputs = {o.name for o in g.output}
    cons = _consumers(g)
    convs, relus, tensors = [], {}, []
    for n in g.node:
        if n.op_type != 'Conv' or n.name in exclude or n.input[1] not in inits:
            continue
        if len(n.input) > 2 and n.input[2] and n.input[2] not in inits:
            continue
        convs.append(n)
        y = n.output[0]
        nxt = cons.get(y, [])
        if len(nxt) == 1 and nxt[0].op_type == 'Relu' and y not in outputs:
            relus[n.name] = nxt[0]
            y = nxt[0].output[0]
        tensors += [n.input[0], y]
    return convs, relus, list(dict.fromkeys(tensors))


def _write_samples(d, samples, **extra):
    meta = {'samples': [], **extra}
    for k, s in enumerate(samples):
        row = {}
        for name, arr in s.items():
            arr = np.ascontiguousarray(arr, dtype=np.float32)
            f = f'x{k}_{len(row)}.f32'
            arr.tofile(os.path.join(d, f))
            row[name] = {'file': f, 'shape': list(arr.shape)}
        meta['samples'].append(row)
    with open(os.path.join(d, 'meta.json'), 'w') as f:
        json.dump(meta, f)


def run_onnxruntime(model, samples, optimized=None):
    """Run a graph on samples with onnxruntime-node. -> [{output name: array}] per sample; with
    `optimized` (a path), onnxruntime's optimized graph is written there (to check the fusion)."""
    with tempfile.TemporaryDirectory(prefix='heirloom-ort-') as d:
        onnx.save(model, os.path.join(d, 'model.onnx'))
        _write_samples(d, samples, keep=0, optimized=optimized)
        subprocess.run(['node', CALIBRATE, os.path.join(d, 'model.onnx'), d], check=True, cwd=ROOT)
        with open(os.path.join(d, 'stats.json')) as f:
            stats = json.load(f)
        out = [{} for _ in samples]
        for name, s in stats.items():
            v, o = np.fromfile(os.path.join(d, s['file']), dtype=np.float32), 0
            for k, dims in enumerate(s['dims']):
                n = int(np.prod(dims))
                out[k][name] = v[o:o + n].reshape(dims)
                o += n
    return out


def calibrate(model, samples, tensors, method='minmax', percentile=99.99):
    """Run the float graph (the tensors added as outputs) on every sample with onnxruntime-node.
    -> {tensor: (lo, hi)}: the min/max over all samples, or the (100-p, p) percentiles of the
    pooled values with method='percentile' (never wider than min/max)."""
    m = onnx.ModelProto.FromString(model.SerializeToString())
    have = {o.name for o in m.graph.output}
    for t in tensors:
        if t not in have:
            m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    with tempfile.TemporaryDirectory(prefix='heirloom-calib-') as d:
        onnx.save(m, os.path.join(d, 'model.onnx'))
        _write_samples(d, samples)
        subprocess.run(['node', CALIBRATE, os.path.join(d, 'model.onnx'), d], check=True, cwd=ROOT)
        with open(os.path.join(d, 'stats.json')) as f:
            stats = json.load(f)
        ranges = {}
        for t in tensors:
            s = stats[t]
            lo, hi = float(min(s['min'])), float(max(s['max']))
            if method == 'percentile':
                v = np.fromfile(os.path.join(d, s['file']), dtype=np.float32)
                lo, hi = max(lo, float(np.percentile(v, 100 - percentile))), min(hi, float(np.percentile(v, percentile)))
            elif method != 'minmax':
                raise ValueError(f'unknown calibration method {method}')
            ranges[t] = (lo, hi)
    return ranges


def uint8_params(lo, hi):
    """Per-tensor asymmetric uint8 covering [lo, hi] and always 0 (so zero padding is exact)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = np.float32(max((hi - lo) / 255.0, 1e-8))
    zp = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
    return scale, zp


WEIGHT_MAX = 63  # 7-bit weights: no int16 saturation in x86's u8s8 kernels without VNNI (see above)


def int8_weights(w):
    """Symmetric per-output-channel int8 in [-WEIGHT_MAX, WEIGHT_MAX]: -> (q int8, scale float32 [M])."""
    m = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(m > 0, m / WEIGHT_MAX, 1.0).astype(np.float32)
    q = np.clip(np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))), -WEIGHT_MAX, WEIGHT_MAX).astype(np.int8)
    return q, scale


def quantize_static(model, samples=None, *, ranges=None, exclude=(), method='minmax', percentile=99.99):
    """-> a new ModelProto: the float graph with QDQ Convs (see the module doc). Give calibration
    samples ([{input name: float32 array}]) or ready `ranges` ({tensor: (lo, hi)})."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    convs, relus, tensors = _plan(model, exclude)
    ranges = dict(calibrate(model, samples, tensors, method, percentile) if ranges is None else ranges)
    inits = {i.name: i for i in g.initializer}
    new_inits, before, after = [], {}, {}  # before/after: node name -> nodes to insert around it
    dq_of = {}  # float tensor -> the name of its dequantized copy

    def qparams(t):
        s, z = uint8_params(*ranges[t])
        sn, zn = t + '_scale', t + '_zero_point'
        if sn not in inits:
            for a, n in ((np.array(s, np.float32), sn), (np.array(z, np.uint8), zn)):
                inits[n] = numpy_helper.from_array(a, n)
                new_inits.append(inits[n])
        return s, sn, zn

    def qdq(src, dst, t, tag):
        """Q(src) -> DQ -> dst, with t's range."""
        _, sn, zn = qparams(t)
        return [helper.make_node('QuantizeLinear', [src, sn, zn], [t + '_quantized'], name=t + f'_Q{tag}'),
                helper.make_node('DequantizeLinear', [t + '_quantized', sn, zn], [dst], name=t + f'_DQ{tag}')]

    # every quantized Conv's output: Conv -> Q -> DQ -> (its old consumers), a folded Relu dropped
    dropped = set()
    for n in convs:
        relu = relus.get(n.name)
        y = relu.output[0] if relu else n.output[0]
        if relu:
            dropped.add(relu.name)
            lo, hi = ranges[y]
            ranges[y] = (0.0, hi)  # the uint8 clamp at the zero point is the Relu
        raw = y + '_float'
        after[n.name] = qdq(raw, y, y, '')
        n.output[0] = raw
        dq_of[y] = y
    # every quantized Conv's inputs: x through one shared Q/DQ pair, w and b as integer initializers
    for n in convs:
        x = n.input[0]
        if x not in dq_of:
            dq_of[x] = x + '_dequantized'
            before.setdefault(n.name, []).extend(qdq(x, dq_of[x], x, '_in'))
        x_scale, _, _ = qparams(x)
        n.input[0] = dq_of[x]
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        wq, ws = int8_weights(w)
        wn = n.input[1]
        new_inits += [numpy_helper.from_array(wq, wn + '_int8'), numpy_helper.from_array(ws, wn + '_scale'),
                      numpy_helper.from_array(np.zeros(len(ws), np.int8), wn + '_zero_point')]
        dq = [helper.make_node('DequantizeLinear', [wn + '_int8', wn + '_scale', wn + '_zero_point'], [wn + '_dequantized'],
                               name=wn + '_DQ', axis=0)]
        n.input[1] = wn + '_dequantized'
        if len(n.input) > 2 and n.input[2]:
            bn = n.input[2]
            b = numpy_helper.to_array(inits[bn]).astype(np.float64)
            bs = (np.float32(x_scale) * ws).astype(np.float32)
            bq = np.clip(np.round(b / bs), -2 ** 31, 2 ** 31 - 1).astype(np.int32)
            new_inits += [numpy_helper.from_array(bq, bn + '_int32'), numpy_helper.from_array(bs, bn + '_scale'),
                          numpy_helper.from_array(np.zeros(len(bs), np.int32), bn + '_zero_point')]
            dq.append(helper.make_node('DequantizeLinear', [bn + '_int32', bn + '_scale', bn + '_zero_point'],
                                       [bn + '_dequantized'], name=bn + '_DQ', axis=0))
            n.input[2] = bn + '_dequantized'
        before.setdefault(n.name, []).extend(dq)

    # rebuild: the float weights go, the inserted nodes sit next to their Conv (topological order holds)
    replaced = {c.input[1][:-len('_dequantized')] for c in convs}
    replaced |= {c.input[2][:-len('_dequantized')] for c in convs if len(c.input) > 2 and c.input[2]}
    nodes = []
    for n in g.node:
        if n.name in dropped:
            continue
        nodes += before.get(n.name, []) + [n] + after.get(n.name, [])
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    keep = [i for i in g.initializer if i.name not in replaced and i.name in used] + new_inits
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.value_info[:]  # shapes of renamed tensors are stale; onnxruntime infers them
    onnx.checker.check_model(model)
    return model


def check_qdq(model):
    """Every Conv reads DequantizeLinear outputs only and writes a QuantizeLinear: the QLinearConv
    pattern. -> the names of the Convs that break it (empty when all fuse)."""
    prod = {o: n for n in model.graph.node for o in n.output}
    cons = _consumers(model.graph)
    bad = []
    for n in model.graph.node:
        if n.op_type != 'Conv':
            continue
        ins = [i for i in n.input if i]
        ok = all(i in prod and prod[i].op_type == 'DequantizeLinear' for i in ins)
        ok = ok and [c.op_type for c in cons.get(n.output[0], [])] == ['QuantizeLinear']
        if not ok:
            bad.append(n.name)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('model')
    ap.add_argument('out')
    ap.add_argument('--calib', required=True, help='.npy float32 N,C,H,W: calibration samples of the first input')
    ap.add_argument('--method', default='minmax', choices=('minmax', 'percentile'))
    ap.add_argument('--percentile', type=float, default=99.99)
    ap.add_argument('--exclude', default='', help='comma-separated Conv node names kept float')
    args = ap.parse_args()
    m = onnx.load(args.model)
    x = np.load(args.calib)
    name = m.graph.input[0].name
    q = quantize_static(m, [{name: x[i:i + 1]} for i in range(len(x))], method=args.method, percentile=args.percentile,
                        exclude=tuple(filter(None, args.exclude.split(','))))
    onnx.save(q, args.out)
    print(f'{args.out}: {os.path.getsize(args.out)} B ({os.path.getsize(args.model)} B float); '
          f'Convs off the QLinearConv pattern: {check_qdq(q) or "none"}')


if __name__ == '__main__':
    main()
