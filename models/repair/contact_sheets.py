"""Contact sheets of the repair stage as the app runs it (detector at the manifest threshold, large
photos searched on a box-shrunk copy, mask grown, inpainting inside the mask only; with "Also find
torn corners" (off by default) the tears net's mask (common.find_tears) is added):
photo | mask overlay (red) | result, then a 2.5x crop around the most-marked spot.

    /usr/bin/python3 models/repair/contact_sheets.py [--out models/cards/repair-sheets]

Sheets: real-old/* (no ground truth) at their own size and enlarged to 3000 px (as a scan), and
held-out forge samples (kodak24) at 500 px and 3000 px (damage forged at 1000 px, then enlarged,
so cracks are several pixels wide as on a real high-resolution scan); with tears: forge tears
(every sample torn: kodak24 at 500 px) and real-old at their own size (what it mistakes for a tear).
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
from PIL import Image, ImageDraw

from common import DATA, HERE, ROOT, Exported, as_app, build, find_tears, forge, one_defect, preset

COL = 420  # width of one column of a sheet (sheets stay ~1 MB each)


def load(name):
    net = build(name)
    net.load_state_dict(torch.load(os.path.join(HERE, 'checkpoints', f'{name}.pt'), map_location='cpu')['model'])
    return Exported(name, net.eval()).eval()


def app_settings():
    with open(os.path.join(ROOT, 'src', 'stages', 'repair', 'models.json')) as f:
        ms = json.load(f)
    threshold = lambda task: next(m for m in ms if m['task'] == task and m['precision'] == 'fp32').get('threshold', 0.5)  # noqa: E731
    # detector threshold, dilate, detectLongSide (src/stages/repair/meta.ts), tears threshold
    return threshold('repair-detect'), 2, 2048, threshold('repair-tears')


@torch.no_grad()
def repair(img, det, inp, threshold, dilate, long_side, tears_threshold, tears=None):
    h, w = img.shape[:2]
    x = torch.from_numpy(img.transpose(2, 0, 1).astype(np.float32) / 255.0)[None]
    k = max(1, math.ceil(max(h, w) / long_side))
    xs = F.avg_pool2d(F.pad(x, (0, (-w) % k, 0, (-h) % k), mode='replicate'), k) if k > 1 else x
    p = det(xs)
    m = (p >= threshold).float()
    if k > 1:
        m = F.interpolate(m, scale_factor=k, mode='nearest')[:, :, :h, :w]
    r = dilate * k
    m = F.max_pool2d(m, 2 * r + 1, stride=1, padding=r)
    if tears is not None:
        t = torch.from_numpy(find_tears(img, tears.net, tears_threshold).astype(np.float32))[None, None]
        m = torch.maximum(m, F.max_pool2d(t, 2 * dilate + 1, stride=1, padding=dilate))
    out = fill_tiles(inp, x, m)
    return m[0, 0].numpy() > 0, (out[0].numpy().transpose(1, 2, 0) * 255 + 0.5).clip(0, 255).astype(np.uint8)


def fill_tiles(inp, x, m, tile=256, margin=64):
    """Inpaints only the tiles that hold mask, each with `margin` px of context, and keeps every
    pixel outside the mask, as the app does; a whole 3000 px scan at once would not fit here. The
    holes hold the hint of the whole photo (common.as_app), as in the app."""
    out = x.clone()
    h, w = x.shape[2:]
    x = torch.from_numpy(as_app(torch.cat([x, m], 1)[0].numpy())[:3])[None]
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            if not m[:, :, y0:y0 + tile, x0:x0 + tile].any():
                continue
            ya, xa = max(0, y0 - margin), max(0, x0 - margin)
            yb, xb = min(h, y0 + tile + margin), min(w, x0 + tile + margin)
            crop = inp(torch.cat([x[:, :, ya:yb, xa:xb], m[:, :, ya:yb, xa:xb]], 1))
            core = (slice(None), slice(None), slice(y0, min(h, y0 + tile)), slice(x0, min(w, x0 + tile)))
            inner = crop[:, :, y0 - ya:y0 - ya + (core[2].stop - y0), x0 - xa:x0 - xa + (core[3].stop - x0)]
            out[core] = torch.where(m[core] > 0, inner, x[core])
    return out


def row(img, mask, result, title):
    h, w = img.shape[:2]
    s = COL / w
    size = (COL, max(1, round(h * s)))
    over = img.copy()
    over[mask] = (0.35 * over[mask] + 0.65 * np.array([255, 0, 0])).astype(np.uint8)
    tiles = [Image.fromarray(a).resize(size, Image.LANCZOS) for a in (img, over, result)]
    # crop around the most-marked window, one column wide at 2.5x (or the centre)
    cw, ch = min(w, round(COL / 2.5)), min(h, 120)
    if mask.any():
        ii = torch.from_numpy(mask.astype(np.float32))[None, None]
        dens = F.avg_pool2d(ii, (ch, cw), stride=8)[0, 0].numpy()
        yy, xx = np.unravel_index(int(dens.argmax()), dens.shape)
        y0, x0 = yy * 8, xx * 8
    else:
        y0, x0 = (h - ch) // 2, (w - cw) // 2
    crops = [Image.fromarray(a[y0:y0 + ch, x0:x0 + cw]).resize((round(cw * 2.5), round(ch * 2.5)), Image.NEAREST)
             for a in (img, over, result)]
    W = max(3 * COL, sum(c.width for c in crops))
    H = 22 + size[1] + crops[0].height + 4
    sheet = Image.new('RGB', (W, H), 'white')
    ImageDraw.Draw(sheet).text((4, 4), f'{title}  ({w}x{h}, mask {100 * mask.mean():.2f} %, crop at {x0},{y0} x2.5)', fill='black')
    for i, t in enumerate(tiles):
        sheet.paste(t, (i * COL, 22))
    xo = 0
    for c in crops:
        sheet.paste(c, (xo, 22 + size[1] + 4))
        xo += c.width
    return sheet


def stack(rows):
    W = max(r.width for r in rows)
    out = Image.new('RGB', (W, sum(r.height for r in rows)), 'white')
    y = 0
    for r in rows:
        out.paste(r, (0, y))
        y += r.height
    return out


def enlarge(img, long_side):
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    return np.asarray(Image.fromarray(img).resize((round(w * s), round(h * s)), Image.BICUBIC))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'cards', 'repair-sheets'))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--sheets', default='real-old,forge,forge-tears,real-old-tears',
                    help='which: real-old (own size and 3000 px), forge (500 and 3000 px); with tears: forge-tears, real-old-tears')
    args = ap.parse_args()
    want = args.sheets.split(',')
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    det, inp, tears = load('detector'), load('inpaint'), load('tears')
    settings = app_settings()
    real = sorted(glob.glob(os.path.join(DATA, 'real-old', '*', '*')))
    forged = sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[::4]
    cfg = preset('detector')
    sheets = {}
    for scale in ('own', 3000):
        rows = []
        for f in real if 'real-old' in want else []:
            img = np.asarray(Image.open(f).convert('RGB'))
            if scale != 'own':
                img = enlarge(img, scale)
            m, res = repair(img, det, inp, *settings)
            rows.append(row(img, m, res, f'real-old/{os.path.basename(os.path.dirname(f))}/{os.path.basename(f)}'))
        sheets[f'real-old-{scale}'] = rows
        rows = []
        for f in forged if 'forge' in want else []:
            clean = np.asarray(Image.open(f).convert('RGB'))
            rng = np.random.default_rng(zlib.crc32(f'sheet:{os.path.basename(f)}'.encode()))
            if scale == 'own':
                dmg = forge(clean, rng, cfg)['damaged']
            else:
                dmg = enlarge(forge(enlarge(clean, 1000), rng, cfg)['damaged'], scale)
            m, res = repair(dmg, det, inp, *settings)
            rows.append(row(dmg, m, res, f'forge kodak24/{os.path.basename(f)} ({"500 px" if scale == "own" else "3000 px"})'))
        sheets[f'forge-{"500" if scale == "own" else "3000"}'] = rows
    torn = one_defect('tear')
    rows = []
    for f in sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[1::4] if 'forge-tears' in want else []:
        dmg = forge(np.asarray(Image.open(f).convert('RGB')), np.random.default_rng(zlib.crc32(f'tears:{os.path.basename(f)}'.encode())), torn)['damaged']
        m, res = repair(dmg, det, inp, *settings, tears)
        rows.append(row(dmg, m, res, f'forge tears kodak24/{os.path.basename(f)} (500 px)'))
    sheets['forge-tears'] = rows
    rows = []
    for f in real if 'real-old-tears' in want else []:
        img = np.asarray(Image.open(f).convert('RGB'))
        m, res = repair(img, det, inp, *settings, tears)
        rows.append(row(img, m, res, f'with tears: real-old/{os.path.basename(os.path.dirname(f))}/{os.path.basename(f)}'))
    sheets['real-old-tears'] = rows
    for name, rows in sheets.items():
        if not rows:
            continue
        for i in range(0, len(rows), 7):  # a few photos a sheet, so each stays readable
            p = os.path.join(args.out, f'{name}-{i // 7 + 1}.jpg')
            stack(rows[i:i + 7]).save(p, quality=72)
            print(p)


if __name__ == '__main__':
    main()
