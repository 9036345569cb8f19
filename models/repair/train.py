"""Train one repair model on forge-synthesized samples (CPU); the loop is models/training.py.

    /usr/bin/python3 models/repair/train.py --model detector --minutes 25
    /usr/bin/python3 models/repair/train.py --model detector --minutes 25 --resume   # continue
    /usr/bin/python3 models/repair/train.py --model denoise --steps 2 --max-images 2 --out /tmp/x  # smoke
    # precision fine-tune: all of detector.pt's weights, a quarter of each batch mined false alarms
    /usr/bin/python3 models/repair/train.py --model detector --init-all models/repair/checkpoints/detector.pt \
        --hard-negatives models/repair/hard-negatives.json --data-pack .gpu/repair-photos.pkl --out /tmp/ft

On a GPU lease (it copies only the repository, 64 MiB at most with what it carries): here,
    /usr/bin/python3 models/repair/pack_data.py --out .gpu/repair-photos.pkl --short 320 --quality 85   # 50 MiB
    scripts/device-tree.sh hide models/repair/checkpoints/detector.pt && scripts/device-tree.sh size .gpu
then, there (carry .gpu), as the shipped detector was trained (card: models/cards/repair-detector.md),
    python3 models/repair/train.py --model detector --data-pack .gpu/repair-photos.pkl --device cuda --bf16 \
        --workers 15 --batch 32 --patch 256 --lr 2e-3 --minutes 8 --out .gpu/det
(or --init-all models/repair/checkpoints/detector.pt to continue it), and scripts/device-tree.sh restore here.

Stops at --steps or --minutes (cumulative over resumes), whichever comes first. Checkpoints go to
<out>/checkpoints/<model>.pt every --ckpt-minutes; metrics to <out>/logs/<model>.csv.
"""
from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import (HERE, PROBABILITY_MAPS, ROOT, build, load_cache, load_hard_negatives, load_pack, make_batch, photo_name,
                    push_pull, run_model, train_files)

sys.path.insert(0, os.path.join(ROOT, 'models'))
from training import add_arguments, batch_stream, prepare, resume_if_asked, to_device, train, use_bf16  # noqa: E402


def darker_than_surroundings(x):
    """N,1,H,W bool: pixels whose grey level is under the mean of the 21 px square round them (a dark mark)."""
    grey = (x[:, :3] * torch.tensor([0.299, 0.587, 0.114], device=x.device).view(1, 3, 1, 1)).sum(1, keepdim=True)
    return grey < F.avg_pool2d(grey, 21, stride=1, padding=10, count_include_pad=False)


