"""Colorization model pieces: Lab conversion, colour bins with rebalancing, hint sampling, the network.

The network sees lightness and optional user hints and predicts, for every pixel, a distribution
over quantized a/b colour bins (Zhang et al. 2016, "Colorful Image Colorization"): a plain L2
loss on a/b averages plausible colours into brownish grey, a classification loss with rare
colours weighted up keeps them saturated. The colour a pixel gets is the annealed mean of that
distribution (temperature T < 1 sharpens it towards the mode). Hints (Zhang et al. 2017, "Real-Time
User-Guided Image Colorization") are a/b values at a few pixels plus a mask saying where; training
samples them from the ground truth, and half the samples get none, so one network serves both the
automatic mode and the hint tool.
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))

sys.path.insert(0, os.path.join(ROOT, 'models'))
from shared_modules import repair_common  # noqa: E402

_rc = repair_common()
DATA, UNet, load_cache, load_image = _rc.DATA, _rc.UNet, _rc.load_cache, _rc.load_image
random_crop, train_files, utk_heldout = _rc.random_crop, _rc.train_files, _rc.utk_heldout

GRID = 10.0          # a/b bin size
AB_RANGE = 110.0     # bins cover [-110, 110) on a and b
TEMPERATURE = 0.38   # annealed mean (Zhang et al.)
REBALANCE_LAMBDA = 0.5

# ------------------------------------------------------------------------------------------ Lab

_M = torch.tensor([[0.4124564, 0.3575761, 0.1804375],
                   [0.2126729, 0.7151522, 0.0721750],
                   [0.0193339, 0.1191920, 0.9503041]])
_WHITE = torch.tensor([0.95047, 1.0, 1.08883])


def rgb_to_lab(rgb):
    """sRGB in [0,1], N3HW -> Lab (L in [0,100], a/b roughly [-110,110]), D65."""
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = torch.einsum('ij,njhw->nihw', _M.to(rgb), lin) / _WHITE.to(rgb).view(1, 3, 1, 1)
    f = torch.where(xyz > (6 / 29) ** 3, xyz.clamp_min(1e-12) ** (1 / 3), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    L = 116 * f[:, 1:2] - 16
    a = 500 * (f[:, 0:1] - f[:, 1:2])
    b = 200 * (f[:, 1:2] - f[:, 2:3])
    return torch.cat([L, a, b], 1)


def lab_to_rgb(lab):
    """Inverse of rgb_to_lab; clipped to [0,1]."""
    L, a, b = lab[:, 0:1], lab[:, 1:2], lab[:, 2:3]
    fy = (L + 16) / 116
    f = torch.cat([fy + a / 500, fy, fy - b / 200], 1)
    xyz = torch.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _WHITE.to(lab).view(1, 3, 1, 1)
    lin = torch.einsum('ij,njhw->nihw', torch.linalg.inv(_M).to(lab), xyz).clamp(0, 1)
    return torch.where(lin > 0.0031308, 1.055 * lin.clamp_min(1e-12) ** (1 / 2.4) - 0.055, 12.92 * lin).clamp(0, 1)


# ------------------------------------------------------------------------------------------ bins

def grid_centers():
    c = np.arange(-AB_RANGE, AB_RANGE, GRID) + GRID / 2
    a, b = np.meshgrid(c, c, indexing='ij')
    return np.stack([a.ravel(), b.ravel()], 1).astype(np.float32)  # (G*G, 2)


def grid_index(ab):
    """ab: N2HW -> index into grid_centers (N HW long)."""
    n = int(round(2 * AB_RANGE / GRID))
    i = ((ab + AB_RANGE) / GRID).floor().clamp(0, n - 1).long()
    return i[:, 0] * n + i[:, 1]


def colour_prior(imgs, rng, samples=400, size=64):
    """Empirical distribution of a/b over the grid from random crops of the training images."""
    n = int(round(2 * AB_RANGE / GRID))
    counts = np.zeros(n * n)
    for _ in range(samples):
        c = random_crop(imgs[int(rng.integers(0, len(imgs)))], rng, size)
        lab = rgb_to_lab(torch.from_numpy(c).permute(2, 0, 1)[None].float() / 255)
        counts += np.bincount(grid_index(lab[:, 1:]).ravel().numpy(), minlength=n * n)
    return counts / counts.sum()


def make_bins(prior):
    """Keep the grid cells that occur; rebalancing weights w ∝ ((1-λ) p_smooth + λ/Q)^-1, E_p[w] = 1."""
    keep = np.nonzero(prior > 0)[0]
    n = int(round(2 * AB_RANGE / GRID))
    p2 = prior.reshape(n, n)
    # smooth the prior (separable Gaussian, sigma = 5 a/b units = half a bin)
    k = np.exp(-0.5 * (np.arange(-2, 3) / 0.5) ** 2)
    k /= k.sum()
    sm = np.apply_along_axis(lambda r: np.convolve(r, k, 'same'), 0, p2)
    sm = np.apply_along_axis(lambda r: np.convolve(r, k, 'same'), 1, sm)
    ps = sm.ravel()[keep]
    ps = ps / ps.sum()
    w = 1.0 / ((1 - REBALANCE_LAMBDA) * ps + REBALANCE_LAMBDA / len(keep))
    p = prior[keep] / prior[keep].sum()
    w = w / (p * w).sum()
    lut = np.full(n * n, -1, np.int64)  # grid cell -> bin (nearest kept bin for unseen cells)
    lut[keep] = np.arange(len(keep))
    centers = grid_centers()
    for g in np.nonzero(lut < 0)[0]:
        lut[g] = int(np.argmin(((centers[keep] - centers[g]) ** 2).sum(1)))
    return {'centers': centers[keep], 'weights': w.astype(np.float32), 'lut': lut, 'prior': p.astype(np.float32)}


def rebalance_weights(prior, lam):
    """w ∝ ((1-λ) p + λ/Q)^-1 with E_p[w] = 1 from the kept bins' prior (unsmoothed): λ = 1 gives
    plain cross-entropy, whose annealed mean at T = 1 is the posterior mean (the PSNR optimum)."""
    w = 1.0 / ((1 - lam) * prior + lam / len(prior))
    return (w / (prior * w).sum()).astype(np.float32)


# ------------------------------------------------------------------------------------------ hints

def sample_hints(ab, rng, p_none=0.5, max_points=20):
    """ab: 2HW (torch) -> hint (2HW a/b, zero elsewhere) and mask (1HW), points of the true colour."""
    _, h, w = ab.shape
    hint = torch.zeros_like(ab)
    mask = torch.zeros(1, h, w)
    if rng.random() < p_none:
        return hint, mask
    n = min(max_points, int(rng.geometric(1 / 8)))
    for _ in range(n):
        s = int(rng.integers(1, 4))  # square side 1..3 px
        y, x = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
        hint[:, y:y + s, x:x + s] = ab[:, y:y + s, x:x + s].mean((1, 2), keepdim=True)
        mask[:, y:y + s, x:x + s] = 1
    return hint, mask


def network_input(lab, hint, mask):
    """[L/100 - 0.5, hint a/110, hint b/110, mask] -> N4HW."""
    return torch.cat([lab[:, :1] / 100 - 0.5, hint / AB_RANGE, mask], 1)


def zoomed_crop(img, rng, size, zoom):
    """A random crop after a random downscale by zoom[0]..zoom[1] (1 = as loaded, short side 256):
    small zooms show the network whole scenes, as the app does at its working resolution."""
    z = float(rng.uniform(*zoom))
    if z < 1:
        h, w = img.shape[:2]
        s = max(z, size / min(h, w))
        img = np.asarray(Image.fromarray(img).resize((max(size, round(w * s)), max(size, round(h * s))), Image.BILINEAR))
    return random_crop(img, rng, size)


def make_batch(imgs, rng, bs, size, zoom=(1.0, 1.0), p_none=0.5):
    xs, ys = [], []
    for _ in range(bs):
        img = imgs[int(rng.integers(0, len(imgs)))]
        c = zoomed_crop(img, rng, size, zoom) if zoom != (1.0, 1.0) else random_crop(img, rng, size)
        lab = rgb_to_lab(torch.from_numpy(c.copy()).permute(2, 0, 1)[None].float() / 255)[0]
        hint, mask = sample_hints(lab[1:], rng, p_none=p_none)
        xs.append(network_input(lab[None], hint[None], mask[None])[0])
        ys.append(lab[1:])
    return torch.stack(xs), torch.stack(ys)


def geodesic_distance(L, seeds, edge_cost=1.0, texture=3.0, passes=2):
    """Same as src/stages/colorize/spread-hints.ts: distance over a lightness plane (HW numpy) where a
    step costs its length plus edge_cost per L unit of change beyond `texture`; raster sweeps."""
    h, w = L.shape
    d = np.full((h, w), np.inf)
    for y, x in seeds:
        d[y, x] = 0
    fwd = [(0, -1, 1.0), (-1, 0, 1.0), (-1, -1, math.sqrt(2)), (-1, 1, math.sqrt(2))]
    bwd = [(-dy, -dx, c) for dy, dx, c in fwd]
    for _ in range(passes):
        for order, nbrs in ((range(h), fwd), (range(h - 1, -1, -1), bwd)):
            for y in order:
                xs = range(w) if nbrs is fwd else range(w - 1, -1, -1)
                for x in xs:
                    best = d[y, x]
                    for dy, dx, c in nbrs:
                        yy, xx = y + dy, x + dx
                        if 0 <= yy < h and 0 <= xx < w and d[yy, xx] < best:
                            v = d[yy, xx] + c + edge_cost * max(0.0, abs(L[y, x] - L[yy, xx]) - texture)
                            if v < best:
                                best = v
                    d[y, x] = best
    return d


def spread_hints(ab, L, hints, reach=0.08):
    """The app's hint spreading (spread-hints.ts) on a 2HW a/b map with lightness L (HW) at its size;
    hints: list of ((y, x) fractions, (a, b))."""
    _, h, w = ab.shape
    sigma = max(1.0, reach * max(w, h))
    sw, sa, sb, mx = (np.zeros((h, w)) for _ in range(4))
    for (fy, fx), (a, b) in hints:
        d = geodesic_distance(L, [(min(h - 1, int(fy * h)), min(w - 1, int(fx * w)))])
        wt = np.exp(-0.5 * (d / sigma) ** 2)
        wt[wt < 1e-4] = 0
        sw += wt
        sa += wt * a
        sb += wt * b
        mx = np.maximum(mx, wt)
    k = np.minimum(1, mx)
    out = ab.copy()
    has = sw > 0
    out[0][has] = (1 - k[has]) * ab[0][has] + k[has] * sa[has] / sw[has]
    out[1][has] = (1 - k[has]) * ab[1][has] + k[has] * sb[has] / sw[has]
    return out


# ------------------------------------------------------------------------------------------ model

WIDTHS = (24, 48, 96, 128)
OUT_STRIDE = 4  # colour is predicted at 1/4 resolution; the app carries it up guided by lightness


class CoarseUNet(UNet):
    """The repair U-Net, decoding only down to 1/OUT_STRIDE of the input size.

    Chroma varies slowly, and the per-pixel distribution over colour bins (the head and the loss)
    is 16x cheaper at 1/4 resolution: at full resolution training ran at 6 s a step on two cores.
    """

    def __init__(self, cin, cout, widths):
        super().__init__(cin, cout, widths)
        self.n_up = self.depth - int(math.log2(OUT_STRIDE))
        self.dec = self.dec[:self.n_up]
        self.head = nn.Conv2d(widths[-1 - self.n_up], cout, 1)

    def forward(self, x):
        m = 2 ** self.depth
        h, w = x.shape[-2], x.shape[-1]
        xp = F.pad(x, (0, (m - w % m) % m, 0, (m - h % m) % m), mode='replicate')
        return self.core(xp)[:, :, :(h + OUT_STRIDE - 1) // OUT_STRIDE, :(w + OUT_STRIDE - 1) // OUT_STRIDE]


def build(nbins):
    return CoarseUNet(4, nbins, WIDTHS)


def coarse_ab(ab):
    """True a/b at the network's output resolution (mean over OUT_STRIDE x OUT_STRIDE blocks, ceil)."""
    return F.avg_pool2d(ab, OUT_STRIDE, ceil_mode=True)


class Exported(nn.Module):
    """ONNX graph: input [L, hint a, hint b, mask] (network_input), output a/b in Lab units at
    1/OUT_STRIDE of the input size (rounded up), N2hw."""

    def __init__(self, net, centers, temperature=TEMPERATURE):
        super().__init__()
        self.net = net
        self.temperature = temperature
        self.register_buffer('centers', torch.from_numpy(centers).t().contiguous()[:, :, None, None])  # 2 x Q x 1 x 1

    def forward(self, x):
        p = torch.softmax(self.net(x) / self.temperature, 1)
        return F.conv2d(p, self.centers)
