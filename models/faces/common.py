"""Face restoration model pieces: UTKFace / FFHQ data, the face degradation, the network, the exported graph.

Data
  train:   UTKFace (aligned, cropped 200x200) outside the fixed 5 % hold-out
           (models/repair/common.utk_heldout), minus every 100th file, which is kept for validation
           during training.
  test:    the UTKFace hold-out (evaluate.py takes its first 200, sorted by name) and eval/ffhq-10
           (1024x1024 aligned FFHQ faces), each resized whole to the model size (bicubic).
Degradation (degrade(), seeded by the numpy Generator passed in; same seed -> identical output):
  1. forge.py with FACE_FORGE: fading (p .35), mild scratches (p .35) and dust/hairs (p .4);
     no stains, casts, vignettes, tears or creases.
  2. acquisition, composed here from forge's functions so that the downscale sits between the
     optical blur and the noise/JPEG: gaussian blur (p .5, sigma .3-1.5) -> downscale x2-x4
     (p .6; box, bilinear or bicubic) -> grain/noise (p .6, at the low resolution) -> JPEG
     (p .6, quality 30-85, at the low resolution) -> upscale back (bicubic or bilinear).
  The target is the clean face (fading, scratches and dust are restored too).
Network: models/repair/common.UNet(3, 3, widths (24, 48, 96, 128)), residual on the input
  (training: x + net(x); He-initialised convs, the 1x1 head starts at zero so the model starts as
  the identity).
Exported graph (Exported): input 'input' float32 [N,3,H,W] RGB in [0,1] -> output 'output'
  float32 [N,3,H,W] RGB in [0,1] = clamp(x + net(x), 0, 1). Trained at 128x128; the graph pads H
  and W internally (edge) to a multiple of 8 and crops back, so any H, W works.
"""
from __future__ import annotations

import glob
import os
import sys
import zlib

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
DATA, UNet, load_cache, load_image, utk_heldout = _rc.DATA, _rc.UNet, _rc.load_cache, _rc.load_image, _rc.utk_heldout
import forge as _forge  # noqa: E402  (models/forge is on sys.path via repair/common)

SIZE = 128
WIDTHS = (24, 48, 96, 128)

# ------------------------------------------------------------------------------------------ data


def utk_files():
    return sorted(glob.glob(os.path.join(DATA, 'faces', 'utkface', '*.jpg')))


def split_utk():
    """-> (train, val): UTKFace outside the 5 % hold-out; every 100th of those is validation."""
    fs = [f for f in utk_files() if not utk_heldout(os.path.basename(f))]
    val = fs[::100]
    train = [f for i, f in enumerate(fs) if i % 100 != 0]
    return train, val


def heldout_files(limit=200):
    fs = [f for f in utk_files() if utk_heldout(os.path.basename(f))]
    return fs[:limit] if limit else fs


def ffhq_files():
    return sorted(glob.glob(os.path.join(DATA, 'eval', 'ffhq-10', '*.png')))


def load_face(path, size=SIZE):
    """Whole face image, centre-cropped to a square and resized to size x size (bicubic): uint8 HxWx3."""
    im = Image.open(path).convert('RGB')
    w, h = im.size
    s = min(w, h)
    im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    if s != size:
        im = im.resize((size, size), Image.BICUBIC)
    return np.asarray(im).copy()


# The app's face templates (fractions of the square / pixels at 512): src/stages/face/conventions.ts
# UTK_TEMPLATE and src/core/faces/align.ts FFHQ_TEMPLATE_512 (tests/test_faces.py checks they agree).
UTK_TEMPLATE = ((0.298, 0.292), (0.681, 0.293), (0.49, 0.521), (0.321, 0.685), (0.659, 0.688))
FFHQ_TEMPLATE_512 = ((192.98, 239.95), (318.9, 240.19), (256.63, 314.02), (201.26, 371.41), (313.09, 371.15))


def fit_similarity(src, dst):
    """Least-squares similarity (a, b, tx, ty): x' = a x - b y + tx, y' = b x + a y + ty, src -> dst."""
    A, r = [], []
    for (x, y), (u, v) in zip(src, dst):
        A += [[x, -y, 1, 0], [y, x, 0, 1]]
        r += [u, v]
    return np.linalg.lstsq(np.array(A, float), np.array(r, float), rcond=None)[0]


