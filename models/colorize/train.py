"""Train the colorization network (CPU), resumable; the loop is models/training.py.

    /usr/bin/python3 models/colorize/train.py --minutes 60            # train (cumulative budget)
    /usr/bin/python3 models/colorize/train.py --minutes 90 --resume   # continue
    /usr/bin/python3 models/colorize/train.py --steps 2 --max-images 3 --out /tmp/x  # smoke test

Data: photos/imagenet-samples, bsds500 train+val, sun-hays80 and 300 non-held-out UTKFace faces
(models/repair/common.train_files; bsds500/test, eval/* and the 5 % UTKFace hold-out are never read).
The colour bins and rebalancing weights are computed once from the training crops and stored in
the checkpoint, so evaluation and export use exactly the training ones.
Loss: per-pixel cross-entropy against the nearest kept bin, weighted by the rebalancing weight of
the true bin, averaged by the weights' sum.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from common import (HERE, REBALANCE_LAMBDA, ROOT, TEMPERATURE, build, coarse_ab, colour_prior, grid_index, load_cache, load_image,
                    make_batch, make_bins, rebalance_weights, train_files)

sys.path.insert(0, os.path.join(ROOT, 'models'))
from training import add_arguments, prepare, resume, train  # noqa: E402



def annealed_mean(logits, centers, temperature=TEMPERATURE):
    p = torch.softmax(logits / temperature, 1)
    return torch.einsum('nqhw,qc->nchw', p, centers)


def main():
    ap = argparse.ArgumentParser()
    add_arguments(ap, out=HERE, patch=128, lr=2e-3)
    ap.add_argument('--rebalance', type=float, default=REBALANCE_LAMBDA,
                    help='class rebalancing lambda (1 = plain cross-entropy); recomputed from the stored prior on resume')
    ap.add_argument('--mse-weight', type=float, default=0.0,
                    help='adds this times the squared a/b error (per 100 units^2) of the distribution mean (T = 1)')
    ap.add_argument('--faces', type=int, default=300, help='UTKFace faces (outside the hold-out) among the training images')
    ap.add_argument('--zoom', type=float, default=1.0, help='crops come from the image downscaled by a random factor in [zoom, 1]')
    args = ap.parse_args()

    ckpt_path, log_path = prepare(args, 'colorize')

    files = train_files(include_faces=True, n_faces=args.faces)
    val_files = files[::50]
    tr_files = [f for i, f in enumerate(files) if i % 50 != 0]
    if args.max_images:
        tr_files, val_files = tr_files[:args.max_images], val_files[:1]
        imgs, vimgs = [load_image(f) for f in tr_files], [load_image(f) for f in val_files]
    else:
        imgs, vimgs = load_cache(tr_files), load_cache(val_files)
    print(f'{len(imgs)} train / {len(vimgs)} val images', flush=True)

    rng = np.random.default_rng(args.seed)
    # the colour bins decide the network's output size: a resumed run takes the checkpoint's
    ck = torch.load(ckpt_path) if args.resume and os.path.exists(ckpt_path) else None
    bins = ck['bins'] if ck else make_bins(colour_prior(imgs, np.random.default_rng(7), samples=40 if args.max_images else 400))
    centers = torch.from_numpy(bins['centers'])
    if args.rebalance != REBALANCE_LAMBDA:
        bins = {**bins, 'weights': rebalance_weights(bins['prior'], args.rebalance)}
    weights = torch.from_numpy(bins['weights'])
    lut = torch.from_numpy(bins['lut'])
    net = build(len(centers))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    step, elapsed = 0, 0.0
    if ck:
        ck = resume(ckpt_path, net, opt, rng)
        step, elapsed = ck['step'], ck['elapsed']
        print(f'resumed at step {step}, {elapsed / 60:.1f} min', flush=True)
    print(f'colorize: {sum(p.numel() for p in net.parameters())} params, {len(centers)} colour bins, '
          f'patch {args.patch}, batch {args.batch}', flush=True)

    zoom = (args.zoom, 1.0)
    nval = 8 if args.max_images else 32
    vx, vy = make_batch(vimgs, np.random.default_rng(999), nval, args.patch, zoom, p_none=1.0)  # automatic
    hx, hy = make_batch(vimgs, np.random.default_rng(998), nval, args.patch, zoom, p_none=0.0)  # with hints
    mean_ab = (centers * torch.from_numpy(bins['prior'])[:, None]).sum(0).view(1, 2, 1, 1)

    def loss(net, x, y):
        yc = coarse_ab(y)
        target = lut[grid_index(yc)]  # N h w bin indices at the output resolution
        w = weights[target]
        logits = net(x)
        value = (F.cross_entropy(logits, target, reduction='none') * w).sum() / w.sum()
        if args.mse_weight:
            # the distribution's mean is what PSNR sees; plain CE alone left it no better than a constant
            value = value + args.mse_weight * ((annealed_mean(logits, centers, 1.0) - yc) ** 2).mean() / 100
        return value

    @torch.no_grad()
    def validate():
        net.eval()
        up = lambda logits, t: F.interpolate(annealed_mean(logits, centers, t), size=vy.shape[-2:], mode='bilinear', align_corners=False)
        auto, hinted = net(vx), net(hx)
        net.train()
        # PSNR on a/b with a peak of 255 (a/b span about [-128, 127])
        psnr = lambda ab, y: 10 * math.log10(255 ** 2 / ((ab - y) ** 2).mean().item())
        out = {f'val_ab_psnr_T{t}': psnr(up(auto, t), vy) for t in (1.0, 0.6, TEMPERATURE)}
        out['val_ab_psnr_hints'] = psnr(up(hinted, 1.0), hy)
        out['val_ab_psnr_meanchroma'] = psnr(mean_ab, vy)
        out['val_chroma_T0.6'] = up(auto, 0.6).norm(dim=1).mean().item()
        out['val_chroma_true'] = vy.norm(dim=1).mean().item()
        return out

    train(args, net=net, opt=opt, rng=rng, step=step, elapsed=elapsed, extra={'bins': bins}, label='colorize',
          batch=lambda r: make_batch(imgs, r, args.batch, args.patch, zoom), loss=loss, validate=validate,
          ckpt_path=ckpt_path, log_path=log_path)

if __name__ == '__main__':
    main()
