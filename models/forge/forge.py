"""Degradation forge: synthesizes old-photo damage on clean photos with exact ground truth.

Usage:
    from forge import forge, preset
    out = forge(clean_rgb_uint8, np.random.default_rng(seed), preset('detector'))
    out['damaged']       HxWx3 uint8
    out['mask_defect']   HxW uint8 {0,1}: scratch/crease/dust/hair pixels whose content was replaced
    out['mask_missing']  HxW uint8 {0,1}: torn / missing regions (filled with paper white or dark)
    out['clean_target']  HxWx3 uint8: the input clean image (unchanged)
    out['aged']          HxWx3 uint8: clean + aging (fade/cast/stain/vignette) only, before defects

Deterministic: all randomness comes from the numpy Generator passed in (same seed -> identical
arrays). Pipeline order:
    1. aging (global, not masked): stains, fading, colour cast (sepia/yellow/magenta), vignetting
    2. defects (masked): tears/missing, creases, scratches, dust/specks/hairs, cracks, foxing,
       flaked emulsion; tape and glue marks and mould where a preset turns them on
       Pixels outside mask_defect|mask_missing are left bit-exact by this step; a pixel is in a
       mask only if its value changed by more than 6/255 (invisible damage is not labelled).
    3. acquisition (global, not masked): blur, halftone, grain/noise, JPEG re-save
Each effect has its own knob in the config dict (probability + parameter ranges), so models can
request only what they need (see PRESETS).
"""
from __future__ import annotations

import copy
import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

try:  # optional, only used for speed
    import cv2  # type: ignore
except Exception:  # pragma: no cover
    cv2 = None

# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------

BASE = {
    # aging
    'stain': {'p': 0.25, 'count': (1, 3), 'opacity': (0.08, 0.3)},
    'fade': {'p': 0.5, 'amount': (0.05, 0.35)},
    'cast': {'p': 0.5, 'kinds': ('sepia', 'yellow', 'magenta'), 'amount': (0.2, 0.8)},
    'vignette': {'p': 0.3, 'amount': (0.1, 0.45)},
    # defects (masked)
    'tear': {'p': 0.2, 'count': (1, 2), 'size': (0.08, 0.35)},
    'crease': {'p': 0.4, 'count': (1, 3)},
    'scratch': {'p': 0.7, 'count': (1, 6), 'width': (0.6, 3.0), 'opacity': (0.35, 1.0),
                'wide_p': 0.0, 'wide': (3.0, 9.0)},  # wide_p: share of scratches that are gouges
    'dust': {'p': 0.7, 'density': (1.0, 12.0), 'hairs': (0, 4)},  # density: specks per 10k px
    'crack': {'p': 0.0, 'cells': (12, 60), 'width': (0.6, 2.0), 'region': (0.2, 0.7)},  # craquelure
    'foxing': {'p': 0.0, 'count': (2, 25), 'radius': (1.0, 8.0), 'opacity': (0.3, 0.8)},
    'flake': {'p': 0.0, 'count': (1, 8), 'size': (0.01, 0.05)},  # missing emulsion spots
    # added after the detector v2 was trained: drawn only when p > 0 (LATE_DEFECTS), so every
    # preset that leaves them off keeps its random stream, and so its evaluation sets
    'tape': {'p': 0.0, 'count': (1, 2), 'width': (0.06, 0.16), 'length': (0.2, 0.6), 'glue_p': 0.4},
    'mould': {'p': 0.0, 'clusters': (1, 4), 'spots': (20, 160), 'spread': (0.02, 0.1)},
    # acquisition
    'blur': {'p': 0.3, 'sigma': (0.3, 1.2)},
    'halftone': {'p': 0.0, 'period': (3.0, 5.0)},
    'grain': {'p': 0.6, 'sigma': (0.005, 0.06), 'color': 0.3, 'clump': (0.0, 1.0)},
    'jpeg': {'p': 0.4, 'quality': (35, 90)},
    # mask threshold on |change| (in 0..1 units)
    'mask_threshold': 6.0 / 255.0,
}

AGING = ('stain', 'fade', 'cast', 'vignette')
DEFECTS = ('tear', 'crease', 'scratch', 'dust', 'crack', 'foxing', 'flake', 'tape', 'mould')
LATE_DEFECTS = ('tape', 'mould')
ACQUISITION = ('blur', 'halftone', 'grain', 'jpeg')


