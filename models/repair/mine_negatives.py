"""Mine hard negatives for the damage detector (or the tears net): where it fires on the clean
training photos.

    /usr/bin/python3 models/repair/mine_negatives.py --data-pack .gpu/repair-photos.pkl --stride 4 --sheet models/cards/repair-sheets/hard-negatives.png
    -> models/repair/hard-negatives.json (+ --sheet x.png: a contact sheet of the largest false alarms)
    /usr/bin/python3 models/repair/mine_negatives.py --model tears --short 256 --faces 600 --threshold 0.5 --out models/repair/tears-negatives.json

--model tears: each photo is searched as the app searches it (common.find_tears: shrunk to a long
side of 160 px, the mask fitted by colour at full size), at the scale training loads it (--short).

The photos are the training split exactly as training sees them (pack_data.py's pack, short side
320, the UTKFace training faces included), run whole at full pack scale and at --scales
downscales, with no damage: every pixel the detector marks (p >= --threshold) is a false alarm on
picture content. Each 8-connected region is recorded once (photo name, centre as a fraction of
width and height, the short side it was found at, area, peak p); train.py --hard-negatives crops
around them. The validation slice (every 50th photo, which evaluate.py calibrates the threshold on)
is skipped, so the threshold is still chosen on photos the fine-tune never saw.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import cv2
import numpy as np
import torch
from PIL import Image

from common import HERE, ROOT, Exported, build, find_tears, load_image, load_pack, photo_name, train_files

sys.path.insert(0, os.path.join(ROOT, 'models'))
from training import use_bf16  # noqa: E402


def resize_short(img, short):
    h, w = img.shape[:2]
    s = short / min(h, w)
    if abs(s - 1) < 1e-6:
        return img
    return np.asarray(Image.fromarray(img).resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC))


@torch.no_grad()
def probability(model, img, bf16):
    # bf16 autocast: 3x faster on a CPU with bf16 instructions; only where a region is, not its exact edge, matters here
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=use_bf16(bf16)):
        return model(torch.from_numpy(img.transpose(2, 0, 1).astype(np.float32) / 255.0)[None])[0, 0].float().numpy()


@torch.no_grad()
def false_alarms(model, img, threshold, bf16):
    """Clean photo -> [(cx, cy, area, peak)] per 8-connected region with p >= threshold."""
    p = probability(model, img, bf16)
    n, lab, stats, cents = cv2.connectedComponentsWithStats((p >= threshold).astype(np.uint8), connectivity=8)
    out = []
    for i in range(1, n):
        out.append((float(cents[i][0]), float(cents[i][1]), int(stats[i, cv2.CC_STAT_AREA]), float(p[lab == i].max())))
    return out


def tear_alarms(net, img, threshold):
    """Clean photo -> [(cx, cy, area, peak)] per region find_tears marks (peak: the region's share of the photo)."""
    m = find_tears(img, net, threshold)
    n, lab, stats, cents = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)
    return [(float(cents[i][0]), float(cents[i][1]), int(stats[i, cv2.CC_STAT_AREA]), round(stats[i, cv2.CC_STAT_AREA] / m.size, 4))
            for i in range(1, n)]


