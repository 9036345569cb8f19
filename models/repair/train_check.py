"""Train the mark check (mark_check.py): is a mark the damage detector found damage, or content?

    /usr/bin/python3 models/repair/train_check.py --make-data            # windows -> /tmp (about 18 min)
    /usr/bin/python3 models/repair/train_check.py --minutes 8             # train -> checkpoints/mark-check.pt (the committed one)
    /usr/bin/python3 models/repair/train_check.py --make-data --limit 4 --samples 8 --minutes 0.1 --out /tmp/mc  # smoke

Examples, all from the training folders (the validation slice, every 50th photo, is kept apart and
scores each run; the held-out sets are never read):
- damage: forge samples (256 px crops, the detector's preset, always damaged) run through the
  detector; a region is damage when at least half of its pixels are the forge's damage (visible, or
  the faint trace and 1 px ring around it), content when at most a tenth lie within 2 px of any;
  in between it is left out.
- content: the detector's regions on the damage-free training photos (the training folders plus
  600 UTKFace training faces, as the detector trained), whole, at 1x, 0.6x and 1.6x the short side
  of 320 px: everything found there is a false alarm on picture content (at most 24 a photo and scale).
Regions are taken at the detector thresholds --thresholds (the shipped one and lower ones), so the
check also learns to judge the weaker marks a lower threshold lets through.
Loss: BCE, each region weighted by sqrt(its area), the two classes weighted equally; flips and
transposes of the window. Adam, cosine LR.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import HERE, Exported as DetectorGraph, _cfg, detector_target, forge, load_image, load_net, random_crop, train_files
from evaluate import dilate
from mark_check import MarkCheck, regions, window
from mine_negatives import probability, resize_short

DATA_FILE = '/tmp/heirloom-mark-check-windows.npz'


def forge_examples(detector, imgs, rng, n, thresholds):
    """(windows, labels, meta) from n damaged forge crops."""
    xs, ys, meta = [], [], []
    for k in range(n):
        patch = random_crop(imgs[int(rng.integers(len(imgs)))], rng, 256)
        o = forge(patch, rng, _cfg('detector'))
        y = detector_target(o)
        damage = (y[0] > 0.5) | (y[1] < 0.5)  # visible damage, its faint trace and ring
        near = dilate(damage, 2)
        p = probability(detector, o['damaged'], bf16=True)
        t = thresholds[k % len(thresholds)]
        labels, boxes = regions(p, t)
        for i, b in enumerate(boxes):
            m = labels == i
            on, close = damage[m].mean(), near[m].mean()
            if on >= 0.5:
                label = 1
            elif close <= 0.1:
                label = 0
            else:
                continue
            xs.append(window(o['damaged'], p, labels, i, b).astype(np.float16))
            ys.append(label)
            meta.append(('forge', t, b[4]))
    return xs, ys, meta


def clean_examples(detector, imgs, rng, thresholds, scales=(1.0, 0.6, 1.6), cap=24):
    """(windows, labels, meta) of every region the detector marks on damage-free photos."""
    xs, ys, meta = [], [], []
    for k, img in enumerate(imgs):
        for s in scales:
            im = resize_short(img, round(min(img.shape[:2]) * s))
            p = probability(detector, im, bf16=True)
            t = thresholds[(k + int(s * 10)) % len(thresholds)]
            labels, boxes = regions(p, t)
            order = rng.permutation(len(boxes))[:cap]
            for i in order:
                xs.append(window(im, p, labels, int(i), boxes[i]).astype(np.float16))
                ys.append(0)
                meta.append(('clean', t, boxes[i][4]))
        if k % 100 == 0:
            print(f'  clean {k}/{len(imgs)}: {len(xs)} regions', flush=True)
    return xs, ys, meta


def make_data(args, detector):
    files = train_files(include_faces=True, n_faces=600)
    split = {'train': [f for i, f in enumerate(files) if i % 50 != 0], 'val': files[::50]}
    thresholds = [float(t) for t in args.thresholds.split(',')]
    out = {}
    for name, fs in split.items():
        fs = fs[:args.limit or None]
        imgs = [load_image(f, 320) for f in fs]
        rng = np.random.default_rng(1234 if name == 'train' else 99)
        t0 = time.time()
        n = args.samples if name == 'train' else max(2, args.samples // 10)
        fx, fy, fm = forge_examples(detector, imgs, rng, n, thresholds)
        print(f'{name}: {len(fx)} forge regions ({sum(fy)} damage) from {n} crops, {time.time() - t0:.0f}s', flush=True)
        cx, cy, cm = clean_examples(detector, imgs, rng, thresholds)
        print(f'{name}: {len(cx)} regions on {len(imgs)} damage-free photos, {time.time() - t0:.0f}s', flush=True)
        out[f'{name}_x'] = np.stack(fx + cx)
        out[f'{name}_y'] = np.array(fy + cy, np.float32)
        out[f'{name}_src'] = np.array([m[0] == 'clean' for m in fm + cm])
    np.savez(args.data, **out)
    print(f'-> {args.data}')


def augment(x, rng):
    if rng.random() < 0.5:
        x = x.flip(3)
    if rng.random() < 0.5:
        x = x.flip(2)
    if rng.random() < 0.5:
        x = x.transpose(2, 3)
    return x


@torch.no_grad()
def scores(net, x, y, src, batch=512):
    net.eval()
    p = torch.cat([torch.sigmoid(net(x[i:i + batch].float()))[:, 0] for i in range(0, len(x), batch)]).numpy()
    net.train()
    y = y.numpy().astype(bool)
    res = {}
    for t in (0.3, 0.5, 0.7):
        k = p >= t
        res[f'keep_damage@{t}'] = float(k[y].mean()) if y.any() else 0.0
        res[f'keep_forge_content@{t}'] = float(k[~y & ~src].mean()) if (~y & ~src).any() else 0.0
        res[f'keep_clean@{t}'] = float(k[src].mean()) if src.any() else 0.0
    return res


def train(args):
    d = np.load(args.data)
    x, y = torch.from_numpy(d['train_x']), torch.from_numpy(d['train_y'])
    vx, vy, vsrc = torch.from_numpy(d['val_x']), torch.from_numpy(d['val_y']), d['val_src']
    print(f'train {len(x)} ({int(y.sum())} damage), val {len(vx)} ({int(vy.sum())} damage)', flush=True)
    torch.manual_seed(1234)
    rng = np.random.default_rng(1234)
    net = MarkCheck()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    # each region weighs sqrt(its area) (what is repainted is pixels: a long scratch matters more than a
    # speck), and the two classes weigh the same in all
    side = 48 * 2 ** (4 * x[:, 5, 0, 0].float())
    area = x[:, 4].float().sum(dim=(1, 2)) * (side / 64) ** 2
    wgt = area.clamp(min=1).sqrt() if args.area_weight else torch.ones(len(x))
    for cls in (0, 1):
        wgt[y == cls] *= len(y) / 2 / wgt[y == cls].sum()
    os.makedirs(os.path.dirname(args.ckpt), exist_ok=True)
    log = open(args.log, 'w')
    log.write('step,minutes,lr,loss,' + ','.join(scores(net, vx[:2], vy[:2], vsrc[:2]).keys()) + '\n')
    t0, step, run = time.time(), 0, []
    budget = args.minutes * 60
    while time.time() - t0 < budget:
        frac = (time.time() - t0) / budget
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g['lr'] = lr
        idx = torch.from_numpy(rng.integers(0, len(x), args.batch))
        xb, yb = augment(x[idx].float(), rng), y[idx]
        logits = net(xb)[:, 0]
        loss = F.binary_cross_entropy_with_logits(logits, yb, weight=wgt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.append(loss.item())
        step += 1
        if step % 200 == 0:
            s = scores(net, vx, vy, vsrc)
            log.write(f'{step},{(time.time() - t0) / 60:.2f},{lr:.2e},{np.mean(run):.4f},' + ','.join(f'{v:.4f}' for v in s.values()) + '\n')
            log.flush()
            print(step, f'{(time.time() - t0) / 60:.1f} min loss {np.mean(run):.4f}', json.dumps({k: round(v, 3) for k, v in s.items()}), flush=True)
            run = []
    s = scores(net, vx, vy, vsrc)
    torch.save({'model': net.state_dict(), 'steps': step, 'minutes': args.minutes, 'val': s}, args.ckpt)
    print('final', json.dumps(s), f'-> {args.ckpt}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--make-data', action='store_true')
    ap.add_argument('--data', default=DATA_FILE)
    ap.add_argument('--samples', type=int, default=4000, help='damaged forge crops for the training split')
    ap.add_argument('--thresholds', default='0.7,0.5,0.3')
    ap.add_argument('--limit', type=int, default=0, help='first N photos of each split (smoke tests)')
    ap.add_argument('--minutes', type=float, default=0)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--area-weight', type=int, default=1, help='1: regions weigh sqrt(area) in the loss; 0: all alike')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=HERE)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    args.ckpt = os.path.join(args.out, 'checkpoints', 'mark-check.pt')
    args.log = os.path.join(args.out, 'logs', 'mark-check.csv')
    os.makedirs(os.path.dirname(args.log), exist_ok=True)
    if args.make_data:
        net, _ = load_net('detector', os.path.join(HERE, 'checkpoints'))
        make_data(args, DetectorGraph('detector', net).eval())
    if args.minutes > 0:
        train(args)


if __name__ == '__main__':
    main()
