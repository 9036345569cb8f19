"""Heirloom's own super-resolution network and its training data (x2 and x4).

The network is SRVGG-style (Real-ESRGAN's "compact" family): every convolution runs at the low
resolution, a pixel shuffle makes the high-resolution image, and the body only learns the residual
over a bilinear enlargement. Its FLOPs are budgeted for the CPU: ~0.14 MFLOP per input pixel at x2,
a tenth of esrgan-medium's (bench/model-flops.json).

Training pairs follow Real-ESRGAN's idea with the project's forge: a clean photo is blurred,
resized, grained, halftoned and JPEG-saved, resized again to the low resolution and damaged a
second time; 20 % of the pairs are plain area downscales, so clean inputs stay at least as good
as bicubic.
"""
from __future__ import annotations

import os
import sys

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'models'))
from shared_modules import repair_common  # noqa: E402

rc = repair_common()
forge, preset, train_files, load_cache, load_pack, DATA = rc.forge, rc.preset, rc.train_files, rc.load_cache, rc.load_pack, rc.DATA

# Per scale. ReLU, not PReLU: int8 folds a ReLU into its conv (QLinearConv), while a PReLU runs in
# float between Dequantize and Quantize (16 % of the int8 time), and bf16 training of PReLU is ~6x
# slower on this CPU. x2 has 7 body convs to fit the speed budget (issue 18: 3x faster than
# UpscalerJS's default model, which takes ~8 s per MP in the browser); a body at half resolution (strided conv in, pixel shuffle by 2s out) was tried and
# scored 0.13 dB lower at the same steps.
ARCH = {2: {'channels': 32, 'body': 7}, 4: {'channels': 32, 'body': 10}}
CLEAN_SHARE = 0.2
INTERP = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC)


class CompactSR(nn.Module):
    """conv + ReLU at the low resolution, pixel shuffle, plus a bilinear enlargement of the input."""

    def __init__(self, scale, channels=None, body=None):
        super().__init__()
        self.scale = scale
        channels, body = channels or ARCH[scale]['channels'], body or ARCH[scale]['body']
        layers = [nn.Conv2d(3, channels, 3, padding=1), nn.ReLU()]
        for _ in range(body):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)]
        self.body = nn.Sequential(*layers)
        self.shuffle = nn.PixelShuffle(scale)
        for m in layers[:-1]:  # PyTorch's default init shrinks the signal ~3x a layer: 10 layers lose it
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
                nn.init.zeros_(m.bias)
        nn.init.zeros_(layers[-1].weight)  # starts as the bilinear enlargement
        nn.init.zeros_(layers[-1].bias)

    def forward(self, x):  # x: N,3,H,W in [0,1]
        base = F.interpolate(x, scale_factor=self.scale, mode='bilinear', align_corners=False)
        return base + self.shuffle(self.body(x))


def deepen(sd, arch, n):
    """The state dict of the same network with n more body convs that compute the same output: each new conv
    (inserted before the output conv) is the identity, exact because its input has passed a ReLU (>= 0)."""
    body, ch = arch['body'], arch['channels']
    out = f'body.{2 * (body + 1)}.'  # the output conv's index in the Sequential (conv, ReLU pairs before it)
    new = {k: v for k, v in sd.items() if not k.startswith(out)}
    eye = torch.zeros(ch, ch, 3, 3)
    eye[range(ch), range(ch), 1, 1] = 1
    for i in range(n):
        added = f'body.{2 * (body + 1 + i)}.'
        new[added + 'weight'], new[added + 'bias'] = eye.clone(), torch.zeros(ch)
    moved = f'body.{2 * (body + 1 + n)}.'
    new[moved + 'weight'], new[moved + 'bias'] = sd[out + 'weight'], sd[out + 'bias']
    return new


def receptive_field(arch):
    """Input pixels each side of an output pixel that can change it: one per 3x3 conv."""
    return arch['body'] + 2


def describe_arch(arch, scale):
    return (f'SRVGG-style: {arch["body"] + 2} 3x3 convs of {arch["channels"]} channels with ReLU at the input resolution, '
            f'a pixel shuffle by {scale}, plus a bilinear enlargement; receptive field {receptive_field(arch)} input px each side')


def run_record(ck):
    """What a checkpoint's own run was (not the runs it was fine-tuned from): step, minutes, batch, lr_patch,
    lr, loss, device, threads and bf16. A fine-tune keeps its source's record as 'finetuned_from'."""
    a = ck['args']
    return {'step': ck['step'], 'minutes': ck['elapsed'] / 60, 'batch': a['batch'], 'lr_patch': ck['lr_patch'],
            'lr': a['lr'], 'loss': ck.get('loss', 'l1'), 'device': a.get('device', 'cpu'),
            'threads': a.get('threads', 2), 'bf16': a.get('bf16', False)}


