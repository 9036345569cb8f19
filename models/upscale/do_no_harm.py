"""What the upscaler does to photos that need nothing: enlarge x2 (or x4), box-shrink the result back to
the input's size, compare with the input. A faithful upscaler returns (nearly) the input; a tone lift,
a colour shift or repainted texture shows up here, where the forge's damaged sets cannot show it.

    /usr/bin/python3 models/upscale/do_no_harm.py [--limit 0] [--model public/models/upscale/heirloom-sr-x2.int8.onnx]
    /usr/bin/python3 models/upscale/do_no_harm.py --scale 4     # heirloom-sr-x4.int8.onnx -> logs/do-no-harm-x4.json

Photos: eval/kodak24 (first 12, damage-free) and every real-old photo (real prints, never trained
on), each at two sizes: shrunk to 384 px on the long side and to 768 px (or its own size if smaller;
the real-old faces are 512 px). The bicubic round trip (PIL bicubic x2, then the same box shrink) runs
beside the model as the baseline (at x4: PIL bicubic x4). Per photo: PSNR vs the input, share of pixels moved by more than
12/255 in any channel, and the mean shift in /255 (positive = brighter). Writes
models/upscale/logs/do-no-harm.json (x4: do-no-harm-x4.json), which the card quotes.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import shutil
import subprocess

import cv2
import numpy as np
from PIL import Image

from common import DATA, HERE, ROOT

GROUPS = {
    'kodak24': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[:12],
    'real-old': lambda: sorted(glob.glob(os.path.join(DATA, 'real-old', '*', '*.*'))),
}
SIZES = (384, 768)
MOVED = 12  # /255: a change this large in one channel is visible on a flat area
WORK = '/tmp/heirloom-sr-do-no-harm'


def harm(out, ref):
    """{psnr, moved (% of pixels), shift (/255)} of `out` against `ref`, both uint8 HxWx3."""
    d = out.astype(np.float64) - ref
    mse = float(np.mean(d ** 2))
    return {'psnr': float(10 * np.log10(255 ** 2 / max(mse, 1e-10))),
            'moved': float(100 * np.mean(np.abs(d).max(axis=2) > MOVED)),
            'shift': float(d.mean())}


def round_trip_shrink(big, w, h):
    return cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)


def summary(rows):
    p = [r['model']['psnr'] for r in rows]
    worst = max(rows, key=lambda r: abs(r['model']['shift']))
    return {'photos': len(rows), 'psnr_mean': float(np.mean(p)), 'psnr_min': float(np.min(p)),
            'bicubic_psnr_mean': float(np.mean([r['bicubic']['psnr'] for r in rows])),
            'moved_mean': float(np.mean([r['model']['moved'] for r in rows])),
            'moved_max': float(np.max([r['model']['moved'] for r in rows])),
            'shift_min': float(np.min([r['model']['shift'] for r in rows])),
            'shift_max': float(np.max([r['model']['shift'] for r in rows])),
            'worst_shift': {'photo': worst['photo'], **worst['model']}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scale', type=int, default=2, choices=(2, 4))
    ap.add_argument('--model', help='default: public/models/upscale/heirloom-sr-x<scale>.int8.onnx')
    ap.add_argument('--limit', type=int, default=0, help='photos per group (0 = all; tests use 1)')
    ap.add_argument('--out', help='default: models/upscale/logs/do-no-harm.json (x4: do-no-harm-x4.json)')
    args = ap.parse_args()
    s = args.scale
    args.model = args.model or os.path.join(ROOT, 'public', 'models', 'upscale', f'heirloom-sr-x{s}.int8.onnx')
    args.out = args.out or os.path.join(HERE, 'logs', 'do-no-harm.json' if s == 2 else f'do-no-harm-x{s}.json')
    work = os.environ.get('HEIRLOOM_SR_DNH_WORK', WORK)
    shutil.rmtree(work, ignore_errors=True)
    inputs = {}
    for g, lf in GROUPS.items():
        for f in lf()[:args.limit] if args.limit else lf():
            img = Image.open(f).convert('RGB')
            for size in SIZES:
                if size > SIZES[0] and max(img.size) <= SIZES[0]:
                    continue  # already scored at its own size
                small = img.copy()
                small.thumbnail((size, size), Image.LANCZOS)
                d = os.path.join(work, 'in', str(size))
                os.makedirs(d, exist_ok=True)
                name = f'{g}--' + '-'.join(os.path.relpath(f, os.path.dirname(os.path.dirname(f))).split(os.sep))
                name = os.path.splitext(name)[0] + '.png'
                small.save(os.path.join(d, name))
                inputs[(size, name)] = (g, np.asarray(small))
    for size in SIZES:
        subprocess.run(['node', os.path.join(HERE, 'run_onnx.mjs'), args.model, '0,1', os.path.join(work, 'in', str(size)),
                        os.path.join(work, 'out', str(size))], check=True, capture_output=True, text=True)
    rows = []
    for (size, name), (g, src) in sorted(inputs.items()):
        h, w = src.shape[:2]
        out = np.asarray(Image.open(os.path.join(work, 'out', str(size), name)).convert('RGB'))
        bic = np.asarray(Image.fromarray(src).resize((s * w, s * h), Image.BICUBIC))
        rows.append({'group': g, 'photo': name.split('--', 1)[1], 'target': size, 'size': max(h, w),
                     'model': harm(round_trip_shrink(out, w, h), src), 'bicubic': harm(round_trip_shrink(bic, w, h), src)})
    res = {'model': os.path.relpath(args.model, ROOT), 'scale': s, 'date': datetime.date.today().isoformat(), 'limit': args.limit,
           'moved_threshold': MOVED, 'summary': {}, 'rows': rows}
    for g in GROUPS:
        for size in SIZES:
            sel = [r for r in rows if r['group'] == g and r['target'] == size]
            if sel:
                res['summary'][f'{g}@{size}'] = summary(sel)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(res, f, indent=1)
    print('| photos | size | n | PSNR vs input (min) | bicubic round trip | moved > 12/255 mean (max) | shift /255 | worst |')
    print('|---|---|---|---|---|---|---|---|')
    for k, s in res['summary'].items():
        g, size = k.split('@')
        print(f"| {g} | {size} | {s['photos']} | {s['psnr_mean']:.1f} ({s['psnr_min']:.1f}) | {s['bicubic_psnr_mean']:.1f} | "
              f"{s['moved_mean']:.1f} % ({s['moved_max']:.1f} %) | {s['shift_min']:+.1f} to {s['shift_max']:+.1f} | "
              f"{s['worst_shift']['photo']} {s['worst_shift']['shift']:+.1f} |")


if __name__ == '__main__':
    main()
