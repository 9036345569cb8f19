"""Tests of the shared int8 quantizer (models/quantize_int8.py) on a tiny conv graph shaped like
Heirloom SR (Conv, Relu, PRelu, a residual Add, float32 I/O). Run:
    /usr/bin/python3 models/upscale/tests/test_quantize_int8.py
Exits non-zero on failure; the onnxruntime runs are skipped when node / onnxruntime-node are missing."""
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(MODELS)
sys.path.insert(0, MODELS)
from quantize_int8 import WEIGHT_MAX, check_qdq, int8_weights, quantize_static, run_onnxruntime, uint8_params  # noqa: E402
from script_tests import check, run  # noqa: E402


def tiny_graph():
    """input -> Conv 3->8 -> Relu -> Conv 8->8 -> PRelu -> Conv 8->3 -> + input -> output."""
    g = np.random.default_rng(0)
    inits, nodes = [], []

    def conv(name, x, cin, cout, y):
        w = g.normal(0, np.sqrt(2 / (9 * cin)), (cout, cin, 3, 3)).astype(np.float32)
        b = g.normal(0, 0.05, cout).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, name + '.w'), numpy_helper.from_array(b, name + '.b')])
        nodes.append(helper.make_node('Conv', [x, name + '.w', name + '.b'], [y], name=name, kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1]))

    conv('c0', 'input', 3, 8, 'a0')
    nodes.append(helper.make_node('Relu', ['a0'], ['r0'], name='relu0'))
    conv('c1', 'r0', 8, 8, 'a1')
    inits.append(numpy_helper.from_array(np.full((8, 1, 1), 0.2, np.float32), 'slope'))
    nodes.append(helper.make_node('PRelu', ['a1', 'slope'], ['p1'], name='prelu1'))
    conv('c2', 'p1', 8, 3, 'a2')
    nodes.append(helper.make_node('Add', ['a2', 'input'], ['output'], name='residual'))
    io = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 'h', 'w'])  # noqa: E731
    graph = helper.make_graph(nodes, 'tiny', [io('input')], [io('output')], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    onnx.checker.check_model(m)
    return m


def samples(n, seed):
    g = np.random.default_rng(seed)
    out = []
    for _ in range(n):  # smooth images in [0,1], like photos rather than noise
        x = np.cumsum(np.cumsum(g.normal(0, 0.05, (1, 3, 24, 32)), 2), 3)
        x = (x - x.min()) / (x.max() - x.min() + 1e-6)
        out.append({'input': x.astype(np.float32)})
    return out


def test_helpers():
    s, z = uint8_params(0.0, 1.0)
    check(abs(s - 1 / 255) < 1e-9 and z == 0, 'uint8 range [0,1]: scale 1/255, zero point 0')
    s, z = uint8_params(-1.0, 3.0)
    check(abs(-1.0 - (0 - int(z)) * s) < s, 'asymmetric uint8: the zero point maps back to about the range minimum')
    w = np.random.default_rng(1).normal(0, 1, (4, 2, 3, 3)).astype(np.float32)
    w[2] = 0
    q, sc = int8_weights(w)
    # 7 bits: x86's u8s8 kernel without VNNI saturates with full-range weights (tests/unit/int8-kernels.test.ts)
    check(q.dtype == np.int8 and np.abs(q).max() == WEIGHT_MAX == 63, 'weights: int8, symmetric, the largest at +-63 (7 bits)')
    check(np.allclose(q * sc[:, None, None, None], w, atol=sc.max() / 2 + 1e-7), 'weights: per-channel dequantized within half a step')
    check(np.all(q[2] == 0) and sc[2] == 1.0, 'an all-zero channel quantizes to zeros (no division by zero)')


def test_graph(q, m32):
    check(check_qdq(q) == [], 'every Conv reads DequantizeLinear only and writes one QuantizeLinear (the QLinearConv pattern)')
    ops = [n.op_type for n in q.graph.node]
    check(ops.count('Conv') == 3 and 'Relu' not in ops and ops.count('PRelu') == 1,
          'three Convs; the Relu folded into its Conv\'s Q, the PRelu kept float')
    inits = {i.name: numpy_helper.to_array(i) for i in q.graph.initializer}
    check(all(inits[f'c{k}.w_int8'].dtype == np.int8 for k in range(3)), 'weights stored as int8 initializers')
    check(not any(f'c{k}.w' in inits for k in range(3)), 'the float weights are gone')
    check(all(inits[f'c{k}.b_int32'].dtype == np.int32 for k in range(3)), 'biases stored as int32')
    ok = all(np.array_equal(inits[f'c{k}.b_scale'], (np.float32(inits[f'{x}_scale']) * inits[f'c{k}.w_scale']).astype(np.float32))
             for k, x in ((0, 'input'), (1, 'r0'), (2, 'p1')))
    check(ok, 'bias scale = input scale x weight scale, per channel (what QLinearConv assumes)')
    check(float(inits['r0_zero_point']) == 0, 'the folded Relu: its Q range starts at 0')
    io = lambda g: [(v.name, v.type.tensor_type.elem_type) for v in list(g.input) + list(g.output)]  # noqa: E731
    check(io(q.graph) == io(m32.graph), 'graph inputs and outputs unchanged, float32')
    f32 = {i.name: numpy_helper.to_array(i) for i in m32.graph.initializer}
    check(sum(inits[f'c{k}.w_int8'].nbytes for k in range(3)) * 4 == sum(f32[f'c{k}.w'].nbytes for k in range(3)),
          'the weights take a quarter of their float32 bytes')


def test_runtime(q, m32, calib):
    test = samples(4, 99)
    a, b = run_onnxruntime(m32, test), run_onnxruntime(q, test)
    mse = np.mean([np.mean((x['output'] - y['output']) ** 2) for x, y in zip(a, b)])
    p = 10 * np.log10(1 / max(mse, 1e-12))
    check(p > 38, f'int8 output close to float32 on unseen inputs: PSNR {p:.1f} dB > 38')
    with tempfile.TemporaryDirectory() as d:
        opt = os.path.join(d, 'opt.onnx')
        run_onnxruntime(q, test[:1], optimized=opt)
        ops = [n.op_type for n in onnx.load(opt).graph.node]
    check(ops.count('QLinearConv') == 3 and 'Conv' not in ops, f'onnxruntime fuses every Conv into QLinearConv ({ops.count("QLinearConv")} of 3)')
    # a quantizer that lost its calibration (ranges far too narrow) must be caught by the check above
    narrow = quantize_static(m32, ranges={t: (lo / 20, hi / 20) for t, (lo, hi) in calib.items()})
    bad = run_onnxruntime(narrow, test)
    mse = np.mean([np.mean((x['output'] - y['output']) ** 2) for x, y in zip(a, bad)])
    check(10 * np.log10(1 / max(mse, 1e-12)) < 38, 'clipped ranges fail the closeness check (the check has teeth)')


def main():
    m32 = tiny_graph()
    calib = samples(8, 7)
    test_helpers()
    have_ort = shutil.which('node') and os.path.isdir(os.path.join(ROOT, 'node_modules', 'onnxruntime-node'))
    if not have_ort:
        print('skip: node / onnxruntime-node missing (calibration and runtime checks need them)')
        return
    from quantize_int8 import _plan, calibrate
    ranges = calibrate(m32, calib, _plan(m32)[2])
    q = quantize_static(m32, ranges=dict(ranges))
    test_graph(q, m32)
    test_runtime(q, m32, ranges)
    q2 = quantize_static(m32, calib)
    check(q2.SerializeToString() == q.SerializeToString(), 'calibrating inside quantize_static gives the same graph')


if __name__ == '__main__':
    run(main)
