"""The PyTorch port of the face-api recognition net (recognition.py) against onnxruntime-node on real faces.
Run: /usr/bin/python3 models/faces/tests/test_recognition.py (skips without the ONNX file, node or UTKFace)."""
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FACES = os.path.dirname(HERE)
sys.path.insert(0, FACES)
from common import ROOT, load_face, to_tensor, utk_files  # noqa: E402

sys.path.insert(0, os.path.dirname(FACES))  # models/
from script_tests import check, run  # noqa: E402


def test_port_matches_onnxruntime():
    import recognition
    from export import ort_run
    if not os.path.exists(recognition.ONNX_PATH) or shutil.which('node') is None or not utk_files():
        print('skip recognition port: needs build/face-recognition.onnx, node and UTKFace')
        return
    net = recognition.load()
    faces = to_tensor([load_face(f, recognition.INPUT_SIZE) for f in utk_files()[:4]]) * 255.0
    with torch.no_grad():
        desc, feats = net(faces)
    ref, info = ort_run(recognition.ONNX_PATH, faces.numpy())
    diff = float(np.abs(desc.numpy() - ref).max())
    scale = float(np.abs(ref).max())
    check(tuple(desc.shape) == (4, 128) and tuple(ref.shape) == (4, 128), f'128-D descriptors ({tuple(desc.shape)})')
    check(diff < 1e-4 * max(1.0, scale), f'PyTorch port = onnxruntime within 1e-4 (max abs diff {diff:.2e}, |d| up to {scale:.3f})')
    check(set(feats) == set(recognition.TAPS) and all(f.shape[0] == 4 for f in feats.values()), 'every feature tap is returned')
    cos = recognition.cosine(desc[:1], desc[1:]).numpy()
    check(float(cos.max()) < 0.999, f'different people get different descriptors (cosine {cos.round(3)})')
    check(not any(p.requires_grad for p in net.parameters()) and all(not b.requires_grad for b in net.buffers()), 'weights are frozen')
    x = (faces[:1] / 255.0).clone().requires_grad_(True)
    d2, _ = net.faces(torch.nn.functional.interpolate(x, size=128, mode='bilinear', align_corners=False))
    d2.sum().backward()
    check(x.grad is not None and float(x.grad.abs().sum()) > 0, 'gradients reach the input (usable as a loss)')


if __name__ == '__main__':
    torch.set_num_threads(2)
    run(test_port_matches_onnxruntime)