def lineage(ck):
    """The training runs behind a checkpoint, oldest first (run_record of each)."""
    runs, origin = [], ck.get('finetuned_from')
    while origin:
        runs.insert(0, origin)
        origin = origin.get('finetuned_from')
    return runs + [run_record(ck)]


def describe_steps(ck):
    """'72,798 x 16 (40 px input patches, L1), then 20,000 x 8 (64 px, L2 fine-tune)': steps x batch per run."""
    runs = lineage(ck)
    first, rest = runs[0], runs[1:]
    return ', then '.join([f'{first["step"]:,} x {first["batch"]} ({first["lr_patch"]} px input patches, {first["loss"].upper()})']
                          + [f'{r["step"]:,} x {r["batch"]} ({r["lr_patch"]} px, {r["loss"].upper()} fine-tune)' for r in rest])


def training_time(ck):
    """How long a checkpoint trained (every run) and on what, for manifests and the card."""
    def where(r):
        n = r.get('threads', 2)
        return (('a GPU' if r.get('device', 'cpu') != 'cpu' else f'{n} CPU thread{"s" if n > 1 else ""}')
                + (' (bf16 autocast)' if r.get('bf16') else ''))
    runs = lineage(ck)
    if len({where(r) for r in runs}) == 1:  # one machine: one total
        return f'{sum(r["minutes"] for r in runs):.0f} min on {where(runs[0])}'
    return ' + '.join(f'{r["minutes"]:.0f} min on {where(r)}' for r in runs)


def load_net(ck):
    """The network of a checkpoint, with the architecture it was trained with."""
    net = CompactSR(ck['scale'], **ck['arch'])
    net.load_state_dict(ck['model'])
    return net


class Exported(nn.Module):
    """What the ONNX file computes: the network, clipped to [0,1]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x).clamp(0, 1)


def _resize(img, w, h, rng):
    return cv2.resize(img, (w, h), interpolation=INTERP[int(rng.integers(0, len(INTERP)))])


def degrade(hr, scale, rng):
    """hr: HxWx3 uint8 (H, W multiples of scale) -> the low-resolution input, uint8."""
    h, w = hr.shape[:2]
    lh, lw = h // scale, w // scale
    if rng.random() < CLEAN_SHARE:
        return cv2.resize(hr, (lw, lh), interpolation=cv2.INTER_AREA)
    img = hr
    if rng.random() < 0.6:  # optics / print softness, in high-resolution pixels
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 0.8 * scale))
    # first order at an intermediate size between the target's and 1/0.6 of it
    f = rng.uniform(0.6, 1.0)
    mh, mw = max(lh, int(round(lh / f))), max(lw, int(round(lw / f)))
    img = forge(_resize(img, mw, mh, rng), rng, preset('acquisition'))['damaged']
    # second order at the final size, lighter
    img = _resize(img, lw, lh, rng)
    if rng.random() < 0.5:
        img = forge(img, rng, preset('acquisition'))['damaged']
    return img


def make_batch(imgs, rng, bs, lr_patch, scale):
    """-> (x N,3,p,p in [0,1], y N,3,p*s,p*s in [0,1])."""
    hp = lr_patch * scale
    xs, ys = [], []
    for _ in range(bs):
        img = imgs[int(rng.integers(0, len(imgs)))]
        h, w = img.shape[:2]
        if min(h, w) < hp:
            img = cv2.resize(img, (max(w, hp), max(h, hp)), interpolation=cv2.INTER_CUBIC)
            h, w = img.shape[:2]
        y0, x0 = int(rng.integers(0, h - hp + 1)), int(rng.integers(0, w - hp + 1))
        hr = np.ascontiguousarray(img[y0:y0 + hp, x0:x0 + hp])
        if rng.random() < 0.5:
            hr = hr[:, ::-1]
        if rng.random() < 0.3:  # old photos are often black-and-white
            hr = np.repeat(hr.mean(2, keepdims=True), 3, 2).astype(np.uint8)
        hr = np.ascontiguousarray(hr)
        xs.append(degrade(hr, scale, rng))
        ys.append(hr)
    t = lambda a: torch.from_numpy(np.stack(a).transpose(0, 3, 1, 2).astype(np.float32) / 255.0)  # noqa: E731
    return t(xs), t(ys)
