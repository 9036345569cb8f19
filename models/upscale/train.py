"""Train Heirloom's compact super-resolution network (x2 or x4) on forge-damaged pairs; the loop is
models/training.py (cumulative --minutes/--steps, checkpoints, CSV log, cosine LR).

    /usr/bin/python3 models/upscale/train.py --scale 2 --minutes 60
    /usr/bin/python3 models/upscale/train.py --scale 2 --minutes 90 --resume          # continue
    /usr/bin/python3 models/upscale/train.py --scale 4 --init models/upscale/checkpoints/sr-x2.pt --minutes 30
    /usr/bin/python3 models/upscale/train.py --scale 4 --finetune models/upscale/checkpoints/sr-x4.pt --loss l2 \
        --lr 2e-4 --minutes 60 --out /tmp/ft      # a fresh schedule from trained weights
    /usr/bin/python3 models/upscale/train.py --scale 2 --steps 2 --max-images 2 --out /tmp/x   # smoke

On a GPU lease (it copies only the repository, 64 MiB at most with what it carries): here,
    /usr/bin/python3 models/repair/pack_data.py --faces 0 --short 320 --quality 85 --out .gpu/sr-photos.pkl   # 46 MiB
    scripts/device-tree.sh hide models/upscale/checkpoints/sr-x4.pt && scripts/device-tree.sh size .gpu     # 54
then, there (carry .gpu; scripts/device-tree.sh restore here afterwards),
    python3 models/upscale/train.py --scale 4 --finetune models/upscale/checkpoints/sr-x4.pt --loss l2 --lr 5e-4 \
        --data-pack .gpu/sr-photos.pkl --device cuda --bf16 --workers 15 --batch 64 --minutes 8 --out .gpu/sr
(add --deepen 6 to the shipped sr-x4.pt, or fine-tune checkpoints/sr-x4-deep.pt, for the 20-conv x4 the card measures).

Checkpoints: <out>/checkpoints/sr-x<scale>.pt; metrics: <out>/logs/sr-x<scale>.csv (validation PSNR
of the network and of bicubic on the same fixed damaged pairs from the training folders' every
50th photo, never trained on).
"""
from __future__ import annotations

import argparse
import functools
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from common import ARCH, HERE, ROOT, CompactSR, deepen, load_cache, load_pack, make_batch, run_record, train_files

sys.path.insert(0, os.path.join(ROOT, 'models'))
from training import add_arguments, batch_stream, prepare, resume_if_asked, to_device, train, use_bf16  # noqa: E402

CACHE_SHORT = 320  # photos decoded once at this short side (more detail than the repair cache's 256)


def psnr(a, b):
    return 10 * math.log10(1 / max(F.mse_loss(a, b).item(), 1e-10))


