"""Evaluate the colorization checkpoint on held-out sets against two baselines.

    /usr/bin/python3 models/colorize/evaluate.py [--limit 0] [--size 256]

Held-out sets (never trained on): photos/bsds500/test, eval/kodak24, eval/mcmaster, eval/ffhq-10
(resized to 256) and the 5 % UTKFace hold-out (first 100). Each image is centre-cropped to a
square and resized to --size; the network sees its lightness only (automatic), or lightness plus
10 hint points sampled from the true colours with a fixed per-image seed.
Metrics, per image then averaged: PSNR of a/b against the true a/b (peak 255: a/b span about
[-128, 127]) and colourfulness (Hasler & Suesstrunk 2003, on the sRGB result) as a ratio to the
true image's. Baselines: a constant sepia tint (the a/b of RGB (165, 133, 100), a mid sepia print
tone) and the training set's mean chroma (the colour prior's mean a/b, stored in the checkpoint).
Writes models/colorize/logs/eval.json and prints a markdown table.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from common import DATA, HERE, Exported, build, lab_to_rgb, network_input, rgb_to_lab, sample_hints, utk_heldout

SEPIA_RGB = (165, 133, 100)


def sets():
    utk = sorted(f for f in glob.glob(os.path.join(DATA, 'faces', 'utkface', '*.jpg')) if utk_heldout(os.path.basename(f)))
    return {
        'bsds500-test': sorted(glob.glob(os.path.join(DATA, 'photos', 'bsds500', 'test', '*.jpg'))),
        'kodak24': sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png'))),
        'mcmaster': sorted(glob.glob(os.path.join(DATA, 'eval', 'mcmaster', '*.*'))),
        'ffhq-10': sorted(glob.glob(os.path.join(DATA, 'eval', 'ffhq-10', '*.png'))),
        'utkface-heldout': utk[:100],
    }


def load(path, size):
    im = Image.open(path).convert('RGB')
    w, h = im.size
    s = min(w, h)
    im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1)[None].float() / 255


def colourfulness(rgb):
    """Hasler & Suesstrunk (2003) on sRGB 0..255."""
    r, g, b = (rgb[0, c].numpy() * 255 for c in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return math.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * math.sqrt(rg.mean() ** 2 + yb.mean() ** 2)


def ab_psnr(ab, true_ab):
    mse = ((ab - true_ab) ** 2).mean().item()
    return 10 * math.log10(255 ** 2 / max(mse, 1e-10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(HERE, 'checkpoints', 'colorize.pt'))
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--hints', type=int, default=10)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'eval.json'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = torch.load(args.ckpt, map_location='cpu')
    bins = ck['bins']
    net = build(len(bins['centers']))
    net.load_state_dict(ck['model'])
    model = Exported(net, bins['centers']).eval()
    mean_ab = torch.from_numpy((bins['centers'] * bins['prior'][:, None]).sum(0)).view(1, 2, 1, 1)
    sepia_ab = rgb_to_lab(torch.tensor(SEPIA_RGB).float().view(1, 3, 1, 1) / 255)[:, 1:]
    results = {}
    for name, files in sets().items():
        files = files[:args.limit] if args.limit else files
        acc = {k: {'psnr': [], 'colour_ratio': []} for k in ('model', 'model_hints', 'sepia', 'mean_chroma')}
        for f in files:
            rgb = load(f, args.size)
            lab = rgb_to_lab(rgb)
            true_c = colourfulness(rgb)
            if true_c < 1:  # already grey: no colour to recover
                continue
            rng = np.random.default_rng(zlib.crc32(f'colorize-eval:{os.path.basename(f)}'.encode()))
            hint, mask = sample_hints(lab[0, 1:], rng, p_none=0.0, max_points=args.hints)
            while int((mask > 0).sum()) == 0:
                hint, mask = sample_hints(lab[0, 1:], rng, p_none=0.0, max_points=args.hints)
            with torch.no_grad():
                outs = {
                    'model': model(network_input(lab, torch.zeros(1, 2, *lab.shape[2:]), torch.zeros(1, 1, *lab.shape[2:]))),
                    'model_hints': model(network_input(lab, hint[None], mask[None])),
                    'sepia': sepia_ab.expand(1, 2, *lab.shape[2:]),
                    'mean_chroma': mean_ab.expand(1, 2, *lab.shape[2:]),
                }
            for k, ab in outs.items():
                # the network's a/b is at 1/4 size: bilinear back up (the app's upsampling is edge-aware)
                ab = F.interpolate(ab, size=lab.shape[-2:], mode='bilinear', align_corners=False)
                acc[k]['psnr'].append(ab_psnr(ab, lab[:, 1:]))
                acc[k]['colour_ratio'].append(colourfulness(lab_to_rgb(torch.cat([lab[:, :1], ab], 1))) / true_c)
        results[name] = {k: {m: float(np.mean(v)) for m, v in d.items()} for k, d in acc.items()}
        results[name]['n'] = len(acc['model']['psnr'])
    lines = ['| set | n | model a/b PSNR | with hints | sepia | mean chroma | colourfulness ratio model / hints / sepia / mean |',
             '|---|---|---|---|---|---|---|']
    for s, r in results.items():
        lines.append(f"| {s} | {r['n']} | {r['model']['psnr']:.2f} | {r['model_hints']['psnr']:.2f} | {r['sepia']['psnr']:.2f} | "
                     f"{r['mean_chroma']['psnr']:.2f} | {r['model']['colour_ratio']:.2f} / {r['model_hints']['colour_ratio']:.2f} / "
                     f"{r['sepia']['colour_ratio']:.2f} / {r['mean_chroma']['colour_ratio']:.2f} |")
    table = '\n'.join(lines)
    print(f"step {ck['step']}\n{table}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as fh:
        json.dump({'checkpoint': {'step': ck['step'], 'minutes': round(ck['elapsed'] / 60, 1)}, 'size': args.size,
                   'hints': args.hints, 'sets': results, 'table': table}, fh, indent=1)


if __name__ == '__main__':
    main()