def load_ffhq_framed(path, size=SIZE):
    """An FFHQ-aligned face framed as the app frames a face for the built-in model: the similarity that
    takes the FFHQ template onto UTK_TEMPLATE at size x size (bicubic, after an antialiased 2x-per-step
    reduction so the warp never shrinks by more than 2x). uint8 HxWx3."""
    im = Image.open(path).convert('RGB')
    s = im.size[0] / 512
    a, b, tx, ty = fit_similarity([(x * s, y * s) for x, y in FFHQ_TEMPLATE_512], [(x * size, y * size) for x, y in UTK_TEMPLATE])
    scale = float(np.hypot(a, b))
    while scale < 0.5:  # halve first (box filter = antialiased), so the final bicubic warp does not alias
        im = im.resize((im.size[0] // 2, im.size[1] // 2), Image.BOX)
        a, b, scale = a * 2, b * 2, scale * 2
    # PIL wants the inverse map (output -> input)
    det = a * a + b * b
    ia, ib = a / det, -b / det  # inverse rotation-scale
    itx, ity = -(ia * tx - ib * ty), -(ib * tx + ia * ty)
    out = im.transform((size, size), Image.AFFINE, (ia, -ib, itx, ib, ia, ity), resample=Image.BICUBIC)
    return np.asarray(out).copy()


def file_seed(path):
    """The fixed per-image degradation seed of validation/evaluation: CRC32 of the file name."""
    return zlib.crc32(os.path.basename(path).encode())


def train_crop(img, rng, size=SIZE, scale=(0.85, 1.0)):
    """Random square crop (side = scale * short side, random position), resized to size; random flip."""
    h, w = img.shape[:2]
    s = max(8, int(round(min(h, w) * rng.uniform(*scale))))
    y = int(rng.integers(0, h - s + 1))
    x = int(rng.integers(0, w - s + 1))
    c = Image.fromarray(img[y:y + s, x:x + s])
    if s != size:
        c = c.resize((size, size), Image.BICUBIC)
    c = np.asarray(c)
    if rng.random() < 0.5:
        c = c[:, ::-1]
    return np.ascontiguousarray(c)

# ------------------------------------------------------------------------------------------ degradation


def _face_forge():
    c = _forge.preset('all')
    for k in ('stain', 'cast', 'vignette', 'tear', 'crease') + _forge.ACQUISITION:
        c[k]['p'] = 0.0  # acquisition is done by degrade() itself (downscale in between)
    c['fade'] = {'p': 0.35, 'amount': (0.05, 0.3)}
    c['scratch'] = {'p': 0.35, 'count': (1, 3), 'width': (0.6, 1.8), 'opacity': (0.3, 0.8)}
    c['dust'] = {'p': 0.4, 'density': (0.5, 5.0), 'hairs': (0, 1)}
    return c


FACE_FORGE = _face_forge()
FACE_ACQ = {
    'blur': {'p': 0.5, 'sigma': (0.3, 1.5)},
    'down': {'p': 0.6, 'factor': (2.0, 4.0)},
    'grain': {'p': 0.6, 'sigma': (0.005, 0.05), 'color': 0.3, 'clump': (0.0, 1.0)},
    'jpeg': {'p': 0.6, 'quality': (30, 85)},
}
_DOWN = (Image.BOX, Image.BILINEAR, Image.BICUBIC)
_UP = (Image.BILINEAR, Image.BICUBIC)


def _old_face_forge():
    c = _face_forge()
    c['fade'] = {'p': 0.5, 'amount': (0.05, 0.4)}
    c['scratch'] = {'p': 0.45, 'count': (1, 4), 'width': (0.6, 2.2), 'opacity': (0.3, 0.9)}
    c['dust'] = {'p': 0.5, 'density': (0.5, 8.0), 'hairs': (0, 2)}
    return c


# Faces as they are in old photos (issue 17): 24-128 px faces enlarged 2-8x into the square, heavier
# blur, grain and JPEG, halftone screens, fading and scratches. 'log' draws the factor log-uniformly,
# so 2-4x is as common as 4-8x.
OLD_FACE_FORGE = _old_face_forge()
OLD_FACE_ACQ = {
    'blur': {'p': 0.7, 'sigma': (0.3, 2.0)},
    'down': {'p': 0.9, 'factor': (2.0, 8.0), 'log': True},
    'halftone': {'p': 0.1, 'period': (2.5, 4.0)},
    'grain': {'p': 0.7, 'sigma': (0.005, 0.07), 'color': 0.2, 'clump': (0.0, 1.0)},
    'jpeg': {'p': 0.7, 'quality': (20, 80)},
}
NO_FORGE = {k: {**v, 'p': 0.0} if isinstance(v, dict) and 'p' in v else v for k, v in FACE_FORGE.items()}


def damage_at(factor):
    """The evaluation's face damage at a fixed scale (issue 17): no defects; blur (sigma .5-1), a downscale
    by exactly `factor`, grain and JPEG at the low resolution, bicubic/bilinear back. -> (forge_cfg, acq)."""
    return NO_FORGE, {'blur': {'p': 1.0, 'sigma': (0.5, 1.0)}, 'down': {'p': 1.0, 'factor': (factor, factor)},
                      'grain': {'p': 1.0, 'sigma': (0.01, 0.03), 'color': 0.3, 'clump': (0.0, 1.0)},
                      'jpeg': {'p': 1.0, 'quality': (50, 80)}}


def degrade(clean, rng, forge_cfg=None, acq=None):
    """clean HxWx3 uint8 -> damaged HxWx3 uint8 (same size). All randomness from rng; every random
    number is drawn whether or not its effect fires, so the stream does not depend on the knobs
    (a 'halftone' entry adds its draws after the others, so configs without one keep their stream)."""
    forge_cfg = FACE_FORGE if forge_cfg is None else forge_cfg
    acq = FACE_ACQ if acq is None else acq
    h, w = clean.shape[:2]
    img = _forge.forge(clean, rng, forge_cfg)['damaged'].astype(np.float32) / 255.0
    on = {k: rng.random() < acq[k]['p'] for k in ('blur', 'down', 'grain', 'jpeg')}
    sigma = rng.uniform(*acq['blur']['sigma'])
    lo, hi = acq['down']['factor']
    factor = float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if acq['down'].get('log') else rng.uniform(lo, hi)
    kd, ku = int(rng.integers(0, len(_DOWN))), int(rng.integers(0, len(_UP)))
    halftone = 'halftone' in acq and rng.random() < acq['halftone']['p']
    if on['blur']:
        img = _forge.gaussian_blur(img, sigma)
    if on['down']:
        sw, sh = max(4, int(round(w / factor))), max(4, int(round(h / factor)))
        u8 = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
        img = np.asarray(Image.fromarray(u8).resize((sw, sh), _DOWN[kd]), dtype=np.float32) / 255.0
    if halftone:
        img = _forge._halftone(img, rng, acq['halftone'])
    if on['grain']:
        img = _forge._grain(img, rng, acq['grain'])
    out = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    if on['jpeg']:
        out = _forge._jpeg(out, rng, acq['jpeg'])
    if on['down']:
        out = np.asarray(Image.fromarray(out).resize((w, h), _UP[ku]))
    return np.ascontiguousarray(out)


def to_tensor(u8):
    """HxWx3 uint8 (or a list of them) -> float32 NCHW in [0,1]."""
    a = np.stack(u8) if isinstance(u8, (list, tuple)) else u8[None]
    return torch.from_numpy(a.transpose(0, 3, 1, 2).astype(np.float32) / 255.0)


def photo_files():
    """General photos for the texture mix (the repair training set: imagenet-samples, bsds500 train + val,
    sun-hays80; never bsds500/test or eval/*)."""
    return _rc.train_files(include_faces=False)


def make_batch(imgs, rng, bs, size=SIZE, photos=None, photo_mix=0.0, damage=None):
    """bs random training pairs: (degraded, clean) float32 NCHW in [0,1]. With photos, each sample is
    with probability photo_mix a crop of 50-100 % of a photo's short side instead of a face: sharp,
    varied texture, so the model learns to keep detail that UTKFace's compressed faces lack."""
    xs, ys = [], []
    for _ in range(bs):
        if photos and rng.random() < photo_mix:
            c = train_crop(photos[int(rng.integers(0, len(photos)))], rng, size, scale=(0.5, 1.0))
        else:
            c = train_crop(imgs[int(rng.integers(0, len(imgs)))], rng, size)
        ys.append(c)
        xs.append(degrade(c, rng, *(damage or (None, None))))
    return to_tensor(xs), to_tensor(ys)


def fixed_pairs(files, size=SIZE, load=None, seeds=1, damage=None):
    """(degraded, clean) for the given files: each face loaded by `load` (default: whole, at size),
    degraded with the file's CRC32 seed; with seeds > 1 also with seeds CRC32(name#1), ... (one pair
    per face and seed, face-major), for small sets where one damage per face is a noisy estimate."""
    clean, bad = [], []
    for f in files:
        c = (load or load_face)(f, size)
        for k in range(seeds):
            seed = file_seed(f) if k == 0 else zlib.crc32(f'{os.path.basename(f)}#{k}'.encode())
            clean.append(c)
            bad.append(degrade(c, np.random.default_rng(seed), *(damage or (None, None))))
    return to_tensor(bad), to_tensor(clean)


def bicubic_baseline(x):
    """Baseline 'bicubic': the degraded face downscaled x0.5 (bicubic, antialiased) and bicubic back up
    to its size (a smoothing that removes fine noise and blocking), clamped to [0,1]. x: NCHW."""
    h, w = x.shape[-2:]
    small = F.interpolate(x, size=(max(1, h // 2), max(1, w // 2)), mode='bicubic', align_corners=False, antialias=True)
    return F.interpolate(small, size=(h, w), mode='bicubic', align_corners=False).clamp(0, 1)

# ------------------------------------------------------------------------------------------ metrics


def _gauss(window=11, sigma=1.5):
    x = torch.arange(window, dtype=torch.float32) - (window - 1) / 2
    g = torch.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


_G = _gauss()


def ssim(a, b, reduce=True):
    """SSIM (Wang et al. 2004: 11x11 gaussian window, sigma 1.5, K = 0.01/0.03, data range 1, no padding),
    per channel, averaged over channels and pixels. a, b: NCHW float in [0,1]. reduce=False -> per image."""
    c = a.shape[1]
    g = _G.to(a)
    kx = g.view(1, 1, 1, -1).repeat(c, 1, 1, 1)
    ky = g.view(1, 1, -1, 1).repeat(c, 1, 1, 1)
    blur = lambda t: F.conv2d(F.conv2d(t, kx, groups=c), ky, groups=c)
    mu_a, mu_b = blur(a), blur(b)
    saa = blur(a * a) - mu_a ** 2
    sbb = blur(b * b) - mu_b ** 2
    sab = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return m.mean() if reduce else m.mean((1, 2, 3))


def gradient_energy(x):
    """Mean squared finite-difference gradient of the luminance, per image; x NCHW in [0,1] -> [N]."""
    lum = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])
    gx, gy = lum[:, :, 1:] - lum[:, :, :-1], lum[:, 1:] - lum[:, :-1]
    return (gx ** 2).mean((1, 2)) + (gy ** 2).mean((1, 2))


def detail_ratio(x, clean):
    """Issue 17's detail figure: gradient energy of x / that of the clean face, per image (1 = as detailed
    as the clean face; blur lowers it, noise and invented texture raise it)."""
    return gradient_energy(x) / gradient_energy(clean).clamp_min(1e-12)


def psnr(a, b):
    """Per-image PSNR (dB, peak 1) over all channels; a, b: NCHW in [0,1] -> tensor [N]."""
    mse = ((a - b) ** 2).mean((1, 2, 3)).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)

# ------------------------------------------------------------------------------------------ network


def build(widths=WIDTHS):
    net = UNet(3, 3, tuple(widths))
    # He (kaiming-normal) init: with PyTorch's default conv init (gain 1/sqrt(3)) and the zero head,
    # Adam at 2e-3 left most ReLUs dead and the net stuck at the identity (RESTORE.md, run log)
    for m in net.modules():
        if isinstance(m, nn.Conv2d) and m is not net.head:
            nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
            nn.init.zeros_(m.bias)
    nn.init.zeros_(net.head.weight)  # residual: starts as the identity
    nn.init.zeros_(net.head.bias)
    return net


def run_model(net, x):
    """Training-time forward: residual, unclamped."""
    return x + net(x)


class Exported(nn.Module):
    """What goes into ONNX: input RGB [0,1] -> restored RGB [0,1]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.clamp(x + self.net(x), 0.0, 1.0)


def load_checkpoint(path):
    ck = torch.load(path, map_location='cpu')
    net = build(ck.get('widths', WIDTHS))
    net.load_state_dict(ck['model'])
    net.eval()
    return net, ck


def charbonnier(a, b, eps=1e-3):
    return torch.sqrt((a - b) ** 2 + eps * eps).mean()


def restore_loss(pred, y, ssim_weight=0.1):
    """Charbonnier + ssim_weight * (1 - SSIM)."""
    value = charbonnier(pred, y)
    if ssim_weight:
        value = value + ssim_weight * (1 - ssim(pred, y))
    return value

