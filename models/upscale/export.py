"""Export Heirloom's super-resolution checkpoints to ONNX (opset 17) + fp16-weight files + static
int8 files (quantize.py: calibrated with onnxruntime-node, so node must be there) and write
their manifest (src/stages/upscale/heirloom-models.json; the converted ESRGAN files keep their own
models.json, written by models/build.mjs).

    /usr/bin/python3 models/upscale/export.py
    /usr/bin/python3 models/upscale/export.py --ckpt-dir /tmp/x/checkpoints --out /tmp/x/onnx --no-manifest

Convention: input 'input' float32 NCHW [1,3,H,W] RGB in [0,1], any H and W; output 'output'
[1,3,sH,sW] RGB in [0,1] (clipped in the graph).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import onnx
import torch

from common import HERE, ROOT, Exported, describe_arch, describe_steps, load_net, receptive_field, training_time

sys.path.insert(0, os.path.dirname(HERE))
from onnx_tools import PHOTOS_LICENSE, export_onnx, shipped_pair, to_fp16_weights, write_manifest  # noqa: E402

LICENSE = PHOTOS_LICENSE  # the same photos as the repair models
SCALES = (2, 4)


def export(scale, ckpt_dir, out_dir, metrics):
    ck = torch.load(os.path.join(ckpt_dir, f'sr-x{scale}.pt'), map_location='cpu')
    net = load_net(ck)
    model = Exported(net.eval()).eval()
    p32 = os.path.join(out_dir, f'heirloom-sr-x{scale}.onnx')
    m32 = export_onnx(model, torch.rand(1, 3, 48, 64), p32, 'heirloom-sr')
    p16 = p32.replace('.onnx', '.fp16.onnx')
    onnx.save(to_fp16_weights(m32), p16)
    nparams = sum(p.numel() for p in net.parameters())
    desc = (f'Heirloom compact super-resolution x{scale} ({describe_arch(ck["arch"], scale)}; {nparams} params), '
            f'trained by the Heirloom project on photos degraded twice by the forge (blur, resize, grain, halftone, JPEG) '
            f'(steps x batch: {describe_steps(ck)}; {training_time(ck)}). '
            'Input RGB in [0,1]; output RGB in [0,1].')
    if metrics.get(f'x{scale}', {}).get('summary'):
        desc += ' ' + metrics[f'x{scale}']['summary']
    print(f'x{scale}: fp32 {os.path.getsize(p32)} B, fp16 {os.path.getsize(p16)} B')
    return shipped_pair(p32, p16, id=f'heirloom-sr-x{scale}', label=f'Heirloom SR ×{scale}', task='upscale', io={
        'input': {'name': 'input', 'layout': 'NCHW', 'channels': 3, 'range': [0, 1]},
        'output': {'name': 'output', 'layout': 'NCHW', 'channels': 3, 'range': [0, 1]},
        # the overlap covers the receptive field, so tiles join without seams
        'scale': scale, 'tile': {'size': 192, 'overlap': 8 * -(-receptive_field(ck['arch']) // 8)},
    }, description=desc, license=LICENSE, card='models/cards/heirloom-sr.md')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt-dir', default=os.path.join(HERE, 'checkpoints'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'public', 'models', 'upscale'))
    ap.add_argument('--manifest', default=os.path.join(ROOT, 'src', 'stages', 'upscale', 'heirloom-models.json'))
    ap.add_argument('--no-manifest', action='store_true')
    ap.add_argument('--no-int8', action='store_true', help='skip the int8 files (and their manifest entries)')
    ap.add_argument('--metrics', default=os.path.join(HERE, 'logs', 'eval.json'))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    metrics = json.load(open(args.metrics)) if os.path.exists(args.metrics) else {}
    manifests = [e for s in SCALES for e in export(s, args.ckpt_dir, args.out, metrics)]
    if not args.no_int8:
        from quantize import with_int8
        manifests = with_int8(manifests, args.out, args.out)
    if not args.no_manifest:
        write_manifest(args.manifest, manifests)


if __name__ == '__main__':
    main()
