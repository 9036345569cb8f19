"""Export the colorization network to ONNX (opset 17) + an fp16-weight file, and write the manifest.

    /usr/bin/python3 models/colorize/export.py            # checkpoint -> public/models/colorize, models.json
    /usr/bin/python3 models/colorize/export.py --out /tmp/x --no-manifest

Convention 'heirloom-lab-hints' (src/stages/colorize/conventions.ts):
  input  'input'  float32 [1,4,H,W]: L/100 - 0.5, hint a/110, hint b/110, hint mask (1 = hinted);
         any H, W (the graph pads to a multiple of 8 with edge replication); the app uses multiples of 4.
  output 'output' float32 [1,2,ceil(H/4),ceil(W/4)]: a/b in Lab units, the annealed mean of the
         colour-bin distribution at the temperature stored in the checkpoint's export settings
         (--temperature overrides).
The fp16 file stores weights as float16 with a Cast to float32 (compute stays float32).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import onnx
import torch

from common import HERE, OUT_STRIDE, ROOT, TEMPERATURE, WIDTHS, Exported, build

sys.path.insert(0, os.path.dirname(HERE))
from onnx_tools import check_convs, export_onnx, shipped_pair, to_fp16_weights, write_manifest  # noqa: E402

LICENSE = ('Weights trained by the Heirloom project (no third-party weights). Training data: ImageNet sample images '
           '(ImageNet terms, non-commercial research), BSDS500 train+val (research and education), Sun-Hays 80 '
           '(no ownership claimed), 300 UTKFace faces (non-commercial research); treat the weights as '
           'non-commercial research use.')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(HERE, 'checkpoints', 'colorize.pt'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'public', 'models', 'colorize'))
    ap.add_argument('--manifest', default=os.path.join(ROOT, 'src', 'stages', 'colorize', 'models.json'))
    ap.add_argument('--no-manifest', action='store_true')
    ap.add_argument('--temperature', type=float, default=None, help='default: logs/temperature.json, else %s' % TEMPERATURE)
    ap.add_argument('--metrics', default=os.path.join(HERE, 'logs', 'eval.json'))
    args = ap.parse_args()
    t_path = os.path.join(HERE, 'logs', 'temperature.json')
    temperature = args.temperature or (json.load(open(t_path))['temperature'] if os.path.exists(t_path) else TEMPERATURE)

    ck = torch.load(args.ckpt, map_location='cpu')
    bins = ck['bins']
    net = build(len(bins['centers']))
    net.load_state_dict(ck['model'])
    model = Exported(net, bins['centers'], temperature).eval()
    os.makedirs(args.out, exist_ok=True)
    p32 = os.path.join(args.out, 'colorize.onnx')
    x = torch.rand(1, 4, 64, 96) - 0.5
    m32 = export_onnx(model, x, p32, 'heirloom-colorize', out_size=('h4', 'w4'))
    p16 = os.path.join(args.out, 'colorize.fp16.onnx')
    onnx.save(to_fp16_weights(m32), p16)
    print(f'colorize: fp32 {os.path.getsize(p32)} B, fp16 {os.path.getsize(p16)} B, T {temperature}, ops {check_convs(m32)}')

    nparams = sum(p.numel() for p in net.parameters())
    a = ck['args']
    summary = ''
    if os.path.exists(args.metrics):
        summary = ' ' + json.load(open(args.metrics)).get('summary', '')
    desc = (f'Heirloom colorization U-Net (widths {list(WIDTHS)}, {nparams} params) predicting a distribution over '
            f'{len(bins["centers"])} a/b colour bins at 1/{OUT_STRIDE} resolution; output is its annealed mean at '
            f'T = {temperature}. Trained by the Heirloom project ({ck["step"]} steps of batch {a["batch"]} x '
            f'{a["patch"]} px crops on 2 CPU cores). Input: L/100 - 0.5 and optional colour hints (a/110, b/110, mask).'
            + summary.rstrip())
    manifests = shipped_pair(p32, p16, id='heirloom-colorize', label='Heirloom colorizer', task='colorize', io={
        'input': {'name': 'input', 'layout': 'NCHW', 'channels': 4, 'range': [-0.5, 0.5]},
        'output': {'name': 'output', 'layout': 'NCHW', 'channels': 2, 'range': [-110, 110]},
        'scale': 1 / OUT_STRIDE, 'tile': {'size': 512, 'overlap': 0},
    }, description=desc, license=LICENSE, card='models/cards/colorize.md', convention='heirloom-lab-hints')
    if not args.no_manifest:
        write_manifest(args.manifest, manifests)


if __name__ == '__main__':
    main()
