"""Evaluate the colorization checkpoint on held-out sets against two baselines.

    /usr/bin/python3 models/colorize/evaluate.py [--limit 0] [--size 256]

Held-out sets (never trained on): photos/bsds500/test, eval/kodak24, eval/mcmaster, eval/ffhq-10
(resized to 256) and the 5 % UTKFace hold-out (first 100). Each image is centre-cropped to a
square and resized to --size; the network sees its lightness only (automatic), or lightness plus
10 hints (1-3 px squares of the true mean colour at points drawn with a fixed per-image seed).
With hints two figures: the network alone, and what the app does (the network, then each hint
spread over similar lightness: common.spread_hints, the same algorithm as spread-hints.ts).

    --choose-temperature: instead, sweeps the annealing temperature on the validation split of the
    training images (never the held-out sets) and writes logs/temperature.json: the most colourful
    T whose validation a/b PSNR is within 0.25 dB of the best T's (export.py reads it).
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
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from common import (DATA, HERE, OUT_STRIDE, TEMPERATURE, Exported, build, lab_to_rgb, network_input, rgb_to_lab, spread_hints,
                    train_files, utk_heldout)

sys.path.insert(0, os.path.join(HERE, '..'))  # models/
from onnx_tools import fp16_rounded  # noqa: E402

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


def eval_hints(ab, rng, n=10):
    """n hints from the true a/b (2HW): network planes (hint, mask) and the app's spread list."""
    _, h, w = ab.shape
    hint, mask, spread = torch.zeros_like(ab), torch.zeros(1, h, w), []
    for _ in range(n):
        s = int(rng.integers(1, 4))
        y, x = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
        colour = ab[:, y:y + s, x:x + s].mean((1, 2))
        hint[:, y:y + s, x:x + s] = colour[:, None, None]
        mask[:, y:y + s, x:x + s] = 1
        spread.append((((y + s / 2) / h, (x + s / 2) / w), (float(colour[0]), float(colour[1]))))
    return hint, mask, spread


def ab_psnr(ab, true_ab):
    mse = ((ab - true_ab) ** 2).mean().item()
    return 10 * math.log10(255 ** 2 / max(mse, 1e-10))


def load_model(path, temperature):
    ck = torch.load(path, map_location='cpu')
    bins = ck['bins']
    net = build(len(bins['centers']))
    net.load_state_dict(ck['model'])
    return ck, Exported(net, bins['centers'], temperature).eval()