@torch.no_grad()
def validate(net, vx, vy, scale):
    net.eval()
    out = net(vx).clamp(0, 1)
    net.train()
    bic = F.interpolate(vx, scale_factor=scale, mode='bicubic', align_corners=False).clamp(0, 1)
    return {'val_psnr': psnr(out, vy), 'val_psnr_bicubic': psnr(bic, vy)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scale', type=int, choices=(2, 4), required=True)
    add_arguments(ap, out=HERE, patch=0, lr=1e-3)
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast where it pays '
                    '(a GPU, a CPU with bf16 instructions: training.bf16_pays; float32 otherwise)')
    ap.add_argument('--channels', type=int, default=0, help='architecture (default: common.ARCH); a resumed run keeps its own')
    ap.add_argument('--body', type=int, default=0, help='convs between the first and the last (default: common.ARCH)')
    ap.add_argument('--init', default='', help='start from this checkpoint\'s body (e.g. x4 from x2); fresh optimizer')
    ap.add_argument('--finetune', default='', help='start from all of this checkpoint\'s weights (its architecture); '
                    'fresh optimizer and schedule; the checkpoint records where it came from')
    ap.add_argument('--deepen', type=int, default=0, help='with --finetune: add this many body convs, each starting as '
                    'the identity, so training starts from the checkpoint\'s exact output with more capacity')
    ap.add_argument('--loss', choices=('l1', 'l2'), default='l1',
                    help='l2 is what PSNR scores: under heavy damage the mean beats the median L1 learns; '
                    'a resumed run keeps its own')
    ap.add_argument('--data-pack', default='', help='photos from models/repair/pack_data.py --faces 0 --short 320 '
                    'instead of ../shared/data (a GPU lease copies only the repository)')
    ap.add_argument('--device', default='cpu', help='cpu or cuda')
    ap.add_argument('--workers', type=int, default=0, help='processes making batches (0: in the training loop)')
    args = ap.parse_args()
    args.bf16 = use_bf16(args.bf16, args.device)  # recorded in the checkpoint as what ran
    name = f'sr-x{args.scale}'
    lr_patch = args.patch or (64 if args.scale == 2 else 40)
    ckpt_path, log_path = prepare(args, name)

    if args.data_pack:  # the pack keeps the folders' order, so every 50th photo is the same validation slice
        photos = [im for _, im in load_pack(args.data_pack)]
        imgs, vimgs = [im for i, im in enumerate(photos) if i % 50 != 0], photos[::50]
    else:
        files = train_files()
        val_files, tr_files = files[::50], [f for i, f in enumerate(files) if i % 50 != 0]
        if args.max_images:
            tr_files, val_files = tr_files[:args.max_images], val_files[:1]
        imgs, vimgs = load_cache(tr_files, short=CACHE_SHORT), load_cache(val_files, short=CACHE_SHORT)
    print(f'{len(imgs)} train / {len(vimgs)} val photos', flush=True)
    vx, vy = make_batch(vimgs, np.random.default_rng(999), 8 if args.max_images else 48, lr_patch, args.scale)

    arch = {k: getattr(args, k) or v for k, v in ARCH[args.scale].items()}
    origin = None  # the run a fine-tune started from, kept in its checkpoints
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location='cpu')
        arch, origin, args.loss = ck['arch'], ck.get('finetuned_from'), ck.get('loss', 'l1')  # a resumed run keeps its own
    elif args.finetune:
        ck = torch.load(args.finetune, map_location='cpu')
        arch = {**ck['arch'], 'body': ck['arch']['body'] + args.deepen}
        origin = {'checkpoint': os.path.basename(args.finetune), **run_record(ck), 'arch': ck['arch'],
                  **({'finetuned_from': ck['finetuned_from']} if 'finetuned_from' in ck else {})}
    net = CompactSR(args.scale, **arch)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    resumed = resume_if_asked(args, ckpt_path, net, opt, rng, name)
    step, elapsed = resumed or (0, 0.0)
    if not resumed and args.finetune:
        net.load_state_dict(deepen(ck['model'], ck['arch'], args.deepen) if args.deepen else ck['model'])
        print(f'fine-tuning {args.finetune} (step {origin["step"]}, {origin["minutes"]:.1f} min)', flush=True)
    elif not resumed and args.init:
        sd = torch.load(args.init, map_location='cpu')['model']
        last = f"body.{max(int(k.split('.')[1]) for k in sd if k.startswith('body.'))}."  # the output conv
        keep = {k: v for k, v in sd.items() if not k.startswith(last)}
        net.load_state_dict(keep, strict=False)
        print(f'initialised from {args.init} (all but {last})', flush=True)
    print(f'{name}: {arch}, {sum(p.numel() for p in net.parameters())} params, lr patch {lr_patch}, batch {args.batch}', flush=True)

    dev = to_device(net, opt, args.device)
    vx, vy = vx.to(dev), vy.to(dev)
    make = functools.partial(make_batch, imgs, bs=args.batch, lr_patch=lr_patch, scale=args.scale)  # make(rng)
    if args.workers:
        stream = batch_stream(make, args.seed + step, args.workers)
        next_batch = lambda r: next(stream)  # noqa: E731
    else:
        next_batch = make

    def loss(n, x, y):
        x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.bf16):
            out = n(x)
        err = out.float() - y
        return (err * err).mean() if args.loss == 'l2' else err.abs().mean()

    train(args, net=net, opt=opt, rng=rng, step=step, elapsed=elapsed, label=name, batch=next_batch, loss=loss,
          validate=lambda: validate(net, vx, vy, args.scale), ckpt_path=ckpt_path, log_path=log_path,
          extra={'scale': args.scale, 'lr_patch': lr_patch, 'arch': arch, 'loss': args.loss,
                 **({'finetuned_from': origin} if origin else {})})


if __name__ == '__main__':
    main()
