"""face-api.js FaceRecognitionNet in PyTorch, frozen: the feature and identity losses of train_gan.py.

The weights and the wiring are read from the converted ONNX file (models/faces/build/face-recognition.onnx,
built by convert-faceapi.mjs) with the `onnx` package, and the graph's few op types are executed with
torch ops, so the port is the same net onnxruntime runs (tests/test_recognition.py compares them) and
gradients flow through it to the restorer.

    net = load()                      # frozen, eval mode
    desc, feats = net(x255)           # x255: NCHW RGB in [0, 255] at 150x150 -> [N,128], {tap: map}
    desc, feats = net.faces(x01)      # x01: aligned 128 faces in [0, 1] (resized to 150 here)
"""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ONNX_PATH = os.path.join(HERE, 'build', 'face-recognition.onnx')
INPUT_SIZE = 150
# The last block of each resolution (75/2 -> 36, 17, 8, 4 px): low taps carry texture, high ones the face's parts.
TAPS = ('conv32_3/out', 'conv64_3/out', 'conv128_2/out', 'conv256_2/out')


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class RecognitionNet(nn.Module):
    def __init__(self, path=ONNX_PATH, taps=TAPS):
        super().__init__()
        import onnx
        from onnx import numpy_helper
        model = onnx.load(path)
        g = model.graph
        self.input_name, self.output_name = g.input[0].name, g.output[0].name
        self.taps = tuple(taps)
        self._names = {}
        for i, init in enumerate(g.initializer):
            key = f'w{i}'
            self._names[init.name] = key
            w = np.array(numpy_helper.to_array(init))
            # float16 weights (the half-size copy a GPU lease carries, pack_faces.py --with-nets) compute in float32
            self.register_buffer(key, torch.from_numpy(w.astype(np.float32) if w.dtype == np.float16 else w))
        self.nodes = [(n.op_type, list(n.input), list(n.output), _attrs(n)) for n in g.node]
        known = {'Sub', 'Div', 'Conv', 'Relu', 'MaxPool', 'AveragePool', 'Add', 'Pad', 'GlobalAveragePool', 'Flatten', 'MatMul'}
        unknown = {op for op, *_ in self.nodes} - known
        if unknown:
            raise ValueError(f'{path}: ops not ported: {sorted(unknown)}')
        missing = set(self.taps) - {o for _, _, outs, _ in self.nodes for o in outs}
        if missing:
            raise ValueError(f'{path}: no tensors named {sorted(missing)}')
        self.requires_grad_(False)
        self.eval()

    def _value(self, env, name):
        return env[name] if name in env else getattr(self, self._names[name])

    def forward(self, x255, stop_after_taps=False):
        """x255: NCHW RGB in [0,255], 150x150 -> (descriptor [N,128] or None, {tap: feature map})."""
        env, feats = {self.input_name: x255}, {}
        for op, ins, outs, a in self.nodes:
            v = [self._value(env, n) for n in ins]
            if op == 'Sub':
                y = v[0] - v[1]
            elif op == 'Div':
                y = v[0] / v[1]
            elif op == 'Add':
                y = v[0] + v[1]
            elif op == 'Relu':
                y = F.relu(v[0])
            elif op == 'Conv':
                p = a.get('pads', [0, 0, 0, 0])
                assert p[0] == p[2] and p[1] == p[3], 'asymmetric conv pads'
                y = F.conv2d(v[0], v[1], v[2] if len(v) > 2 else None, stride=a['strides'], padding=(p[0], p[1]),
                             dilation=a.get('dilations', [1, 1]), groups=a.get('group', 1))
            elif op == 'MaxPool':
                assert not any(a.get('pads', [0])) and not a.get('ceil_mode', 0)
                y = F.max_pool2d(v[0], a['kernel_shape'], a['strides'])
            elif op == 'AveragePool':
                assert not any(a.get('pads', [0])) and not a.get('ceil_mode', 0)
                y = F.avg_pool2d(v[0], a['kernel_shape'], a['strides'])
            elif op == 'Pad':
                pads = [int(t) for t in v[1].tolist()]  # ONNX: begins of every axis, then ends
                r = len(pads) // 2
                torch_pads = []
                for axis in reversed(range(r)):  # F.pad: last axis first, (begin, end) pairs
                    torch_pads += [pads[axis], pads[axis + r]]
                y = F.pad(v[0], torch_pads, mode='constant', value=0.0)
            elif op == 'GlobalAveragePool':
                y = v[0].mean((2, 3), keepdim=True)
            elif op == 'Flatten':
                y = v[0].flatten(a.get('axis', 1))
            else:  # MatMul
                y = v[0] @ v[1]
            env[outs[0]] = y
            if outs[0] in self.taps:
                feats[outs[0]] = y
                if stop_after_taps and len(feats) == len(self.taps):
                    return None, feats
        return env[self.output_name], feats

    def faces(self, x01, stop_after_taps=False):
        """Aligned faces (UTKFace framing, RGB [0,1], any square size) -> forward() at 150x150. On this
        framing the app's recognition crop (landmarks.ts alignedFaceBox) is nearly the whole square, so the
        whole face is resized; identity.mjs measures with the landmark crop."""
        x = F.interpolate(x01, size=(INPUT_SIZE, INPUT_SIZE), mode='bilinear', align_corners=False)
        return self(x * 255.0, stop_after_taps)


def load(path=ONNX_PATH):
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path} is missing: run node models/faces/convert-faceapi.mjs')
    return RecognitionNet(path)


def cosine(a, b):
    return F.cosine_similarity(a, b, dim=1)