def contact_sheet(named, recs, path, n=48, crop=96, cols=8):
    """The n largest false alarms: photo crop at the scale it was found | the same with the marked
    pixels in red (the detector is re-run on the crop's photo, so the overlay is what it saw)."""
    by_name = dict(named)
    top = sorted(recs, key=lambda r: -r['area'])[:n]
    tiles = []
    for r in top:
        img = resize_short(by_name[r['photo']], r['short'])
        h, w = img.shape[:2]
        cx, cy = int(r['fx'] * w), int(r['fy'] * h)
        x0, y0 = min(max(0, cx - crop // 2), max(0, w - crop)), min(max(0, cy - crop // 2), max(0, h - crop))
        c = img[y0:y0 + crop, x0:x0 + crop]
        c = np.pad(c, ((0, crop - c.shape[0]), (0, crop - c.shape[1]), (0, 0)))
        m = r['_mask'][y0:y0 + crop, x0:x0 + crop]
        m = np.pad(m, ((0, crop - m.shape[0]), (0, crop - m.shape[1])))
        red = c.copy()
        red[m] = (0.4 * red[m] + 0.6 * np.array([255, 0, 0])).astype(np.uint8)
        tiles.append(np.concatenate([c, np.full((crop, 2, 3), 255, np.uint8), red], 1))
    rows = [np.concatenate(tiles[i:i + cols] + [np.zeros_like(tiles[0])] * (cols - len(tiles[i:i + cols])), 1)
            for i in range(0, len(tiles), cols)]
    sheet = np.concatenate([np.pad(r, ((0, 4), (0, 0), (0, 0)), constant_values=255) for r in rows], 0)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(sheet).save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='detector', choices=['detector', 'tears'])
    ap.add_argument('--ckpt', default='', help='default: checkpoints/<model>.pt')
    ap.add_argument('--faces', type=int, default=600, help='UTKFace training faces read with the folders')
    ap.add_argument('--data-pack', default='', help='pack_data.py pack (what training read); default: the '
                    'training folders plus 600 faces at --short, as pack_data.py packs them')
    ap.add_argument('--short', type=int, default=320)
    ap.add_argument('--scales', default='1,0.6', help='multiples of the pack scale to run the detector at')
    ap.add_argument('--threshold', type=float, default=0.5)
    ap.add_argument('--fp32', action='store_true', help='fp32 inference (default: bf16 autocast)')
    ap.add_argument('--stride', type=int, default=1, help='every Nth training photo (a CPU-sized sample)')
    ap.add_argument('--limit', type=int, default=0, help='first N photos only (tests)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(HERE, 'hard-negatives.json'))
    ap.add_argument('--sheet', default='', help='write a PNG contact sheet of the largest false alarms here')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    # the validation slice (every 50th photo) stays unseen
    if args.data_pack:
        named = [x for i, x in enumerate(load_pack(args.data_pack)) if i % 50 != 0][::args.stride]
    else:
        files = [f for i, f in enumerate(train_files(include_faces=True, n_faces=args.faces)) if i % 50 != 0][::args.stride]
        named = [(photo_name(f), load_image(f, args.short)) for f in files[:args.limit or None]]
    if args.limit:
        named = named[:args.limit]
    args.ckpt = args.ckpt or os.path.join(HERE, 'checkpoints', f'{args.model}.pt')
    net = build(args.model)
    net.load_state_dict(torch.load(args.ckpt, map_location='cpu')['model'])
    net.eval()
    model = Exported(args.model, net).eval()
    if args.model == 'tears':  # the app shrinks the photo itself: one scale
        args.scales = '1'

    scales = [float(s) for s in args.scales.split(',')]
    recs, t0 = [], time.time()
    per_scale = {s: 0 for s in scales}
    photos_hit = set()
    for k, (name, img) in enumerate(named):
        for s in scales:
            short = round(min(img.shape[:2]) * s)
            im = resize_short(img, short)
            h, w = im.shape[:2]
            found = tear_alarms(net, im, args.threshold) if args.model == 'tears' else false_alarms(model, im, args.threshold, not args.fp32)
            for cx, cy, area, peak in found:
                recs.append({'photo': name, 'fx': round(cx / w, 4), 'fy': round(cy / h, 4), 'short': short,
                             'scale': s, 'area': area, 'peak': round(peak, 3)})
                per_scale[s] += 1
                photos_hit.add(name)
        if k % 50 == 0:
            print(f'{k}/{len(named)} photos, {len(recs)} false alarms, {time.time() - t0:.0f}s', flush=True)

    summary = {'photos': len(named), 'photos_with_false_alarms': len(photos_hit), 'regions': len(recs),
               'regions_per_scale': {str(s): v for s, v in per_scale.items()},
               'by_set': {}, 'threshold': args.threshold, 'checkpoint': os.path.relpath(args.ckpt, ROOT), 'bf16': use_bf16(not args.fp32)}
    for name, _ in named:
        key = name.split('/')[-2]
        d = summary['by_set'].setdefault(key, {'photos': 0, 'with_false_alarms': 0})
        d['photos'] += 1
        d['with_false_alarms'] += name in photos_hit
    with open(args.out, 'w') as f:
        json.dump({'summary': summary, 'regions': recs}, f, separators=(',', ':'))
    print(json.dumps(summary, indent=1))
    print(f'{len(recs)} regions on {len(photos_hit)}/{len(named)} photos -> {args.out} ({time.time() - t0:.0f}s)')

    if args.sheet and recs:
        by_name = dict(named)
        top = sorted(recs, key=lambda r: -r['area'])[:48]
        for r in top:  # the mask of the photo at the scale it was found, for the overlay
            im = resize_short(by_name[r['photo']], r['short'])
            with torch.no_grad():
                r['_mask'] = (find_tears(im, net, args.threshold) if args.model == 'tears'
                              else probability(model, im, not args.fp32) >= args.threshold)
        contact_sheet(named, top, args.sheet)
        print(f'contact sheet -> {args.sheet}')


if __name__ == '__main__':
    main()
