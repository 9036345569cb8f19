"""Export the face restoration network to ONNX (opset 17) + an fp16-weight variant, and write their
entries in src/stages/face/models.json (the face-api nets' entries there are kept).

    /usr/bin/python3 models/faces/export.py                       # checkpoints/face.pt -> public/models/face/
    /usr/bin/python3 models/faces/export.py --ckpt /tmp/x/checkpoints/face.pt --out /tmp/x/onnx --no-manifest

Convention:
  input  'input'  float32 NCHW [N,3,H,W], RGB (R, G, B order) in [0,1]; trained at 128x128 aligned face
         crops (the app resizes the face crop to 128x128). Dynamic N, H, W: the graph pads H and W
         internally (edge replication) to a multiple of 8 and crops back, so any H, W >= 1 runs.
  output 'output' float32 NCHW [N,3,H,W], restored RGB in [0,1] (clamp(x + residual, 0, 1)).
Files: face-restore.onnx (float32) and face-restore.fp16.onnx (every float initializer stored as
float16 followed by Cast(to=float): half the download, compute and I/O stay float32).
Every Conv carries kernel_shape/strides/dilations/pads (onnxruntime-web's WebGPU needs them; checked).
The outputs are compared against PyTorch with onnxruntime-node (node + models/faces/ort_run.mjs):
fp32 within 1e-4 (max abs), fp16 within 2e-2 of PyTorch; --no-check skips that.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

from common import HERE, ROOT, SIZE, WIDTHS, Exported, load_checkpoint

sys.path.insert(0, os.path.dirname(HERE))
from onnx_tools import check_convs, export_onnx, sha256, shipped_pair, to_fp16_weights  # noqa: E402

ORT_RUN = os.path.join(HERE, 'ort_run.mjs')
LICENSE = ('Weights trained by the Heirloom project (no third-party weights). Training data: UTKFace aligned and '
           'cropped faces (non-commercial research use only), plus ImageNet sample images (ImageNet terms, non-commercial '
           'research), BSDS500 train+val (research and education) and Sun-Hays 80 for texture; treat the weights as '
           'non-commercial research use.')


def export_fp32(net, path, producer='heirloom-face-restore'):
    model = Exported(net).eval()
    x = torch.rand(1, 3, 128, 128)
    # the channel count is lost through the internal pad/crop (a symbolic dim): declare it
    return export_onnx(model, x, path, producer, out_channels=3)


def ort_run(path, x):
    """Runs the ONNX file with onnxruntime-node on x (NCHW float32 numpy) -> (output, info)."""
    with tempfile.TemporaryDirectory() as d:
        xi, yo = os.path.join(d, 'in.f32'), os.path.join(d, 'out.f32')
        np.ascontiguousarray(x, dtype='<f4').tofile(xi)
        r = subprocess.run(['node', ORT_RUN, path, xi, ','.join(map(str, x.shape)), yo],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f'onnxruntime-node failed: {r.stderr[-800:]}')
        info = json.loads(r.stdout.strip().splitlines()[-1])
        return np.fromfile(yo, dtype='<f4').reshape(info['dims']), info


def compare(net, p32, p16, shapes=((1, 3, 128, 128), (1, 3, 100, 76))):
    """Max abs difference ONNX vs PyTorch per file and input shape."""
    g = torch.Generator().manual_seed(0)
    out = {}
    for shape in shapes:
        x = torch.rand(*shape, generator=g)
        with torch.no_grad():
            ref = Exported(net).eval()(x).numpy()
        for tag, p in (('fp32', p32), ('fp16', p16)):
            y, info = ort_run(p, x.numpy())
            assert info['inputs'] == ['input'] and info['outputs'] == ['output'], info
            assert tuple(y.shape) == tuple(ref.shape), (y.shape, ref.shape)
            out[f'{tag} {"x".join(map(str, shape[2:]))}'] = float(np.abs(y - ref).max())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(HERE, 'checkpoints', 'face.pt'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'public', 'models', 'face'))
    ap.add_argument('--no-check', action='store_true', help='skip the onnxruntime-node comparison')
    ap.add_argument('--manifest', default=os.path.join(ROOT, 'src', 'stages', 'face', 'models.json'))
    ap.add_argument('--metrics', default=os.path.join(HERE, 'logs', 'eval.json'), help="evaluate.py's output (its summary goes into the description)")
    ap.add_argument('--no-manifest', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(2)

    net, ck = load_checkpoint(args.ckpt)
    os.makedirs(args.out, exist_ok=True)
    p32 = os.path.join(args.out, 'face-restore.onnx')
    p16 = os.path.join(args.out, 'face-restore.fp16.onnx')
    m32 = export_fp32(net, p32)
    m16 = to_fp16_weights(m32)
    check_convs(m16)
    onnx.save(m16, p16)
    nparams = sum(p.numel() for p in net.parameters())
    print(f'face-restore: {nparams} params, checkpoint step {ck["step"]} ({ck["elapsed"] / 60:.1f} min), '
          f'ops {check_convs(m32)}')
    for p in (p32, p16):
        rel = os.path.relpath(p, ROOT)
        print(f'{p if rel.startswith("..") else rel}: {os.path.getsize(p)} B, sha256 {sha256(p)}')
    if not args.no_check:
        diffs = compare(net, p32, p16)
        for k, v in diffs.items():
            print(f'onnxruntime-node vs PyTorch, {k}: max abs diff {v:.2e}')
        bad = [k for k, v in diffs.items() if v > (1e-4 if k.startswith('fp32') else 2e-2)]
        if bad:
            sys.exit(f'ONNX output differs from PyTorch: {bad}')
        print('ONNX matches PyTorch (fp32 within 1e-4, fp16 within 2e-2)')
    if not args.no_manifest:
        write_manifest(args.manifest, ck, nparams, p32, p16, args.metrics)


def write_manifest(path, ck, nparams, p32, p16, metrics):
    summary = ''
    if os.path.exists(metrics):
        summary = ' ' + json.load(open(metrics)).get('summary', '')
    a = ck.get('args', {})
    desc = (f'Heirloom face restoration U-Net (widths {list(WIDTHS)}, {nparams} params, residual on the input), '
            f'trained by the Heirloom project on UTKFace faces degraded by the face forge, with general photos for texture '
            f'({ck["step"]} steps of batch '
            f'{a.get("batch", 16)} x {a.get("patch", SIZE)} px on 2 CPU cores). Input: the face aligned to the UTKFace '
            f'template at {SIZE}x{SIZE}, RGB [0,1]; output the restored face, RGB [0,1].' + summary.rstrip())
    ours = shipped_pair(p32, p16, id='heirloom-face', label='Heirloom face restorer', task='face', io={
        'input': {'name': 'input', 'layout': 'NCHW', 'channels': 3, 'range': [0, 1]},
        'output': {'name': 'output', 'layout': 'NCHW', 'channels': 3, 'range': [0, 1]},
        'scale': 1, 'tile': {'size': SIZE, 'overlap': 0},
    }, description=desc, license=LICENSE, card='models/cards/face.md', convention='heirloom-face')
    kept = [m for m in json.load(open(path)) if m.get('task') != 'face'] if os.path.exists(path) else []
    with open(path, 'w') as f:
        json.dump(kept + ours, f, indent=2)
        f.write('\n')
    print('wrote', os.path.relpath(path, ROOT))


if __name__ == '__main__':
    main()
