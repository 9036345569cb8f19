"""Train the face restoration network (CPU), resumable; the loop is models/training.py.

    /usr/bin/python3 models/faces/train.py --minutes 55                  # train (cumulative budget)
    /usr/bin/python3 models/faces/train.py --minutes 75 --resume         # continue / extend
    /usr/bin/python3 models/faces/train.py --steps 2 --max-images 3 --out /tmp/x   # smoke test

Data: UTKFace outside the 5 % hold-out (common.split_utk; every 100th of those is the validation
split, never trained on); eval/* and the hold-out are never read. Each sample: a random square crop
(85-100 % of the face image), resized to --patch, random flip, degraded by common.degrade with the
training RNG; --photo-mix of the samples (default 25 %) are crops of general photos instead
(common.photo_files), for texture UTKFace's compressed faces lack. Loss: Charbonnier + --ssim-weight * (1 - SSIM) on the residual prediction x + net(x).
Validation (every --val-every steps): 48 validation faces, whole, at --patch, degraded with their
CRC32 seeds: PSNR / SSIM of the network and of the degraded input.
Checkpoint <out>/checkpoints/face.pt, log <out>/logs/face.csv.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

from common import (HERE, ROOT, WIDTHS, build, fixed_pairs, load_cache, load_image, make_batch, photo_files, psnr,
                    restore_loss, run_model, split_utk, ssim)

sys.path.insert(0, os.path.join(ROOT, 'models'))
from training import add_arguments, prepare, resume_if_asked, train, use_bf16  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    add_arguments(ap, out=HERE, patch=128, lr=1e-3)
    ap.add_argument('--ssim-weight', type=float, default=0.1)
    ap.add_argument('--no-bf16', action='store_true', help='train in float32 (default: bf16 autocast where it pays: training.bf16_pays)')
    ap.add_argument('--photo-mix', type=float, default=0.25,
                    help='share of samples cropped from general photos instead of faces (0 = faces only)')
    args = ap.parse_args()

    ckpt_path, log_path = prepare(args, 'face')

    tr_files, val_files = split_utk()
    t0 = time.time()
    if args.max_images:
        tr_files, val_files = tr_files[:args.max_images], val_files[:2]
        imgs = [load_image(f, 200) for f in tr_files]
    else:
        imgs = load_cache(tr_files, short=200)  # UTKFace is 200x200: kept as is
        val_files = val_files[:48]
    photos = []
    if args.photo_mix > 0:
        pf = photo_files()
        photos = [load_image(f, 256) for f in pf[:args.max_images]] if args.max_images else load_cache(pf, short=256)
    vx, vy = fixed_pairs(val_files, args.patch)
    print(f'{len(imgs)} train / {len(val_files)} val faces, {len(photos)} photos at {args.photo_mix:.0%} ({time.time() - t0:.1f}s)', flush=True)

    net = build(WIDTHS)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    step, elapsed = resume_if_asked(args, ckpt_path, net, opt, rng, 'face') or (0, 0.0)
    bf16 = use_bf16(not args.no_bf16)
    print(f'face: {sum(p.numel() for p in net.parameters())} params, widths {list(WIDTHS)}, patch {args.patch}, '
          f'batch {args.batch}, {"bf16 autocast" if bf16 else "fp32"}', flush=True)

    def loss(net, x, y):
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            pred = run_model(net, x)
        return restore_loss(pred.float(), y, args.ssim_weight)

    @torch.no_grad()
    def validate():
        net.eval()
        pred = torch.cat([run_model(net, vx[i:i + 16]) for i in range(0, len(vx), 16)]).clamp(0, 1)
        net.train()
        return {'val_psnr': psnr(pred, vy).mean().item(), 'val_psnr_input': psnr(vx, vy).mean().item(),
                'val_ssim': ssim(pred, vy).item(), 'val_ssim_input': ssim(vx, vy).item()}

    train(args, net=net, opt=opt, rng=rng, step=step, elapsed=elapsed, label='face',
          extra={'widths': list(WIDTHS), 'size': args.patch},
          batch=lambda r: make_batch(imgs, r, args.batch, args.patch, photos, args.photo_mix), loss=loss, validate=validate,
          ckpt_path=ckpt_path, log_path=log_path)


if __name__ == '__main__':
    main()