def preset(name: str) -> dict:
    """Named configurations.

    all / detector: everything (detector learns defect|missing under realistic global damage)
    defects_only:   only the masked defects (no aging, no acquisition) - used by tests
    inpaint:        masked defects with many tears (holes); global effects off
    denoise:        acquisition only: grain/noise, mild blur, JPEG (no masks, no aging)
    acquisition:    the same with lighter grain, more JPEG and some halftone (super-resolution)
    prints:         detector plus tape and glue marks and mould (for the next detector; the
                    detector preset stays as the shipped detector was trained and evaluated)
    """
    c = copy.deepcopy(BASE)
    if name == 'all':
        return c
    if name == 'detector':
        # real prints also crack, fox, flake and get gouged (every scale of damage)
        c['crack']['p'] = 0.25
        c['foxing']['p'] = 0.25
        c['flake']['p'] = 0.2
        c['scratch']['wide_p'] = 0.2
        return c
    if name == 'prints':
        c = preset('detector')
        c['tape']['p'] = 0.15
        c['mould']['p'] = 0.15
        return c
    if name == 'defects_only':
        for k in AGING + ACQUISITION:
            c[k]['p'] = 0.0
        for k in DEFECTS:
            c[k]['p'] = 0.0 if k in LATE_DEFECTS else 1.0  # the test fixtures made with it stay as they were
        return c
    if name == 'inpaint':
        for k in AGING + ACQUISITION:
            c[k]['p'] = 0.0
        c['tear']['p'] = 0.3
        c['tear']['size'] = (0.05, 0.3)
        c['crease']['p'] = 0.5
        c['scratch']['p'] = 0.8
        c['scratch']['opacity'] = (1.0, 1.0)
        c['dust']['p'] = 0.8
        return c
    if name == 'acquisition':
        # how a print reaches us: scanned or photographed, resized, grain, halftone, JPEG (no aging,
        # no defects); super-resolution applies it twice, around a resize (Real-ESRGAN's recipe)
        for k in AGING + DEFECTS:
            c[k]['p'] = 0.0
        c['blur'] = {'p': 0.3, 'sigma': (0.3, 1.0)}
        c['halftone'] = {'p': 0.08, 'period': (3.0, 5.0)}
        c['grain'] = {'p': 0.6, 'sigma': (0.005, 0.05), 'color': 0.3, 'clump': (0.0, 1.0)}
        c['jpeg'] = {'p': 0.5, 'quality': (30, 92)}
        return c
    if name == 'denoise':
        for k in AGING + DEFECTS:
            c[k]['p'] = 0.0
        c['blur'] = {'p': 0.3, 'sigma': (0.3, 1.0)}
        c['grain'] = {'p': 0.95, 'sigma': (0.01, 0.1), 'color': 0.4, 'clump': (0.0, 1.0)}
        c['jpeg'] = {'p': 0.35, 'quality': (40, 90)}
        return c
    raise ValueError(f'unknown preset {name!r}')


PRESETS = ('all', 'detector', 'prints', 'defects_only', 'inpaint', 'denoise', 'acquisition')

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _u(rng, r):
    return float(rng.uniform(r[0], r[1])) if r[1] > r[0] else float(r[0])


def _ri(rng, r):
    return int(rng.integers(r[0], r[1] + 1))


