"""ONNX helpers the project's export scripts share (repair models, colorization, faces, upscale)."""
from __future__ import annotations

import hashlib
import json
import os

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


def export_onnx(model, x, path, producer, *, out_size=('h', 'w'), out_channels=None):
    """The fp32 export every model folder ships: `model` traced on `x` to opset 17, `input` -> `output`,
    batch and size dynamic (`out_size` names the output's), stamped with `producer`, checked (graph and
    convolutions) and saved to `path`. `out_channels` declares an output channel count the trace lost."""
    import torch  # here, so that the scripts that only edit ONNX files do not need it
    torch.onnx.export(model, x, path, opset_version=17, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'n', 2: 'h', 3: 'w'}, 'output': {0: 'n', 2: out_size[0], 3: out_size[1]}},
                      do_constant_folding=True)
    m = onnx.load(path)
    m.producer_name = producer
    if out_channels:
        m.graph.output[0].type.tensor_type.shape.dim[1].dim_value = out_channels
    onnx.checker.check_model(m)
    check_convs(m)
    onnx.save(m, path)
    return m


def fp16_rounded(net):
    """A copy of the PyTorch `net` with its weights rounded to fp16 and computing in fp32: what the
    .fp16.onnx file (to_fp16_weights) computes, for scoring it without onnxruntime."""
    import copy

    import torch
    n16 = copy.deepcopy(net)
    with torch.no_grad():
        for p in n16.parameters():
            p.copy_(p.half().float())
    return n16


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


FP16_NOTE = ' Weights stored as fp16 (Cast to float32 at load).'


def shipped_pair(p32, p16, *, id, label, task, io, description, license, card, convention=None, fp16_note=FP16_NOTE):
    """The manifest entries (src/stages/*/models.json) of a model shipped as an fp32 file and an
    fp16-weight file: the same fields, the fp16 one with '-fp16' in its id, ' (fp16 weights)' in its
    label and fp16_note after its description. io: the input, output, scale and tile fields."""
    entries = []
    for precision, path in (('fp32', p32), ('fp16', p16)):
        fp16 = precision == 'fp16'
        m = {'id': id + ('-fp16' if fp16 else ''), 'label': label + (' (fp16 weights)' if fp16 else ''), 'task': task,
             'file': os.path.basename(path), 'sha256': sha256(path), 'size': os.path.getsize(path), **io,
             'precision': precision, 'source': {'description': description + (fp16_note if fp16 else '')},
             'license': license, 'card': card}
        if convention:
            m['convention'] = convention
        entries.append(m)
    return entries


# Weights trained here on ../shared/data/photos (repair models, the upscaler): the data's licences.
PHOTOS_LICENSE = ('Weights trained by the Heirloom project (no third-party weights). Training data: '
                  'ImageNet sample images (ImageNet terms, non-commercial research), BSDS500 train+val '
                  '(research and education), Sun-Hays 80 (no ownership claimed); the data licences are '
                  'non-commercial research, so treat the weights as non-commercial research use.')


def write_manifest(path, entries):
    """A stage's models.json (src/stages/*/): the manifest entries, as the app imports them."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(entries, f, indent=2)
        f.write('\n')
    print('wrote', path)
