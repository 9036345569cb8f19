"""ONNX helpers the project's export scripts share (repair models, colorization)."""
from __future__ import annotations

import hashlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def check_convs(m):
    for n in m.graph.node:
        if n.op_type == 'Conv':
            names = {a.name for a in n.attribute}
            missing = {'kernel_shape', 'strides', 'dilations', 'pads'} - names
            assert not missing, f'Conv {n.name} lacks {missing}'
    ops = sorted({n.op_type for n in m.graph.node})
    return ops


def to_fp16_weights(m: onnx.ModelProto) -> onnx.ModelProto:
    """Store float initializers as float16, insert Cast(to=FLOAT) after each; compute stays fp32."""
    m = onnx.ModelProto.FromString(m.SerializeToString())
    g = m.graph
    new_inits, casts = [], []
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT and np.prod(init.dims) >= 16:
            arr = numpy_helper.to_array(init).astype(np.float16)
            h = numpy_helper.from_array(arr, init.name + '__fp16')
            new_inits.append(h)
            casts.append(helper.make_node('Cast', [h.name], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + '__cast'))
        else:
            new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    return m


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        h.update(f.read())
    return h.hexdigest()