def choose_temperature(args):
    """Validation split of the training images (train.py's: every 50th file), centre crops."""
    ck, model = load_model(args.ckpt, 1.0)
    files = train_files(include_faces=True, n_faces=ck['args'].get('faces', 300))[::50]
    grid = (0.3, 0.38, 0.45, 0.55, 0.7, 0.85, 1.0)
    acc = {t: {'psnr': [], 'colour_ratio': []} for t in grid}
    for f in files:
        rgb = load(f, args.size)
        lab = rgb_to_lab(rgb)
        true_c = colourfulness(rgb)
        if true_c < 1:
            continue
        with torch.no_grad():
            logits = model.net(network_input(lab, torch.zeros(1, 2, *lab.shape[2:]), torch.zeros(1, 1, *lab.shape[2:])))
        for t in grid:
            ab = F.conv2d(torch.softmax(logits / t, 1), model.centers)
            ab = F.interpolate(ab, size=lab.shape[-2:], mode='bilinear', align_corners=False)
            acc[t]['psnr'].append(ab_psnr(ab, lab[:, 1:]))
            acc[t]['colour_ratio'].append(colourfulness(lab_to_rgb(torch.cat([lab[:, :1], ab], 1))) / true_c)
    table = {t: {k: float(np.mean(v)) for k, v in d.items()} for t, d in acc.items()}
    best = max(r['psnr'] for r in table.values())
    ok = [t for t, r in table.items() if r['psnr'] >= best - 0.25]
    chosen = max(ok, key=lambda t: table[t]['colour_ratio'])
    for t, r in table.items():
        print(f"T {t}: a/b PSNR {r['psnr']:.2f}, colourfulness ratio {r['colour_ratio']:.2f}{'  <- chosen' if t == chosen else ''}")
    with open(os.path.join(HERE, 'logs', 'temperature.json'), 'w') as fh:
        json.dump({'temperature': chosen, 'rule': 'most colourful T within 0.25 dB of the best validation a/b PSNR',
                   'step': ck['step'], 'validation_images': len(acc[grid[0]]['psnr']),
                   'sweep': {str(t): r for t, r in table.items()}}, fh, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(HERE, 'checkpoints', 'colorize.pt'))
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--hints', type=int, default=10)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--temperature', type=float, default=None, help='default: logs/temperature.json, else %s' % TEMPERATURE)
    ap.add_argument('--choose-temperature', action='store_true')
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'eval.json'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.choose_temperature:
        return choose_temperature(args)
    t_path = os.path.join(HERE, 'logs', 'temperature.json')
    temperature = args.temperature or (json.load(open(t_path))['temperature'] if os.path.exists(t_path) else TEMPERATURE)
    ck, model = load_model(args.ckpt, temperature)
    bins = ck['bins']
    mean_ab = torch.from_numpy((bins['centers'] * bins['prior'][:, None]).sum(0)).view(1, 2, 1, 1)
    sepia_ab = rgb_to_lab(torch.tensor(SEPIA_RGB).float().view(1, 3, 1, 1) / 255)[:, 1:]
    # what the .fp16.onnx file computes: the same graph with weights rounded to fp16
    model16 = fp16_rounded(model)
    kinds = ('model', 'model_fp16', 'model_hints_net', 'model_hints', 'sepia', 'mean_chroma')
    results = {}
    for name, files in sets().items():
        files = files[:args.limit] if args.limit else files
        acc = {k: {'psnr': [], 'colour_ratio': []} for k in kinds}
        for f in files:
            rgb = load(f, args.size)
            lab = rgb_to_lab(rgb)
            true_c = colourfulness(rgb)
            if true_c < 1:  # already grey: no colour to recover
                continue
            rng = np.random.default_rng(zlib.crc32(f'colorize-eval:{os.path.basename(f)}'.encode()))
            hint, mask, spread = eval_hints(lab[0, 1:], rng, args.hints)
            zeros = torch.zeros(1, 1, *lab.shape[2:])
            with torch.no_grad():
                auto = model(network_input(lab, torch.cat([zeros, zeros], 1), zeros))
                auto16 = model16(network_input(lab, torch.cat([zeros, zeros], 1), zeros))
                hinted = model(network_input(lab, hint[None], mask[None]))
            # the app spreads hints at the network's output size, guided by lightness at that size
            L_low = F.avg_pool2d(lab[:, :1], OUT_STRIDE, ceil_mode=True)[0, 0].numpy()
            spread_ab = torch.from_numpy(spread_hints(hinted[0].numpy().astype(np.float64), L_low, spread)).float()[None]
            outs = {'model': auto, 'model_fp16': auto16, 'model_hints_net': hinted, 'model_hints': spread_ab,
                    'sepia': sepia_ab.expand(1, 2, *lab.shape[2:]), 'mean_chroma': mean_ab.expand(1, 2, *lab.shape[2:])}
            for k, ab in outs.items():
                # the network's a/b is at 1/4 size: bilinear back up (the app's upsampling is edge-aware)
                ab = F.interpolate(ab, size=lab.shape[-2:], mode='bilinear', align_corners=False)
                acc[k]['psnr'].append(ab_psnr(ab, lab[:, 1:]))
                acc[k]['colour_ratio'].append(colourfulness(lab_to_rgb(torch.cat([lab[:, :1], ab], 1))) / true_c)
        results[name] = {k: {m: float(np.mean(v)) for m, v in d.items()} for k, d in acc.items()}
        results[name]['n'] = len(acc['model']['psnr'])
        print(name, {k: round(v['psnr'], 2) for k, v in results[name].items() if k != 'n'}, flush=True)
    lines = ['| set | n | automatic | fp16 weights | 10 hints: network | 10 hints: app (spread) | sepia | mean chroma | colourfulness ratio: automatic / hints (app) / sepia / mean chroma |',
             '|---|---|---|---|---|---|---|---|---|']
    for s_, r in results.items():
        lines.append(f"| {s_} | {r['n']} | {r['model']['psnr']:.2f} | {r['model_fp16']['psnr']:.2f} | {r['model_hints_net']['psnr']:.2f} | {r['model_hints']['psnr']:.2f} | "
                     f"{r['sepia']['psnr']:.2f} | {r['mean_chroma']['psnr']:.2f} | {r['model']['colour_ratio']:.2f} / "
                     f"{r['model_hints']['colour_ratio']:.2f} / {r['sepia']['colour_ratio']:.2f} / {r['mean_chroma']['colour_ratio']:.2f} |")
    table = '\n'.join(lines)
    mean = lambda k, m: float(np.mean([r[k][m] for r in results.values()]))
    summary = (f"Held-out a/b PSNR (mean of 5 sets): automatic {mean('model', 'psnr'):.2f} dB vs {mean('mean_chroma', 'psnr'):.2f} "
               f"(training mean chroma) and {mean('sepia', 'psnr'):.2f} (sepia tint); with 10 hints {mean('model_hints', 'psnr'):.2f} dB.")
    print(f"step {ck['step']}, T {temperature}\n{table}\n{summary}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as fh:
        json.dump({'checkpoint': {'step': ck['step'], 'minutes': round(ck['elapsed'] / 60, 1)}, 'size': args.size, 'temperature': temperature,
                   'hints': args.hints, 'sets': results, 'table': table, 'summary': summary}, fh, indent=1)


if __name__ == '__main__':
    main()