def gaussian_blur(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float32 HxW or HxWxC array (separable, reflect borders)."""
    if sigma <= 0.05:
        return a
    if a.ndim == 3 and a.shape[2] == 1:
        return gaussian_blur(a[..., 0], sigma)[..., None]
    if cv2 is not None:
        return cv2.GaussianBlur(a, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)
    r = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    k /= k.sum()
    out = a.astype(np.float32)
    for axis in (0, 1):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        p = np.pad(out, pad, mode='reflect')
        acc = np.zeros_like(out)
        for i, w in enumerate(k):
            sl = [slice(None)] * out.ndim
            sl[axis] = slice(i, i + out.shape[axis])
            acc += w * p[tuple(sl)]
        out = acc
    return out


def _smooth_noise(rng, h, w, scale):
    """Low-frequency noise field in [0,1] (upsampled random grid)."""
    gh, gw = max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)
    g = rng.random((gh, gw)).astype(np.float32)
    img = Image.fromarray((g * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _canvas(h, w):
    return Image.new('F', (w, h), 0.0)


def _to_arr(img):
    return np.asarray(img, dtype=np.float32)


def _polyline_points(rng, h, w, length, step, jitter, start=None, angle=None):
    if start is None:
        start = (rng.uniform(-0.1 * w, 1.1 * w), rng.uniform(-0.1 * h, 1.1 * h))
    if angle is None:
        angle = rng.uniform(0, 2 * math.pi)
    pts = [start]
    x, y = start
    n = max(2, int(length / step))
    for _ in range(n):
        angle += rng.normal(0, jitter)
        x += step * math.cos(angle)
        y += step * math.sin(angle)
        pts.append((x, y))
    return pts, angle


# --------------------------------------------------------------------------------------------
# aging
# --------------------------------------------------------------------------------------------


def _stain(img, rng, cfg):
    h, w = img.shape[:2]
    for _ in range(_ri(rng, cfg['count'])):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rad = rng.uniform(0.1, 0.45) * min(h, w)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        n = _smooth_noise(rng, h, w, max(4.0, rad / 3))
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / rad + 0.35 * (n - 0.5)
        body = np.clip(1.0 - d, 0, 1) ** 0.5
        rim = np.exp(-((d - 1.0) / 0.06) ** 2) * 0.8
        a = np.clip(body * 0.6 + rim, 0, 1) * _u(rng, cfg['opacity'])
        tint = np.array([rng.uniform(0.55, 0.75), rng.uniform(0.42, 0.6), rng.uniform(0.2, 0.35)], np.float32)
        img = img * (1 - a[..., None]) + (img * tint * 1.1) * a[..., None]
    return img


def _fade(img, rng, cfg):
    amt = _u(rng, cfg['amount'])
    lo = amt * rng.uniform(0.3, 0.8)
    hi = 1.0 - amt * rng.uniform(0.0, 0.4)
    gray = img.mean(axis=2, keepdims=True)
    img = img * (1 - amt * 0.8) + gray * amt * 0.8  # desaturate
    return lo + (hi - lo) * img


def _cast(img, rng, cfg):
    kinds = cfg['kinds']
    kind = kinds[int(rng.integers(0, len(kinds)))]
    amt = _u(rng, cfg['amount'])
    if kind == 'sepia':
        m = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)
        tgt = np.clip(img @ m.T, 0, 1)
    elif kind == 'yellow':
        tgt = img * np.array([1.0, 0.95, rng.uniform(0.55, 0.8)], np.float32) + np.array([0.04, 0.03, 0.0], np.float32)
    else:  # magenta
        tgt = img * np.array([1.0, rng.uniform(0.6, 0.85), rng.uniform(0.85, 1.0)], np.float32) + np.array([0.05, 0.0, 0.04], np.float32)
    return img * (1 - amt) + tgt * amt


def _vignette(img, rng, cfg):
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w / 2 + rng.normal(0, 0.05 * w), h / 2 + rng.normal(0, 0.05 * h)
    d = np.sqrt(((xx - cx) / (w / 2)) ** 2 + ((yy - cy) / (h / 2)) ** 2) / math.sqrt(2)
    v = 1.0 - _u(rng, cfg['amount']) * np.clip(d, 0, 1) ** 2
    return img * v[..., None]


# --------------------------------------------------------------------------------------------
# defects: each returns (alpha HxW float in [0,1], colour HxWx3 float) layers
# --------------------------------------------------------------------------------------------


def _ragged_polygon_from_edge(rng, h, w, size):
    """A torn piece: polygon attached to a border/corner with a jagged (fractal-ish) edge."""
    s = size * min(h, w)
    corner = rng.random() < 0.5
    if corner:
        cx, cy = [(0, 0), (w, 0), (0, h), (w, h)][int(rng.integers(0, 4))]
        a0 = math.atan2(h / 2 - cy, w / 2 - cx)
        angles = np.linspace(a0 - math.pi / 2 - 0.3, a0 + math.pi / 2 + 0.3, 40)
        base_r = s * rng.uniform(0.8, 1.5)
        rad = base_r * (1 + 0.25 * np.cumsum(rng.normal(0, 0.15, len(angles))))
        rad = np.clip(rad, 0.2 * base_r, 2.5 * base_r)
        pts = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a, r in zip(angles, rad)]
        pts = [(cx, cy)] + pts
    else:
        side = int(rng.integers(0, 4))
        L = w if side in (0, 2) else h
        c = rng.uniform(0.1, 0.9) * L
        half = s * rng.uniform(0.6, 1.6)
        t = np.linspace(-half, half, 36)
        depth = s * rng.uniform(0.4, 1.0) * np.sqrt(np.clip(1 - (t / half) ** 2, 0, 1))
        depth = depth * (1 + np.cumsum(rng.normal(0, 0.08, len(t))))
        depth = np.clip(depth, 0, None) + rng.normal(0, 0.02 * s + 0.3, len(t))
        pts = []
        for ti, di in zip(t, depth):
            u, v = c + ti, max(0.0, di)
            if side == 0:
                pts.append((u, v))
            elif side == 2:
                pts.append((u, h - v))
            elif side == 1:
                pts.append((w - v, u))
            else:
                pts.append((v, u))
        ends = {0: [(c + half, -2), (c - half, -2)], 2: [(c + half, h + 2), (c - half, h + 2)],
                1: [(w + 2, c + half), (w + 2, c - half)], 3: [(-2, c + half), (-2, c - half)]}[side]
        pts = pts + ends
    # extra fine jaggedness
    dense = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        for t in np.linspace(0, 1, 4, endpoint=False):
            dense.append((x0 + (x1 - x0) * t + rng.normal(0, 1.2), y0 + (y1 - y0) * t + rng.normal(0, 1.2)))
    pts = dense
    return pts


def _tear(h, w, rng, cfg):
    layers = []
    for _ in range(_ri(rng, cfg['count'])):
        im = Image.new('L', (w, h), 0)
        ImageDraw.Draw(im).polygon(_ragged_polygon_from_edge(rng, h, w, _u(rng, cfg['size'])), fill=255)
        a = (_to_arr(im) / 255.0 > 0.5).astype(np.float32)
        if rng.random() < 0.7:  # paper white (slightly yellowed)
            col = np.array([rng.uniform(0.85, 1.0), rng.uniform(0.82, 0.97), rng.uniform(0.7, 0.92)], np.float32)
        else:  # dark backing / missing emulsion
            v = rng.uniform(0.02, 0.18)
            col = np.array([v, v * rng.uniform(0.85, 1.0), v * rng.uniform(0.7, 1.0)], np.float32)
        colour = np.broadcast_to(col, (h, w, 3)).copy()
        colour += rng.normal(0, 0.015, (h, w, 1)).astype(np.float32)  # paper texture
        layers.append((a, colour, 'missing'))
    return layers


def _crease(h, w, rng, cfg):
    layers = []
    for _ in range(_ri(rng, cfg['count'])):
        im = _canvas(h, w)
        dr = ImageDraw.Draw(im)
        length = rng.uniform(0.6, 1.6) * max(h, w)
        pts, _ = _polyline_points(rng, h, w, length, step=rng.uniform(2.0, 5.0), jitter=rng.uniform(0.08, 0.3))
        width = int(rng.integers(1, 4))
        dr.line(pts, fill=1.0, width=width)
        # branches: short jagged offshoots
        for _b in range(int(rng.integers(1, 6))):
            i = int(rng.integers(0, len(pts)))
            ang = rng.uniform(0, 2 * math.pi)
            bp, _ = _polyline_points(rng, h, w, rng.uniform(0.05, 0.3) * max(h, w), step=2.5, jitter=0.35,
                                     start=pts[i], angle=ang)
            dr.line(bp, fill=float(rng.uniform(0.6, 1.0)), width=max(1, width - 1))
        a = _to_arr(im)
        a = np.maximum(a, gaussian_blur(a, 0.8) * 0.9)  # soft halo of cracked emulsion
        a = np.clip(a * rng.uniform(0.7, 1.0), 0, 1)
        v = rng.uniform(0.8, 1.0)
        col = np.array([v, v * rng.uniform(0.95, 1.0), v * rng.uniform(0.88, 1.0)], np.float32)
        colour = np.broadcast_to(col, (h, w, 3)).copy()
        layers.append((a, colour, 'defect'))
    return layers


def _scratch(h, w, rng, cfg):
    layers = []
    for _ in range(_ri(rng, cfg['count'])):
        im = _canvas(h, w)
        dr = ImageDraw.Draw(im)
        # smooth curve: cubic Bezier with random control points, or near-straight film scratch
        if rng.random() < 0.3:
            x0, drift = rng.uniform(0, w), rng.normal(0, 0.08 * w)
            fq, ph, amp = rng.uniform(1, 4), rng.uniform(0, 6), rng.uniform(0, 3)
            y0, y1 = sorted(rng.uniform(-0.2, 1.2, 2) * h)
            ts = np.linspace(0, 1, 40)
            pts = [(float(x0 + drift * t + amp * math.sin(fq * 2 * math.pi * t + ph)), float(y0 + (y1 - y0 + 0.3 * h) * t))
                   for t in ts]
        else:
            P = [(rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h) for _ in range(4)]
            ts = np.linspace(0, 1, 80)
            pts = [tuple(((1 - t) ** 3) * np.array(P[0]) + 3 * ((1 - t) ** 2) * t * np.array(P[1])
                         + 3 * (1 - t) * t * t * np.array(P[2]) + t ** 3 * np.array(P[3])) for t in ts]
            pts = [(float(x), float(y)) for x, y in pts]
        wide = rng.random() < cfg.get('wide_p', 0.0)
        wmax = _u(rng, cfg['wide'] if wide else cfg['width'])
        # variable width / opacity along the curve: draw segments
        seg_op = np.clip(_u(rng, cfg['opacity']) * (0.75 + 0.25 * np.sin(np.linspace(0, rng.uniform(1, 8), len(pts))
                                                                              + rng.uniform(0, 6))), 0, 1)
        gap_start = rng.uniform(0, 1)
        for i in range(len(pts) - 1):
            if rng.random() < 0.03 or abs(i / len(pts) - gap_start) < 0.04 * (rng.random() < 0.3):
                continue  # broken scratch
            wi = max(1, int(round(wmax * rng.uniform(0.6, 1.0))))
            dr.line([pts[i], pts[i + 1]], fill=float(seg_op[i]), width=wi)
        a = _to_arr(im)
        sig = rng.uniform(0.0, 0.8)
        if sig > 0.2:
            a = np.maximum(gaussian_blur(a, sig) * 1.3, a * 0.7)
        a = np.clip(a, 0, 1)
        if rng.random() < 0.65:
            v = rng.uniform(0.75, 1.0)
        else:
            v = rng.uniform(0.0, 0.25)
        colour = np.full((h, w, 3), v, np.float32)
        layers.append((a, colour, 'defect'))
    return layers


def _dust(h, w, rng, cfg):
    im = _canvas(h, w)
    dr = ImageDraw.Draw(im)
    imc = Image.new('L', (w, h), 0)  # 255 = light speck, 128 = dark speck
    drc = ImageDraw.Draw(imc)
    n = int(_u(rng, cfg['density']) * h * w / 10000.0)
    for _ in range(n):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = float(rng.choice([0.5, 0.8, 1.0, 1.5, 2.0, 3.0], p=[0.25, 0.25, 0.2, 0.15, 0.1, 0.05]))
        op = float(rng.uniform(0.5, 1.0))
        light = rng.random() < 0.6
        if rng.random() < 0.5:  # irregular speck: small polygon
            k = 6
            ang = np.linspace(0, 2 * math.pi, k, endpoint=False) + rng.uniform(0, 1)
            rr = r * rng.uniform(0.5, 1.4, k)
            poly = [(x + ri * math.cos(ai), y + ri * math.sin(ai)) for ai, ri in zip(ang, rr)]
            dr.polygon(poly, fill=op)
            drc.polygon(poly, fill=255 if light else 128)
        else:
            dr.ellipse([x - r, y - r, x + r, y + r], fill=op)
            drc.ellipse([x - r, y - r, x + r, y + r], fill=255 if light else 128)
    for _ in range(_ri(rng, cfg['hairs'])):
        pts, _ = _polyline_points(rng, h, w, rng.uniform(10, 60), step=2.0, jitter=0.25,
                                  start=(rng.uniform(0, w), rng.uniform(0, h)))
        light = rng.random() < 0.4
        dr.line(pts, fill=float(rng.uniform(0.6, 1.0)), width=1)
        drc.line(pts, fill=255 if light else 128, width=1)
    a = _to_arr(im)
    c = np.asarray(imc)
    lv = rng.uniform(0.85, 1.0)
    dv = rng.uniform(0.0, 0.15)
    val = np.where(c == 255, lv, dv).astype(np.float32)
    colour = np.repeat(val[..., None], 3, axis=2)
    return [(a, colour, 'defect')]


def _crack(h, w, rng, cfg):
    """Craquelure: a network of thin cracks around irregular cells, inside a soft region."""
    n = _ri(rng, cfg['cells'])
    pts = np.stack([rng.uniform(0, w, n), rng.uniform(0, h, n)], 1).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = (_smooth_noise(rng, h, w, max(6.0, min(h, w) / 8)) - 0.5) * min(h, w) / 6
    gap = np.empty((h, w), np.float32)  # nearest minus second-nearest seed distance, by row bands
    for y0 in range(0, h, 64):
        sl = slice(y0, y0 + 64)
        d = np.sqrt((xx[sl, :, None] + warp[sl, :, None] - pts[:, 0]) ** 2
                    + (yy[sl, :, None] - warp[sl, :, None] - pts[:, 1]) ** 2)
        d2 = np.partition(d, 1, axis=2)
        gap[sl] = d2[..., 1] - d2[..., 0]
    width = _u(rng, cfg['width'])
    edge = np.clip(1.0 - gap / (2 * width), 0, 1)  # 1 on the cell borders
    region = _smooth_noise(rng, h, w, max(8.0, min(h, w) / 3))
    keep = region > np.quantile(region, 1 - _u(rng, cfg['region']))
    a = np.where(keep, edge, 0).astype(np.float32) * rng.uniform(0.6, 1.0)
    v = rng.uniform(0.0, 0.3) if rng.random() < 0.6 else rng.uniform(0.75, 1.0)
    return [(a, np.full((h, w, 3), v, np.float32), 'defect')]


def _foxing(h, w, rng, cfg):
    """Foxing: rust-brown spots with soft edges."""
    im = _canvas(h, w)
    dr = ImageDraw.Draw(im)
    for _ in range(_ri(rng, cfg['count'])):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), _u(rng, cfg['radius'])
        dr.ellipse([x - r, y - r, x + r, y + r], fill=float(_u(rng, cfg['opacity'])))
    a = gaussian_blur(_to_arr(im), rng.uniform(0.5, 2.0))
    col = np.array([rng.uniform(0.45, 0.65), rng.uniform(0.28, 0.42), rng.uniform(0.12, 0.25)], np.float32)
    return [(np.clip(a, 0, 1), np.broadcast_to(col, (h, w, 3)).copy(), 'defect')]


def _flake(h, w, rng, cfg):
    """Flaked-off emulsion: small irregular holes showing the paper (or dark backing)."""
    im = Image.new('L', (w, h), 0)
    dr = ImageDraw.Draw(im)
    for _ in range(_ri(rng, cfg['count'])):
        s = _u(rng, cfg['size']) * min(h, w)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        ang = np.linspace(0, 2 * math.pi, 10, endpoint=False) + rng.uniform(0, 1)
        rr = s * rng.uniform(0.3, 1.0, 10)
        dr.polygon([(cx + r * math.cos(t), cy + r * math.sin(t)) for t, r in zip(ang, rr)], fill=255)
    a = (_to_arr(im) > 127).astype(np.float32)
    v = rng.uniform(0.85, 1.0) if rng.random() < 0.8 else rng.uniform(0.02, 0.15)
    colour = np.full((h, w, 3), v, np.float32) + rng.normal(0, 0.015, (h, w, 1)).astype(np.float32)
    return [(a, colour, 'missing')]


def _tape(h, w, rng, cfg):
    """Yellowed sticky tape across the print (a translucent amber band with darker edges), or,
    where the tape was pulled off, the glue it left: a blotchy amber residue."""
    layers = []
    for _ in range(_ri(rng, cfg['count'])):
        side = min(h, w)
        bw, bl = _u(rng, cfg['width']) * side, _u(rng, cfg['length']) * max(h, w)
        cx, cy, ang = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0, math.pi)
        ux, uy, vx, vy = math.cos(ang), math.sin(ang), -math.sin(ang), math.cos(ang)
        corners = [(cx + su * bl / 2 * ux + sv * bw / 2 * vx, cy + su * bl / 2 * uy + sv * bw / 2 * vy)
                   for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        band = Image.new('L', (w, h), 0)
        ImageDraw.Draw(band).polygon(corners, fill=255)
        a = _to_arr(band) / 255.0
        amber = np.array([rng.uniform(0.75, 0.95), rng.uniform(0.6, 0.8), rng.uniform(0.25, 0.45)], np.float32)
        if rng.random() < cfg['glue_p']:  # glue left behind: uneven, only part of the band
            a = a * np.clip(_smooth_noise(rng, h, w, max(4.0, bw / 3)) * 1.6 - 0.3, 0, 1) * rng.uniform(0.3, 0.6)
        else:  # tape: even tint, its edges catch dirt
            edge = Image.new('L', (w, h), 0)
            ImageDraw.Draw(edge).line(corners + corners[:1], fill=255, width=max(1, round(side / 300)))
            a = np.maximum(a * rng.uniform(0.25, 0.45), _to_arr(edge) / 255.0 * rng.uniform(0.4, 0.7))
        layers.append((a.astype(np.float32), np.broadcast_to(amber, (h, w, 3)).copy(), 'defect'))
    return layers


def _mould(h, w, rng, cfg):
    """Mould: clusters of small fuzzy spots, whitish-grey or dark grey-green."""
    im = _canvas(h, w)
    dr = ImageDraw.Draw(im)
    side = min(h, w)
    for _ in range(_ri(rng, cfg['clusters'])):
        cx, cy, spread = rng.uniform(0, w), rng.uniform(0, h), _u(rng, cfg['spread']) * side
        for _s in range(_ri(rng, cfg['spots'])):
            x, y = cx + rng.normal(0, spread), cy + rng.normal(0, spread)
            r = rng.uniform(0.4, 1.5) * max(1.0, side / 400)
            dr.ellipse([x - r, y - r, x + r, y + r], fill=float(rng.uniform(0.4, 0.9)))
    a = np.clip(gaussian_blur(_to_arr(im), rng.uniform(0.3, 1.0)), 0, 1)
    col = (np.array([rng.uniform(0.75, 0.9)] * 3, np.float32) if rng.random() < 0.6
           else np.array([rng.uniform(0.15, 0.3), rng.uniform(0.2, 0.35), rng.uniform(0.15, 0.28)], np.float32))
    return [(a, np.broadcast_to(col, (h, w, 3)).copy(), 'defect')]


# --------------------------------------------------------------------------------------------
# acquisition
# --------------------------------------------------------------------------------------------


def _screen_cdf():
    """Quantiles of the dot screen (cos u cos v + 1) / 2 over one period. The screen's values are not
    uniform, so thresholding the tone against it would print 50 % grey right but darken or lighten
    every other tone; mapping the screen through its own CDF makes the dot coverage equal the tone."""
    t = (np.arange(256, dtype=np.float64) + 0.5) * 2 * math.pi / 256
    vals = np.sort(((np.cos(t)[:, None] * np.cos(t)[None, :] + 1) / 2).ravel())
    return vals, (np.arange(vals.size) + 0.5) / vals.size


_SCREEN_CDF = _screen_cdf()


def _halftone(img, rng, cfg):
    """A printed dot screen mixed into the photo. Tone-preserving: the paper-white share of each
    screen cell equals the local luminance, so flat areas keep their mean (the old screen darkened
    prints by 3-8/255 and taught the upscaler to brighten real halftone prints)."""
    h, w = img.shape[:2]
    period = _u(rng, cfg['period'])
    ang = rng.uniform(0, math.pi / 2)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xx * math.cos(ang) + yy * math.sin(ang)) * 2 * math.pi / period
    v = (-xx * math.sin(ang) + yy * math.cos(ang)) * 2 * math.pi / period
    screen = np.interp((np.cos(u) * np.cos(v) + 1) / 2, *_SCREEN_CDF).astype(np.float32)  # uniform 0..1
    lum = img.mean(axis=2, keepdims=True)
    dots = gaussian_blur((lum > screen[..., None]).astype(np.float32), 0.6)
    mix = rng.uniform(0.3, 0.7)
    # the dot pattern replaces the tone by paper or ink: its mean over a cell is lum, so adding
    # (dots - lum) moves no tone; chroma stays the photo's own
    return img + 0.5 * mix * (dots - lum)


def _grain(img, rng, cfg):
    h, w = img.shape[:2]
    sigma = _u(rng, cfg['sigma'])
    color = rng.random() < cfg['color']
    n = rng.normal(0, 1, (h, w, 3 if color else 1)).astype(np.float32)
    clump = _u(rng, cfg['clump'])
    if clump > 0.3:
        n = gaussian_blur(n, clump * 0.7)
        n /= max(1e-6, float(n.std()))
    # film grain is strongest in the mid-tones
    lum = img.mean(axis=2, keepdims=True)
    wgt = 0.6 + 1.6 * lum * (1 - lum)
    return img + sigma * n * wgt


def _jpeg(u8, rng, cfg):
    q = _ri(rng, cfg['quality'])
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, format='JPEG', quality=q, subsampling=2 if rng.random() < 0.6 else 0)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert('RGB'))


# --------------------------------------------------------------------------------------------
# main entry
# --------------------------------------------------------------------------------------------


def _on(rng, c):
    # always draw the random number so the stream does not depend on other knobs
    r = rng.random()
    return r < c['p']


def forge(clean: np.ndarray, rng: np.random.Generator, config: dict | None = None) -> dict:
    """Degrade a clean HxWx3 uint8 RGB image. See module docstring."""
    if config is None:
        config = preset('all')
    assert clean.dtype == np.uint8 and clean.ndim == 3 and clean.shape[2] == 3, clean.shape
    h, w = clean.shape[:2]
    img = clean.astype(np.float32) / 255.0

    # 1. aging
    for name, fn in (('stain', _stain), ('fade', _fade), ('cast', _cast), ('vignette', _vignette)):
        if _on(rng, config[name]):
            img = fn(img, rng, config[name])
    img = np.clip(img, 0, 1)
    aged_u8 = np.round(img * 255).astype(np.uint8)
    base = aged_u8.astype(np.float32) / 255.0

    # 2. defects (composited in order; masks where the value really changed)
    layers = []
    for name, fn in (('tear', _tear), ('crease', _crease), ('scratch', _scratch), ('dust', _dust),
                     ('crack', _crack), ('foxing', _foxing), ('flake', _flake), ('tape', _tape), ('mould', _mould)):
        if name in LATE_DEFECTS and not config.get(name, {}).get('p', 0) > 0:
            continue  # no draw at all: older presets keep their random stream
        if name in config and _on(rng, config[name]):
            layers += fn(h, w, rng, config[name])
    cur = base.copy()
    missing_alpha = np.zeros((h, w), np.float32)
    for a, colour, kind in layers:
        cur = cur * (1 - a[..., None]) + colour * a[..., None]
        if kind == 'missing':
            missing_alpha = np.maximum(missing_alpha, a)
    cur = np.clip(cur, 0, 1)
    thr = config.get('mask_threshold', 6.0 / 255.0)
    change = np.abs(cur - base).max(axis=2)
    changed = change > thr
    mask_missing = (missing_alpha > 0.5)
    # missing regions are always labelled (even if the fill happens to match the photo)
    mask_defect = changed & ~mask_missing
    keep = mask_defect | mask_missing
    img = np.where(keep[..., None], cur, base)

    # 3. acquisition
    if _on(rng, config['blur']):
        img = gaussian_blur(img, _u(rng, config['blur']['sigma']))
    if _on(rng, config['halftone']):
        img = _halftone(img, rng, config['halftone'])
    if _on(rng, config['grain']):
        img = _grain(img, rng, config['grain'])
    out = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    if _on(rng, config['jpeg']):
        out = _jpeg(out, rng, config['jpeg'])

    return {
        'damaged': out,
        'mask_defect': mask_defect.astype(np.uint8),
        'mask_missing': mask_missing.astype(np.uint8),
        'clean_target': clean.copy(),
        'aged': aged_u8,
        'change': np.where(keep, change, 0).astype(np.float32),  # how much each defect pixel moved (0..1)
    }


def random_blobs(h: int, w: int, rng: np.random.Generator, count=(1, 4), size=(0.05, 0.3)) -> np.ndarray:
    """Random large blob / stroke masks (HxW uint8 {0,1}) for inpainting training."""
    im = Image.new('L', (w, h), 0)
    dr = ImageDraw.Draw(im)
    for _ in range(_ri(rng, count)):
        s = _u(rng, size) * min(h, w)
        if rng.random() < 0.5:  # irregular blob
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            k = 12
            ang = np.linspace(0, 2 * math.pi, k, endpoint=False)
            rr = s * rng.uniform(0.4, 1.0, k)
            dr.polygon([(cx + r * math.cos(a), cy + r * math.sin(a)) for a, r in zip(ang, rr)], fill=255)
        else:  # brush stroke
            pts, _ = _polyline_points(rng, h, w, rng.uniform(1, 4) * s, step=3.0, jitter=0.3)
            dr.line(pts, fill=255, width=max(2, int(s * rng.uniform(0.1, 0.3))))
    return (np.asarray(im) > 127).astype(np.uint8)


if __name__ == '__main__':  # quick self-check
    import sys
    rng = np.random.default_rng(0)
    x = (np.random.default_rng(1).random((96, 128, 3)) * 255).astype(np.uint8)
    for p in PRESETS:
        o = forge(x, np.random.default_rng(0), preset(p))
        print(p, o['damaged'].shape, o['mask_defect'].mean(), o['mask_missing'].mean())
    sys.exit(0)
