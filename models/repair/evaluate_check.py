"""The mark check (mark_check.py, an experiment) on held-out photos: what it costs in found damage,
what it saves on good photos.

    /usr/bin/python3 models/repair/evaluate_check.py [--limit 0] [--clean-limit 0] [--out logs/eval-check.json]

For each detector threshold (--thresholds) the detector's mask is scored alone and with the regions
the check rejects removed (each --check-thresholds):
- held-out forge sets (evaluate.py's: 24 crops each of bsds500/test, kodak24, mcmaster at 256 px,
  the same seeds): pixel precision / recall as evaluate.py scores them, and recall per damage type;
- damage-free photos (evaluate.py's CLEAN sets, whole): the share of each photo the app's mask
  would cover (grown 2 px), mean per set and the worst photo.
The detector runs in PyTorch with the exported graph's sigmoid, fp32, on the whole image.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from common import HERE, Exported, load_image, load_net, train_files
from evaluate import CLEAN, SETS, TYPES, dilate, infer, samples, score, type_samples, u8
from mark_check import MarkCheck, keep_mask


def sheet(detector, check, t, c, path, crop=120):
    """Contact sheet: for the photos named in SHEET (damage-free photos where the detector alone marks
    the most, and real prints) and 6 held-out forge crops: the photo | the detector's marks at t in
    red where the check keeps them and in blue where it drops them; then the same two as a crop
    round the marks' middle, at 2x."""
    from PIL import Image, ImageDraw
    import zlib
    from evaluate import center_crop
    from common import DATA, make_sample
    items = [(n, load_image(os.path.join(DATA, n), short=10 ** 6)) for n in SHEET]
    for f in SETS['kodak24']()[:6]:
        x, _ = make_sample('detector', center_crop(load_image(f, short=10 ** 6), 256),
                           np.random.default_rng(zlib.crc32(f'sheet:{os.path.basename(f)}'.encode())))
        items.append(('forge ' + os.path.basename(f), u8(x)))
    rows = []
    for name, img in items:
        p = infer(detector, img.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]
        found = p >= t
        kept = keep_mask(check, img, p, t, c)[0]
        over = img.copy()
        over[kept] = (0.3 * over[kept] + 0.7 * np.array([255, 0, 0])).astype(np.uint8)
        dropped = found & ~kept
        over[dropped] = (0.3 * over[dropped] + 0.7 * np.array([0, 90, 255])).astype(np.uint8)
        h = 2 * crop
        s = h / img.shape[0]
        a = np.asarray(Image.fromarray(img).resize((round(img.shape[1] * s), h), Image.LANCZOS))
        b = np.asarray(Image.fromarray(over).resize((round(img.shape[1] * s), h), Image.NEAREST))
        ys, xs = np.nonzero(found) if found.any() else (np.array([img.shape[0] // 2]), np.array([img.shape[1] // 2]))
        cy, cx = int(np.median(ys)), int(np.median(xs))
        y0, x0 = max(0, min(img.shape[0] - crop, cy - crop // 2)), max(0, min(img.shape[1] - crop, cx - crop // 2))
        z = [np.asarray(Image.fromarray(v[y0:y0 + crop, x0:x0 + crop]).resize((h, h), Image.NEAREST)) for v in (img, over)]
        row = np.concatenate([a, np.full((h, 4, 3), 255, np.uint8), b, np.full((h, 4, 3), 255, np.uint8), z[0], z[1]], 1)
        im = Image.fromarray(row)
        ImageDraw.Draw(im).text((4, 4), f'{name}: {found.mean() * 100:.2f} % -> {kept.mean() * 100:.2f} %', fill=(255, 255, 0))
        rows.append(np.asarray(im))
    wmax = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 6), (0, wmax - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    Image.fromarray(np.concatenate(rows, 0)).save(path, quality=88)
    print('sheet ->', path)


# damage-free photos where the detector alone marks most (do-no-harm's worst), and real prints
SHEET = ['photos/bsds500/test/388006.jpg', 'photos/bsds500/test/130014.jpg', 'photos/bsds500/test/232076.jpg',
         'eval/mcmaster/12.tif', 'eval/mcmaster/7.tif', 'eval/kodak24/kodim22.png',
         'real-old/bw-historical/migrant-mother-1936.jpg', 'real-old/bw-historical/detroit-1915.jpg']


def tally(mask, y):
    """(tp, fp, fn) of a boolean mask over the scored pixels, as evaluate.score counts them."""
    return np.asarray(score(mask.astype(np.float32), y, 0.5), float)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(HERE, 'checkpoints', 'mark-check.pt'))
    ap.add_argument('--thresholds', default='0.7,0.5,0.3')
    ap.add_argument('--check-thresholds', default='0.3,0.5,0.7')
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--clean-limit', type=int, default=0)
    ap.add_argument('--sets', default=','.join(CLEAN))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'eval-check.json'))
    ap.add_argument('--sheet', default='', help='only write a contact sheet here, at --thresholds[0] and --check-thresholds[0]')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net, _ = load_net('detector', os.path.join(HERE, 'checkpoints'))
    detector = Exported('detector', net).eval()
    check = MarkCheck()
    check.load_state_dict(torch.load(args.ckpt, map_location='cpu')['model'])
    check.eval()
    ts = [float(t) for t in args.thresholds.split(',')]
    cs = [None] + [float(c) for c in args.check_thresholds.split(',')]
    if args.sheet:
        return sheet(detector, check, ts[0], cs[1], args.sheet)
    key = lambda t, c: f'{t}' + ('' if c is None else f'+check{c}')  # noqa: E731

    def masks(img_u8, p):
        out = {}
        for t in ts:
            for c in cs:
                out[key(t, c)] = (p >= t) if c is None else keep_mask(check, img_u8, p, t, c)[0]
        return out

    res, t0 = {'calibration': {}, 'forge': {}, 'per_type': {}, 'clean': {}}, time.time()
    # the operating point is chosen on the training folders' validation slice (every 50th photo: never
    # trained on by the detector or the check), as evaluate.py chooses the detector's threshold
    acc, flagged = {}, {}
    cal_files = train_files()[::50][:args.limit or None]
    for x, y in samples('detector', cal_files, 256, 'calib'):
        img = u8(x)
        for k, m in masks(img, infer(detector, x)[0]).items():
            acc[k] = acc.get(k, 0) + tally(m, y)
    for f in cal_files:
        img = load_image(f, short=10 ** 6)
        for k, m in masks(img, infer(detector, img.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]).items():
            flagged.setdefault(k, []).append(float(dilate(m, 2).mean()))
    res['calibration'] = {k: {'precision': a[0] / max(1, a[0] + a[1]), 'recall': a[0] / max(1, a[0] + a[2]),
                              'clean_flagged': float(np.mean(flagged[k]))} for k, a in acc.items()}
    ok = {k: v for k, v in res['calibration'].items() if v['precision'] >= 0.9 and v['clean_flagged'] <= 0.001}
    res['chosen'] = max(ok, key=lambda k: ok[k]['recall']) if ok else None
    print(f'calibration {time.time() - t0:.0f}s; chosen {res["chosen"]}', flush=True)
    for k, v in res['calibration'].items():
        print(f'  {k:>16} P {v["precision"]:.3f} R {v["recall"]:.3f} clean {v["clean_flagged"] * 100:.3f} %')
    tot = {}
    for sname, lf in SETS.items():
        acc = {}
        for x, y in samples('detector', lf()[:args.limit or None], 256, 'eval'):
            img = u8(x)
            p = infer(detector, x)[0]
            for k, m in masks(img, p).items():
                s = tally(m, y)
                acc[k] = acc.get(k, 0) + s
                tot[k] = tot.get(k, 0) + s
        res['forge'][sname] = {k: {'precision': a[0] / max(1, a[0] + a[1]), 'recall': a[0] / max(1, a[0] + a[2])} for k, a in acc.items()}
    res['forge']['mean'] = {k: {'precision': float(np.mean([res['forge'][s][k]['precision'] for s in SETS])),
                                'recall': float(np.mean([res['forge'][s][k]['recall'] for s in SETS]))} for k in tot}
    print(f'forge sets {time.time() - t0:.0f}s', flush=True)
    for label in TYPES:
        acc = {}
        for x, y in type_samples(label)[:args.limit or None]:
            img = u8(x)
            for k, m in masks(img, infer(detector, x)[0]).items():
                acc[k] = acc.get(k, 0) + tally(m, y)
        res['per_type'][label] = {k: a[0] / max(1, a[0] + a[2]) for k, a in acc.items()}
    print(f'per type {time.time() - t0:.0f}s', flush=True)
    for sname in args.sets.split(','):
        fs = CLEAN[sname]()[:args.clean_limit or None]
        shares = {}
        for f in fs:
            img = load_image(f, short=10 ** 6)
            p = infer(detector, img.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]
            for k, m in masks(img, p).items():
                shares.setdefault(k, []).append(float(dilate(m, 2).mean()))
        names = [os.path.basename(f) for f in fs]
        res['clean'][sname] = {k: {'n': len(v), 'mean': float(np.mean(v)), 'max': max(v), 'worst': names[int(np.argmax(v))],
                                   'over_1.5%': [n for n, s in zip(names, v) if s > 0.015]} for k, v in shares.items()}
        print(f'{sname} {time.time() - t0:.0f}s', flush=True)
    with open(args.out, 'w') as f:
        json.dump(res, f, indent=1)
    print(f'{"mask":>16} | forge P / R | ' + ' | '.join(f'{s} mean / max %' for s in res['clean']))
    for k in tot:
        fr = res['forge']['mean'][k]
        print(f'{k:>16} | {fr["precision"]:.3f} / {fr["recall"]:.3f} | ' +
              ' | '.join(f'{v[k]["mean"] * 100:.3f} / {v[k]["max"] * 100:.2f} ({len(v[k]["over_1.5%"])})' for v in res['clean'].values()))
    print('-> ' + args.out)


if __name__ == '__main__':
    main()
