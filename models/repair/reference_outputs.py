"""Save deterministic reference inputs/outputs of the repair models for the Node ONNX test.

    /usr/bin/python3 models/repair/reference_outputs.py [--ckpt-dir models/repair/checkpoints]

Writes models/repair/tests/reference/<model>.json:
{
  "model": "detector", "file": "public/models/repair/detector.fp16.onnx",
  "inputName": "input", "outputName": "output", "tolerance": 5e-4,
  "cases": [ { "seed": 1, "inputDims": [1,3,32,48], "input": "<base64 float32 LE>",
               "outputDims": [1,1,32,48], "output": "<base64 float32 LE>",
               "outputFp32": "<base64 float32 LE>" }, ... ]
}
"output" is the PyTorch result with the weights rounded to fp16 (exactly what the shipped
.fp16.onnx stores; compute in float32), so the ONNX file must match it within "tolerance" (max abs, 5e-4; 1/255 = 3.9e-3).
"outputFp32" is the fp32-weight PyTorch result (for reference; differs from "output" by ~1e-3).
Cases: 32x48 (multiple of 16) and 21x35 (exercises the internal edge padding + crop).
Inputs: uniform [0,1) from numpy default_rng(seed); the inpaint mask channel is binary.
"""
import argparse
import base64
import json
import os
import sys

import numpy as np
import torch

from common import HERE, ROOT, Exported, box_downscale, hole_hint, load_net, refine_tears

sys.path.insert(0, os.path.join(ROOT, 'models'))
from onnx_tools import fp16_rounded  # noqa: E402

CIN = {'detector': 3, 'inpaint': 4, 'denoise': 3, 'tears': 3}


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype='<f4').tobytes()).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt-dir', default=os.path.join(HERE, 'checkpoints'))
    ap.add_argument('--out', default=os.path.join(HERE, 'tests', 'reference'))
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for i, name in enumerate(('detector', 'inpaint', 'denoise', 'tears')):
        net, _ = load_net(name, args.ckpt_dir)
        m32, m16 = Exported(name, net).eval(), Exported(name, fp16_rounded(net)).eval()
        cases = []
        for j, (h, w) in enumerate(((32, 48), (21, 35))):
            seed = 100 * (i + 1) + j
            x = np.random.default_rng(seed).random((1, CIN[name], h, w)).astype(np.float32)
            if name == 'inpaint':
                x[:, 3] = (x[:, 3] > 0.7).astype(np.float32)
            with torch.no_grad():
                y16 = m16(torch.from_numpy(x)).numpy()
                y32 = m32(torch.from_numpy(x)).numpy()
            cases.append({'seed': seed, 'inputDims': list(x.shape), 'input': b64(x),
                          'outputDims': list(y16.shape), 'output': b64(y16), 'outputFp32': b64(y32)})
        ref = {'model': name, 'file': f'public/models/repair/{name}.fp16.onnx', 'inputName': 'input',
               'outputName': 'output', 'tolerance': 5e-4, 'cases': cases}
        p = os.path.join(args.out, f'{name}.json')
        with open(p, 'w') as f:
            json.dump(ref, f)
        print(p, os.path.getsize(p))
    refine_reference(os.path.join(args.out, 'refine-tears.json'))
    hint_reference(os.path.join(args.out, 'hole-hint.json'))


def refine_reference(path):
    """common.refine_tears on a synthetic photo (smooth colours, a paper-white torn corner, a flat
    white patch too small to be a tear), for tests/unit/repair-tears.test.ts: the app's refineTears
    must give the same mask, pixel for pixel."""
    rng = np.random.default_rng(7)
    h, w, f = 61, 83, 3
    yy, xx = np.mgrid[:h, :w]
    img = np.stack([60 + 80 * np.sin(xx / 9.0), 90 + 60 * np.cos(yy / 7.0), 120 + 40 * np.sin((xx + yy) / 11.0)], 2)
    img += rng.normal(0, 6, img.shape)
    torn = (xx + yy + 4 * np.sin(yy / 2.0) + 5 * rng.random((h, w))) < 48  # ragged corner
    img[torn] = [236, 228, 205] + rng.normal(0, 3, (int(torn.sum()), 3))
    img[40:44, 60:64] = 240
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    small = box_downscale(img, f)
    coarse = box_downscale(np.repeat(torn[..., None] * 255, 3, 2).astype(np.uint8), f)[..., 0] >= 128  # as a net would
    coarse[13:15, 20:22] = True  # the white patch: a 2x2 region has no deep cell, so it is dropped
    want = refine_tears(img, small, coarse, f)
    ref = {'width': w, 'height': h, 'factor': f, 'coarseWidth': coarse.shape[1], 'coarseHeight': coarse.shape[0],
           'image': base64.b64encode(img.tobytes()).decode(), 'coarse': base64.b64encode(coarse.astype(np.uint8).tobytes()).decode(),
           'mask': base64.b64encode(want.astype(np.uint8).tobytes()).decode(), 'torn': int(torn.sum()), 'marked': int(want.sum())}
    with open(path, 'w') as fh:
        json.dump(ref, fh)
    print(path, 'torn', ref['torn'], 'marked', ref['marked'], 'agree', int((want == torn).sum()), 'of', h * w)


def hint_reference(path):
    """common.hole_hint on a synthetic photo with a large torn corner and a small hole, shrunk 5x with
    partial blocks (83x61, long side 17), for tests/unit/hole-hint.test.ts: the app's holeHint must
    give the same hint within float32 rounding."""
    rng = np.random.default_rng(11)
    h, w, long_side = 61, 83, 17
    yy, xx = np.mgrid[:h, :w]
    img = np.stack([40 + 150 * xx / w, 200 - 120 * yy / h, 90 + 60 * np.sin((xx + yy) / 13.0)], 2) + rng.normal(0, 8, (h, w, 3))
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    hole = ((w - xx) + (h - yy) < 70) | ((xx - 20) ** 2 + (yy - 15) ** 2 < 16)
    hint = hole_hint(img.astype(np.float32) / 255.0, (~hole).astype(np.float32), long_side)
    ref = {'width': w, 'height': h, 'longSide': long_side, 'image': base64.b64encode(img.tobytes()).decode(),
           'hole': base64.b64encode(hole.astype(np.uint8).tobytes()).decode(), 'hint': b64(hint.transpose(2, 0, 1)), 'tolerance': 1e-4}
    with open(path, 'w') as fh:
        json.dump(ref, fh)
    print(path, 'hole', int(hole.sum()), 'of', h * w)


if __name__ == '__main__':
    main()
