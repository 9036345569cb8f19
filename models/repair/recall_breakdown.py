"""Where the detector's recall goes: recall at the shipped threshold split by the damage's polarity
(lighter or darker than its surroundings), by how much it changed the pixel, and for scratches by width.

    /usr/bin/python3 models/repair/recall_breakdown.py [--crops 60] [--out models/repair/logs/recall-breakdown.json]

Samples: the first --crops bsds500/test photos (held out), centre-cropped to 256, each damaged by the
detector preset with one damage type at a time (evaluate.TYPES' kinds; scratches also in width bands),
a fixed seed per crop and case. Scored pixels are evaluate's (visible damage, a not-scored ring).
Polarity: the damaged pixel's grey level against the mean of the 21 px square round it (what a viewer
compares it with; train.darker_than_surroundings, the rule --dark-weight trains with). Change: the forge's
per-pixel change, in /255.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

import evaluate as E
from common import detector_target
from train import darker_than_surroundings

CASES = {
    'scratch 0.6-1.5 px': ('scratch', {'width': (0.6, 1.5)}),
    'scratch 1.5-3 px': ('scratch', {'width': (1.5, 3.0)}),
    'gouge 3-5 px': ('scratch', {'wide_p': 1.0, 'wide': (3.0, 5.0)}),
    'gouge 5-9 px': ('scratch', {'wide_p': 1.0, 'wide': (5.0, 9.0)}),
    'dust and hairs': ('dust', {}),
    'crack network': ('crack', {}),
    'crease': ('crease', {}),
    'foxing': ('foxing', {}),
    'flaked emulsion': ('flake', {}),
}
CHANGE_BANDS = ((12, 30), (30, 60), (60, 256))  # /255


def breakdown(net, threshold, crops):
    out = {}
    for label, (kind, extra) in CASES.items():
        n = {k: 0 for k in ('all', 'lighter', 'darker', *(f'change {a}-{b}' for a, b in CHANGE_BANDS))}
        hit = dict.fromkeys(n, 0)
        for o in E.one_type_crops(kind, extra, f'breakdown:{label}', crops):
            y = detector_target(o)
            x = o['damaged'].transpose(2, 0, 1).astype(np.float32) / 255.0
            found = E.infer(net, x)[0] >= threshold
            darker = darker_than_surroundings(torch.from_numpy(x)[None])[0, 0].numpy()
            change = o['change'] * 255
            scored = (y[0] > 0.5) & (y[1] > 0.5)
            parts = {'all': scored, 'lighter': scored & ~darker, 'darker': scored & darker}
            parts.update({f'change {a}-{b}': scored & (change > a) & (change <= b) for a, b in CHANGE_BANDS})
            for k, m in parts.items():
                n[k] += int(m.sum())
                hit[k] += int((m & found).sum())
        out[label] = {k: {'recall': hit[k] / max(1, n[k]), 'pixels': n[k]} for k in n}
        print(f'| {label} | ' + ' | '.join(f"{out[label][k]['recall']:.3f} ({n[k]:,})" for k in n) + ' |', flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--crops', type=int, default=60)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(E.HERE, 'logs', 'recall-breakdown.json'))
    ap.add_argument('--ckpt-dir', default=os.path.join(E.HERE, 'checkpoints'), help='where detector.pt is (a fine-tune to compare)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(os.path.join(E.HERE, 'logs', 'eval.json')) as f:
        threshold = json.load(f)['detector']['threshold']
    net = E.load_models('detector', args.ckpt_dir)[0]['fp32']
    cols = ['all', 'lighter', 'darker', *(f'change {a}-{b}/255' for a, b in CHANGE_BANDS)]
    print(f'Recall at threshold {threshold} (scored pixels in brackets)\n\n| damage | ' + ' | '.join(cols) + ' |\n|---|'
          + '---|' * len(cols))
    res = {'threshold': threshold, 'crops': args.crops, 'cases': breakdown(net, threshold, args.crops)}
    with open(args.out, 'w') as f:
        json.dump(res, f, indent=1)


if __name__ == '__main__':
    main()
