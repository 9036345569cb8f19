"""Detail fine-tune of the face restorer (issue 17), CPU, resumable; the loop is models/training.py.

    /usr/bin/python3 models/faces/train_gan.py --minutes 85                 # from checkpoints/face.pt
    /usr/bin/python3 models/faces/train_gan.py --minutes 85 --resume        # continue (needs the full checkpoint:
                                                                            # the committed face-gan.pt is weights only;
                                                                            # copy face-gan.resume.pt over it first)
    /usr/bin/python3 models/faces/train_gan.py --steps 2 --max-images 3 --out /tmp/x --init ''   # smoke test

On a GPU lease (it copies only the repository, 64 MiB at most with what it carries): here,
    /usr/bin/python3 models/faces/pack_faces.py --out .gpu/faces.pkl --with-nets
    scripts/device-tree.sh hide && scripts/device-tree.sh size .gpu        # under 64
then, there (carry .gpu),
    python3 models/faces/train_gan.py --data-pack .gpu/faces.pkl --recognition .gpu/face-recognition.fp16.onnx \
        --init .gpu/face-init.pt --device cuda --bf16 --workers 14 --batch 32 --minutes 8 --out .gpu/face-gan \
        --feat 0.2 --ident 0.5 --adv 0.002 --grey-mix 0.3
(copy .gpu/face-gan/checkpoints/face-gan.pt to $OUT), and scripts/device-tree.sh restore here afterwards.

Starts from --init (default checkpoints/face.pt, the PSNR-trained model; its file is never written) and
trains on faces as old photos hold them: common.degrade with OLD_FACE_FORGE / OLD_FACE_ACQ (downscale
2-8x, heavier blur, grain, JPEG, halftone, fading, scratches). Faces only (UTKFace outside the hold-out;
the validation split is never trained on); eval/*, the hold-out and real-old/* are never read.
Loss on the prediction x + net(x):
  Charbonnier  +  --feat * feature loss (recognition-net feature maps, gan.feature_loss)
  + --ident * (1 - descriptor cosine)  +  --adv * hinge adversarial (gan.PatchDiscriminator, updated
  once per step on the same batch).
Validation (every --val-every): 48 validation faces with the heavy damage (CRC32 seeds) and at 4x
(common.damage_at): PSNR, detail ratio and descriptor cosine (the PyTorch port) of model and input, and a
PNG of 6 faces (damaged | model | clean) in <out>/logs/gan-samples/.
Checkpoint <out>/checkpoints/face-gan.pt (with the discriminator), log <out>/logs/face-gan.csv.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys

import numpy as np
import torch
from PIL import Image

from common import (HERE, OLD_FACE_ACQ, OLD_FACE_FORGE, ROOT, WIDTHS, build, charbonnier, damage_at, detail_ratio,
                    fixed_pairs, load_cache, load_image, make_batch, psnr, run_model, split_utk)
from gan import PatchDiscriminator, d_hinge, feature_loss, g_hinge, identity_loss
from pack_faces import load_faces_pack
from recognition import cosine
from recognition import load as load_recognition

sys.path.insert(0, os.path.join(ROOT, 'models'))
from training import add_arguments, batch_stream, prepare, resume_if_asked, to_device, train, use_bf16  # noqa: E402

OLD = (OLD_FACE_FORGE, OLD_FACE_ACQ)


def grey_some(batch, rng, share):
    """Turns a share of the (damaged, clean) pairs black-and-white (Rec. 601 luminance in all three channels)."""
    x, y = batch
    w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    for i in range(len(x)):
        if rng.random() < share:
            x[i], y[i] = (x[i:i + 1] * w).sum(1), (y[i:i + 1] * w).sum(1)
    return x, y


def save_samples(path, x, pred, y, n=6):
    rows = [torch.cat([x[i], pred[i], y[i]], 2) for i in range(min(n, len(x)))]
    a = (torch.cat(rows, 1).clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    Image.fromarray(a).save(path)


def main():
    ap = argparse.ArgumentParser()
    add_arguments(ap, out=HERE, patch=128, lr=2e-4)
    ap.add_argument('--init', default=os.path.join(HERE, 'checkpoints', 'face.pt'), help="start from this checkpoint's weights ('' = fresh)")
    ap.add_argument('--feat', type=float, default=0.05)
    ap.add_argument('--ident', type=float, default=0.1)
    ap.add_argument('--adv', type=float, default=0.005)
    ap.add_argument('--d-lr', type=float, default=2e-4)
    ap.add_argument('--grey-mix', type=float, default=0.0,
                    help='share of samples turned black-and-white after the damage (clean and damaged alike), so the model '
                    'learns to add no colour to a B&W face')
    ap.add_argument('--name', default='face-gan', help='checkpoint / log name')
    ap.add_argument('--recognition', default='', help='the recognition net\'s ONNX file (default: models/faces/build\'s)')
    ap.add_argument('--data-pack', default='', help='faces from pack_faces.py instead of ../shared/data (a GPU lease)')
    ap.add_argument('--device', default='cpu', help='cpu or cuda')
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast for the networks (the losses stay float32), where it pays '
                    '(training.bf16_pays)')
    ap.add_argument('--workers', type=int, default=0, help='processes making batches (0: in the training loop)')
    args = ap.parse_args()
    args.bf16 = use_bf16(args.bf16, args.device)
    ckpt_path, log_path = prepare(args, args.name)

    load_val = None
    if args.data_pack:  # the same split, in the same order; the validation faces are the pack's, resized to the patch
        pack = load_faces_pack(args.data_pack)
        imgs, val = pack['train'][:args.max_images or None], dict(pack['val'])
        val_files = list(val)[:2 if args.max_images else 48]
        load_val = lambda name, size: np.asarray(Image.fromarray(val[name]).resize((size, size), Image.BICUBIC))  # noqa: E731
    else:
        tr_files, val_files = split_utk()
        if args.max_images:
            tr_files, val_files = tr_files[:args.max_images], val_files[:2]
            imgs = [load_image(f, 200) for f in tr_files]
        else:
            imgs = load_cache(tr_files, short=200)
            val_files = val_files[:48]
    vx, vy = fixed_pairs(val_files, args.patch, load=load_val, damage=OLD)
    v4x, v4y = fixed_pairs(val_files, args.patch, load=load_val, damage=damage_at(4))

    rec = load_recognition(args.recognition) if args.recognition else load_recognition()
    net = build(WIDTHS)
    disc = PatchDiscriminator()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, betas=(0.9, 0.99))
    d_opt = torch.optim.Adam(disc.parameters(), lr=args.d_lr, betas=(0.5, 0.99))
    rng = np.random.default_rng(args.seed)
    resumed = resume_if_asked(args, ckpt_path, net, opt, rng, 'face-gan')
    if resumed:
        ck = torch.load(ckpt_path, map_location='cpu')
        disc.load_state_dict(ck['disc'])
        d_opt.load_state_dict(ck['d_opt'])
    elif args.init:
        net.load_state_dict(torch.load(args.init, map_location='cpu')['model'])  # generator only: a fresh discriminator
        print(f'initialised from {os.path.relpath(args.init, ROOT)}', flush=True)
    step, elapsed = resumed or (0, 0.0)
    dev = to_device(net, opt, args.device)
    to_device(disc, d_opt, args.device)
    rec.to(dev)
    vx, vy, v4x, v4y = (t.to(dev) for t in (vx, vy, v4x, v4y))
    make = functools.partial(make_batch, imgs, bs=args.batch, size=args.patch, damage=OLD)
    make_grey = lambda r: grey_some(make(rng=r), r, args.grey_mix)  # noqa: E731
    if args.workers:
        stream = batch_stream(make_grey, args.seed + step, args.workers)
        next_batch = lambda r: next(stream)  # noqa: E731
    else:
        next_batch = make_grey
    autocast = lambda: torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.bf16)  # noqa: E731
    samples = os.path.join(args.out, 'logs', 'gan-samples')
    os.makedirs(samples, exist_ok=True)
    print(f'face-gan: {len(imgs)} train / {len(val_files)} val faces; G {sum(p.numel() for p in net.parameters())} params, '
          f'D {sum(p.numel() for p in disc.parameters())}; weights feat {args.feat} ident {args.ident} adv {args.adv}', flush=True)

    def loss(net, x, y):
        x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
        with autocast():
            pred = x + net(x).float()  # run_model, with the residual add in float32
        # discriminator step on this batch (its gradients are kept out of the generator's step below)
        disc.requires_grad_(True)
        d_opt.zero_grad()
        with autocast():
            d_loss = d_hinge(disc, y, pred.detach()).float()
        d_loss.backward()
        d_opt.step()
        disc.requires_grad_(False)
        with torch.no_grad(), autocast():
            d_ref, f_ref = rec.faces(y)
        with autocast():
            d_pred, f_pred = rec.faces(pred.clamp(0, 1))
            adv = g_hinge(disc, pred).float()
        d_ref, d_pred = d_ref.float(), d_pred.float()
        f_ref, f_pred = ({k: v.float() for k, v in f.items()} for f in (f_ref, f_pred))
        return (charbonnier(pred, y) + args.feat * feature_loss(f_pred, f_ref) + args.ident * identity_loss(d_pred, d_ref)
                + args.adv * adv)

    @torch.no_grad()
    def validate():
        net.eval()
        out = {}
        for tag, x, y in (('old', vx, vy), ('4x', v4x, v4y)):
            pred = torch.cat([run_model(net, x[i:i + 16]) for i in range(0, len(x), 16)]).clamp(0, 1)
            d_y = rec.faces(y)[0]
            out.update({f'{tag}_psnr': psnr(pred, y).mean().item(), f'{tag}_psnr_input': psnr(x, y).mean().item(),
                        f'{tag}_detail': detail_ratio(pred, y).mean().item(), f'{tag}_detail_input': detail_ratio(x, y).mean().item(),
                        f'{tag}_identity': cosine(rec.faces(pred)[0], d_y).mean().item(),
                        f'{tag}_identity_input': cosine(rec.faces(x)[0], d_y).mean().item()})
            save_samples(os.path.join(samples, f'{tag}-latest.png'), x.cpu(), pred.cpu(), y.cpu())
        net.train()
        return out

    train(args, net=net, opt=opt, rng=rng, step=step, elapsed=elapsed, label='face-gan',
          extra=lambda: {'widths': list(WIDTHS), 'size': args.patch, 'disc': disc.state_dict(), 'd_opt': d_opt.state_dict(),
                         'init': args.init and os.path.relpath(args.init, ROOT)},
          batch=next_batch, loss=loss, validate=validate,
          ckpt_path=ckpt_path, log_path=log_path)


if __name__ == '__main__':
    main()
