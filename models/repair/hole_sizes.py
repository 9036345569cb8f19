"""Hole PSNR by hole size: how well the inpainting fills torn corners and missing patches of
1-15 % of the photo (issue: "large holes filled, not smeared").

    /usr/bin/python3 models/repair/hole_sizes.py [--limit 24] [--crop 256]

Held-out photos (eval/kodak24, bsds500/test), centre-cropped to --crop. Two hole shapes, each
grown to a target share of the crop: a torn piece from the border (the forge's ragged polygon)
and a missing patch inside the photo (a ragged ellipse). PSNR and SSIM inside the hole for the
shipped inpainting network (as exported), OpenCV Telea (radius 5) and the network's push-pull
prefill alone. Writes models/repair/logs/hole-sizes.json and prints a markdown table.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import zlib

import numpy as np
import torch
from PIL import Image, ImageDraw

from common import DATA, HERE, load_image
from evaluate import center_crop, infer, load_models, psnr, pushpull, ssim_map, telea

sys.path.insert(0, os.path.join(HERE, '..', 'forge'))
from forge import _ragged_polygon_from_edge  # noqa: E402  (the forge's torn-piece shape)

SHARES = (0.01, 0.05, 0.10, 0.15)
TELEA_RADIUS = 5


def polygon_mask(h, w, pts):
    im = Image.new('L', (w, h), 0)
    ImageDraw.Draw(im).polygon(pts, fill=255)
    return np.asarray(im) > 127


def torn(h, w, rng, size):
    return polygon_mask(h, w, _ragged_polygon_from_edge(rng, h, w, size))


def patch(h, w, rng, size):
    cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
    r = size * min(h, w)
    aspect = rng.uniform(0.6, 1.6)
    a = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    rad = r * (1 + np.convolve(rng.normal(0, 0.25, 48), np.ones(5) / 5, 'same'))
    return polygon_mask(h, w, [(cx + q * math.cos(t) * aspect, cy + q * math.sin(t) / aspect) for t, q in zip(a, rad)])


def grown(shape, h, w, share, seed):
    """The shape with its size parameter searched so the hole covers about `share` of the crop."""
    lo, hi = 0.01, 1.5
    for _ in range(14):
        mid = (lo + hi) / 2
        m = shape(h, w, np.random.default_rng(seed), mid)
        lo, hi = (mid, hi) if m.mean() < share else (lo, mid)
    return shape(h, w, np.random.default_rng(seed), (lo + hi) / 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=24)
    ap.add_argument('--crop', type=int, default=256)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'hole-sizes.json'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    models, ck = load_models('inpaint', os.path.join(HERE, 'checkpoints'))
    files = (sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[:args.limit // 2]
             + sorted(glob.glob(os.path.join(DATA, 'photos', 'bsds500', 'test', '*.jpg')))[:args.limit - args.limit // 2])
    crops = [c for c in (center_crop(load_image(f, short=10 ** 6), args.crop) for f in files) if c is not None]
    res = {}
    for sname, shape in (('torn from the border', torn), ('missing patch inside', patch)):
        for share in SHARES:
            acc = {k: [] for k in ('model', 'telea', 'pushpull')}
            shares = []
            for i, c in enumerate(crops):
                y = c.transpose(2, 0, 1).astype(np.float32) / 255.0
                m = grown(shape, c.shape[0], c.shape[1], share, zlib.crc32(f'hole:{sname}:{share}:{i}'.encode()))
                shares.append(float(m.mean()))
                mf = m.astype(np.float32)
                x = np.concatenate([y * (1 - mf), mf[None]], 0)
                outs = {'model': infer(models['fp32'], x), 'telea': telea(x, TELEA_RADIUS), 'pushpull': pushpull(x)}
                for k, o in outs.items():
                    acc[k].append((psnr(o, y, x[3:4]), float((ssim_map(o, y) * m).sum() / max(1, m.sum()))))
            res[f'{sname} {int(share * 100)} %'] = {
                'n': len(crops), 'hole_share': float(np.mean(shares)),
                **{k: {'psnr_hole': float(np.mean([a for a, _ in v])), 'ssim_hole': float(np.mean([b for _, b in v]))} for k, v in acc.items()}}
            print(sname, share, {k: round(v['psnr_hole'], 2) for k, v in res[f'{sname} {int(share * 100)} %'].items() if isinstance(v, dict)}, flush=True)
    lines = ['| hole | share of the crop | model PSNR / SSIM | Telea PSNR / SSIM | push-pull PSNR / SSIM | model - Telea |', '|---|---|---|---|---|---|']
    for k, r in res.items():
        f = lambda v: f"{v['psnr_hole']:.2f} / {v['ssim_hole']:.3f}"  # noqa: E731
        lines.append(f"| {k} | {100 * r['hole_share']:.1f} % | {f(r['model'])} | {f(r['telea'])} | {f(r['pushpull'])} | {r['model']['psnr_hole'] - r['telea']['psnr_hole']:+.2f} dB |")
    table = '\n'.join(lines)
    print(table)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump({'checkpoint': {'step': ck['step']}, 'crop': args.crop, 'telea_radius': TELEA_RADIUS, 'rows': res, 'table': table}, f, indent=1)


if __name__ == '__main__':
    main()
