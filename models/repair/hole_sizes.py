"""Hole PSNR by hole size: how well the inpainting fills torn corners and missing patches of
1-15 % of the photo (issue: "large holes filled, not smeared").

    /usr/bin/python3 models/repair/hole_sizes.py [--limit 24] [--crop 256]
    /usr/bin/python3 models/repair/hole_sizes.py --whole --limit 12 [--scales 1,2,4]

Held-out photos (eval/kodak24, bsds500/test), centre-cropped to --crop. Two hole shapes, each
grown to a target share of the crop: a torn piece from the border (the forge's ragged polygon)
and a missing patch inside the photo (a ragged ellipse). PSNR and SSIM inside the hole for the
shipped inpainting network (as exported), OpenCV Telea (radius 5) and the network's push-pull
prefill alone. Writes models/repair/logs/hole-sizes.json and prints a markdown table.

--whole: the same holes on whole eval/kodak24 photos (500x500) and on the same enlarged 2x and 4x
(scans), filled tile by tile as the app does (256 px tiles, 48 px overlap, feathered; 512 px tiles
on WebGPU), with the hole blanked (the app before hole hints) and with the app's hole_hint in it.
A hole wider than a tile leaves tiles with nothing known to continue. Writes
logs/hole-sizes-whole.json.

--masks DIR: writes the photos and hole masks the app-side evaluation fills
(models/eval/hole-fill.ts: the network alone against the network plus the patch fill of large
holes): the first --limit kodak24 photos whole, torn pieces and missing patches of 5, 10 and 15 %,
and real-old/bw-historical (long side shrunk to 1,000 px) with an 8 % torn piece and a 5 % patch.
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

from common import DATA, HERE, as_app, load_image
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


def plan_axis(length, tile, overlap):
    """src/core/tiling/tiles.ts planAxis: starts spread evenly, every overlap >= `overlap`."""
    if length <= tile:
        return [0], length
    count = -(-(length - tile) // (tile - overlap)) + 1
    return [round(i * (length - tile) / (count - 1)) for i in range(count)], tile


def ramp_weights(n, lead, trail):
    """src/core/tiling/blend.ts axisWeights (cosine ramps over the shared zones)."""
    i = np.arange(n) + 0.5
    w = np.ones(n)
    if lead:
        w = np.minimum(w, np.where(i < lead, 0.5 - 0.5 * np.cos(np.pi * np.minimum(i / lead, 1)), 1))
    if trail:
        w = np.minimum(w, np.where(i > n - trail, 0.5 - 0.5 * np.cos(np.pi * np.minimum((n - i) / trail, 1)), 1))
    return w


def fill_tiled(model, x, tile=256, overlap=48):
    """x [4,H,W] -> [3,H,W]: the model run tile by tile and feathered as the app's runTiled does
    (tiles without a hole pixel skipped, their own RGB kept)."""
    _, h, w = x.shape
    ys, th = plan_axis(h, tile, overlap)
    xs, tw = plan_axis(w, tile, overlap)
    acc, wsum = np.zeros((3, h, w)), np.zeros((h, w))
    for r, y0 in enumerate(ys):
        for c, x0 in enumerate(xs):
            t = x[:, y0:y0 + th, x0:x0 + tw]
            o = infer(model, np.ascontiguousarray(t)) if t[3].any() else t[:3]
            wy = ramp_weights(th, ys[r - 1] + th - y0 if r else 0, y0 + th - ys[r + 1] if r + 1 < len(ys) else 0)
            wx = ramp_weights(tw, xs[c - 1] + tw - x0 if c else 0, x0 + tw - xs[c + 1] if c + 1 < len(xs) else 0)
            wgt = wy[:, None] * wx[None]
            acc[:, y0:y0 + th, x0:x0 + tw] += o * wgt
            wsum[y0:y0 + th, x0:x0 + tw] += wgt
    return (acc / wsum).astype(np.float32)


def whole(models, limit, scales):
    """Hole PSNR on whole photos, filled as the app does, without and with the hole hint."""
    files = sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[:limit]
    res = {}
    for scale in scales:
        photos = []
        for f in files:
            img = load_image(f, short=10 ** 6)
            if scale > 1:
                img = np.asarray(Image.fromarray(img).resize((img.shape[1] * scale, img.shape[0] * scale), Image.BICUBIC))
            photos.append(img)
        for sname, shape in (('torn from the border', torn), ('missing patch inside', patch)):
            for share in SHARES[1:]:
                for tile in ((256, 512) if scale < 4 else (256,)):
                    acc = {k: [] for k in ('blanked', 'hint')}
                    for i, img in enumerate(photos):
                        y = img.transpose(2, 0, 1).astype(np.float32) / 255.0
                        h, w = img.shape[:2]
                        m = grown(shape, h, w, share, zlib.crc32(f'whole:{sname}:{share}:{i}'.encode()))
                        mf = m.astype(np.float32)
                        x = np.concatenate([y * (1 - mf), mf[None]], 0)
                        for k, xi in (('blanked', x), ('hint', as_app(x))):
                            o = fill_tiled(models['fp32'], xi, tile)
                            acc[k].append((psnr(o, y, mf[None]), float(np.abs((o - y)[:, m].mean(1)).max() * 255)))
                    key = f'{w}x{h} {sname} {int(share * 100)} % (tiles {tile})'
                    res[key] = {k: {'psnr_hole': float(np.mean([a for a, _ in v])),
                                    'worst_psnr': float(np.min([a for a, _ in v])),
                                    'worst_bias': float(np.max([b for _, b in v]))} for k, v in acc.items()}
                    print(key, {k: {q: round(u, 2) for q, u in v.items()} for k, v in res[key].items()}, flush=True)
    lines = ['| photo size | hole | tiles | blanked: PSNR / worst photo | with hole hint: PSNR / worst photo | gain | worst colour bias, blanked -> hint |',
             '|---|---|---|---|---|---|---|']
    for k, r in res.items():
        size, rest = k.split(' ', 1)
        hole, tiles = rest.split(' (tiles ')
        b, g = r['blanked'], r['hint']
        lines.append(f"| {size} | {hole} | {tiles[:-1]} | {b['psnr_hole']:.2f} / {b['worst_psnr']:.2f} | {g['psnr_hole']:.2f} / {g['worst_psnr']:.2f} | "
                     f"{g['psnr_hole'] - b['psnr_hole']:+.2f} dB | {b['worst_bias']:.0f} -> {g['worst_bias']:.0f} /255 |")
    return res, '\n'.join(lines)


def write_masks(out, limit):
    """<out>/<set>/<photo>.png and <out>/<set>/<photo>--<torn|patch>-<share %>.png (255 = hole)."""
    kodak = sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[:limit]
    real = sorted(glob.glob(os.path.join(DATA, 'real-old', 'bw-historical', '*.jpg')))
    for sname, files, holes in (('kodak24', kodak, [(s, sh) for s in ('torn', 'patch') for sh in SHARES[1:]]),
                                ('real-old', real, [('torn', 0.08), ('patch', 0.05)])):
        os.makedirs(os.path.join(out, sname), exist_ok=True)
        for f in files:
            img = Image.open(f).convert('RGB')
            if max(img.size) > 1000:
                k = 1000 / max(img.size)
                img = img.resize((round(img.width * k), round(img.height * k)), Image.LANCZOS)
            name = os.path.splitext(os.path.basename(f))[0]
            img.save(os.path.join(out, sname, f'{name}.png'))
            for shape, share in holes:
                m = grown(torn if shape == 'torn' else patch, img.height, img.width, share, zlib.crc32(f'fill:{sname}:{shape}:{share}:{name}'.encode()))
                Image.fromarray((m * 255).astype(np.uint8)).save(os.path.join(out, sname, f'{name}--{shape}-{int(share * 100)}.png'))
    print(f'{len(kodak)} kodak24 and {len(real)} real-old photos with their holes in {out}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=24)
    ap.add_argument('--crop', type=int, default=256)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--whole', action='store_true', help='whole photos, tiled as the app does, without and with the hole hint')
    ap.add_argument('--scales', default='1,2,4', help='--whole: the photos enlarged by these factors')
    ap.add_argument('--out', default=None)
    ap.add_argument('--masks', default='', help='write photos and hole masks for models/eval/hole-fill.ts here, then stop')
    args = ap.parse_args()
    if args.masks:
        write_masks(args.masks, args.limit)
        return
    torch.set_num_threads(args.threads)
    models, ck = load_models('inpaint', os.path.join(HERE, 'checkpoints'))
    if args.whole:
        res, table = whole(models, args.limit, [int(v) for v in args.scales.split(',')])
        print(table)
        with open(args.out or os.path.join(HERE, 'logs', 'hole-sizes-whole.json'), 'w') as f:
            json.dump({'checkpoint': {'step': ck['step']}, 'rows': res, 'table': table}, f, indent=1)
        return
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
                outs = {'model': infer(models['fp32'], as_app(x)), 'telea': telea(x, TELEA_RADIUS), 'pushpull': pushpull(x)}
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
    out = args.out or os.path.join(HERE, 'logs', 'hole-sizes.json')
    with open(out, 'w') as f:
        json.dump({'checkpoint': {'step': ck['step']}, 'crop': args.crop, 'telea_radius': TELEA_RADIUS, 'rows': res, 'table': table}, f, indent=1)


if __name__ == '__main__':
    main()