def detector_loss(logits, y, hard_weight=0.5, x=None, dark_weight=1.0):
    """Weighted BCE + batch soft Dice + hard_weight x the BCE of the hardest 0.5 % of negative pixels: false
    alarms on content (window frames, lettering, glasses) are what users see, so they cost the most. The tears
    net trains without that term: it held every output under the brightest flat content's (a tear looks like
    sky until the net has learned its edge); its precision is left to the threshold and the app's rules.
    dark_weight: damage pixels darker than their surroundings (x, the input) count that many times: the
    shipped detector finds a tenth as many dark marks as light ones (recall_breakdown.py), its hard negatives
    being thin dark content."""
    t, w = y[:, :1], y[:, 1:2]
    if dark_weight != 1.0:
        w = w * (1 + (dark_weight - 1) * t * darker_than_surroundings(x).float())
    bce = F.binary_cross_entropy_with_logits(logits, t, reduction='none')
    base = (bce * w).sum() / w.sum().clamp_min(1)
    p = torch.sigmoid(logits)
    inter = (p * t * w).sum()
    dice = 1 - (2 * inter + 1) / ((p * w).sum() + (t * w).sum() + 1)
    neg = (bce * w * (1 - t)).flatten()
    hard = neg.topk(max(1, neg.numel() // 200)).values.mean()
    return base + dice + hard_weight * hard


def loss_fn(name, pred, y, x, dark_weight=1.0):
    if name in PROBABILITY_MAPS:
        return detector_loss(pred.float(), y, 0.0 if name == 'tears' else 0.5, x, dark_weight)
    if name == 'denoise':
        return torch.sqrt((pred - y) ** 2 + 1e-6).mean()
    m = x[:, 3:4]
    hole = (torch.abs(pred - y) * m).sum() / (m.sum() * 3 + 1)
    return hole + 0.1 * torch.abs(pred - y).mean()


def detector_scores(logits, y, threshold=0.5):
    """Pixel precision/recall of the scored pixels; clean_fp = share of pixels flagged on the
    samples without any damage (false alarms on content)."""
    t, w = y[:, :1], y[:, 1:2]
    p = (logits > math.log(threshold / (1 - threshold))).float()
    tp, fp, fn = (p * t * w).sum().item(), (p * (1 - t) * w).sum().item(), ((1 - p) * t * w).sum().item()
    clean = t.sum((1, 2, 3)) == 0
    clean_fp = p[clean].mean().item() if clean.any() else 0.0
    return {'val_precision': tp / max(1.0, tp + fp), 'val_recall': tp / max(1.0, tp + fn),
            'val_f1': 2 * tp / max(1.0, 2 * tp + fp + fn), 'val_clean_fp': clean_fp}


@torch.no_grad()
def val_metric(name, net, vx, vy, hx=None):
    net.eval()
    pred = run_model(name, net, vx)
    hard = run_model(name, net, hx) if hx is not None else None
    net.train()
    if name in PROBABILITY_MAPS:
        scores = detector_scores(pred.float(), vy)
        if hard is not None:
            # mined false-alarm spots of training photos: how well the fine-tune fits them (not held out)
            scores['val_hard_fp'] = (hard.float() > 0).float().mean().item()
        return scores
    pred = pred.clamp(0, 1)
    if name == 'denoise':
        mse = ((pred - vy) ** 2).mean().item()
        base = ((vx - vy) ** 2).mean().item()
        return {'val_psnr': 10 * math.log10(1 / max(mse, 1e-10)), 'val_psnr_input': 10 * math.log10(1 / max(base, 1e-10))}
    m = vx[:, 3:4]
    out = {}
    for k, p in (('val_psnr_hole', pred), ('val_psnr_prefill', push_pull(vx[:, :3] * (1 - m), 1 - m))):
        mse = (((p - vy) ** 2) * m).sum().item() / max(1.0, m.sum().item() * 3)
        out[k] = 10 * math.log10(1 / max(mse, 1e-10))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True, choices=['detector', 'tears', 'denoise', 'inpaint'])
    add_arguments(ap, out=HERE, patch=96, lr=2e-3)
    ap.add_argument('--init', default='', help='start from this checkpoint\'s weights (all but the 1x1 head, '
                    'which starts at zero so a residual model starts as its prefill); fresh optimizer and step 0')
    ap.add_argument('--init-all', default='', help='fine-tune: start from this checkpoint\'s weights, all of them '
                    '(head included); fresh optimizer and step 0')
    ap.add_argument('--hard-negatives', default='', help='detector, tears: mined false alarms (mine_negatives.py; several files comma-separated); '
                    '--hard-share of every batch is crops around them with no defect (no tear)')
    ap.add_argument('--faces', type=int, default=0, help='also train on the first N UTKFace training faces (the '
                    'hold-out excluded), as mine_negatives.py --faces N reads them')
    ap.add_argument('--hard-share', type=float, default=0.25)
    ap.add_argument('--data-pack', default='', help='photos from pack_data.py instead of ../shared/data')
    ap.add_argument('--device', default='cpu', help='cpu or cuda')
    ap.add_argument('--workers', type=int, default=0, help='processes making batches (0: in the training loop)')
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast where it pays (training.bf16_pays)')
    ap.add_argument('--dark-weight', type=float, default=1.0, help='detector: damage darker than its surroundings '
                    'counts this many times in the loss (the shipped detector misses dark marks: recall_breakdown.py)')
    ap.add_argument('--forge-preset', default='', help="detector only: the forge preset its samples use "
                    "(default 'detector'; 'prints' adds tape, glue and mould)")
    args = ap.parse_args()
    args.bf16 = use_bf16(args.bf16, args.device)
    if args.forge_preset:
        os.environ['HEIRLOOM_FORGE_PRESET'] = args.forge_preset  # before any sample is made (see common.detector_preset)

    ckpt_path, log_path = prepare(args, args.model)

    if args.data_pack:
        named = load_pack(args.data_pack)
        # the same validation slice rule as the folders: every 50th photo
        vimgs = [im for i, (_, im) in enumerate(named) if i % 50 == 0]
        imgs = [im for i, (_, im) in enumerate(named) if i % 50 != 0]
        names = [n for i, (n, _) in enumerate(named) if i % 50 != 0]
        print(f'loaded {len(imgs)} train / {len(vimgs)} val photos from {args.data_pack}', flush=True)
    else:
        files = train_files(include_faces=args.faces > 0, n_faces=args.faces)
        # a fixed slice of the training folders is used only for validation during training
        val_files = files[::50]
        tr_files = [f for i, f in enumerate(files) if i % 50 != 0]
        if args.max_images:
            tr_files, val_files = tr_files[:args.max_images], val_files[:1]
            imgs = [__import__('common').load_image(f) for f in tr_files]
            vimgs = [__import__('common').load_image(f) for f in val_files]
        else:
            t0 = time.time()
            imgs = load_cache(tr_files)
            vimgs = load_cache(val_files)
            print(f'loaded {len(imgs)} train / {len(vimgs)} val images in {time.time() - t0:.1f}s', flush=True)
        names = [photo_name(f) for f in tr_files]

    vrng = np.random.default_rng(999)
    vx, vy = make_batch(args.model, vimgs, vrng, 8 if args.max_images else 48, args.patch)
    hard, hx = None, None
    if args.hard_negatives:
        hard = load_hard_negatives(args.hard_negatives, names)
        if not hard:
            raise SystemExit(f'no mined false alarm in {args.hard_negatives} is on a loaded training photo')
        print(f'{len(hard)} hard negatives on {len({h[0] for h in hard})} photos, {args.hard_share:.0%} of each batch', flush=True)
        hx, _ = make_batch(args.model, imgs, np.random.default_rng(998), 4 if args.max_images else 16, args.patch, hard, 1.0)

    net = build(args.model)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    resumed = resume_if_asked(args, ckpt_path, net, opt, rng, args.model)
    step, elapsed = resumed or (0, 0.0)
    if not resumed and args.init_all:
        net.load_state_dict(torch.load(args.init_all, map_location='cpu')['model'])
        print(f'fine-tuning all weights of {args.init_all}', flush=True)
    elif not resumed:
        if args.init:
            sd = {k: v for k, v in torch.load(args.init)['model'].items() if not k.startswith('head.')}
            net.load_state_dict(sd, strict=False)
            print(f'initialised from {args.init}', flush=True)
        if args.init or args.model == 'inpaint':
            # residual heads start at zero: the model starts as exactly its prefill / input
            torch.nn.init.zeros_(net.head.weight)
            torch.nn.init.zeros_(net.head.bias)
    print(f'{args.model}: {sum(p.numel() for p in net.parameters())} params, patch {args.patch}, batch {args.batch}', flush=True)

    dev = to_device(net, opt, args.device)
    vx, vy = vx.to(dev), vy.to(dev)
    hx = hx.to(dev) if hx is not None else None
    if args.workers:
        stream = batch_stream(functools.partial(make_batch, args.model, imgs, bs=args.batch, size=args.patch, hard=hard,
                                                hard_share=args.hard_share), args.seed + step, args.workers)
        next_batch = lambda r: next(stream)  # noqa: E731
    else:
        next_batch = lambda r: make_batch(args.model, imgs, r, args.batch, args.patch, hard, args.hard_share)  # noqa: E731

    def loss(n, x, y):
        x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.bf16):
            pred = run_model(args.model, n, x)
        return loss_fn(args.model, pred.float(), y, x, args.dark_weight)

    train(args, net=net, opt=opt, rng=rng, step=step, elapsed=elapsed, label=args.model,
          batch=next_batch, loss=loss,
          validate=lambda: val_metric(args.model, net, vx, vy, hx),
          ckpt_path=ckpt_path, log_path=log_path)


if __name__ == '__main__':
    main()
