"""Shared pieces of the repair models: architecture, data loading, sample synthesis."""
from __future__ import annotations

import glob
import hashlib
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'models', 'forge'))
from forge import DEFECTS, forge, preset, random_blobs  # noqa: E402

DATA = os.environ.get('HEIRLOOM_DATA', os.path.abspath(os.path.join(ROOT, '..', 'shared', 'data')))

# ------------------------------------------------------------------------------------------
# architecture
# ------------------------------------------------------------------------------------------

# model name -> (in channels, out channels, channel widths per level)
ARCH = {
    # depth 4 for context (a scratch crossing a wall vs the edge of a window); full-res width 16
    # keeps it as fast as the first detector
    'detector': dict(cin=3, cout=1, widths=(16, 32, 48, 64, 128)),
    'denoise': dict(cin=3, cout=3, widths=(16, 32, 64, 96)),
    'inpaint': dict(cin=4, cout=3, widths=(16, 32, 48, 64, 96)),
    # torn corners and missing edges: large flat regions the detector misses (recall 0.005); a small
    # net sees the whole photo shrunk, where a tear is tens of pixels wide and its ragged edge shows
    'tears': dict(cin=3, cout=1, widths=(16, 24, 32, 48, 64)),
}
PROBABILITY_MAPS = ('detector', 'tears')  # 1-channel logits -> sigmoid, trained as detectors
TEARS_SHRINK = 2  # tears samples: forged at 2x the patch, then shrunk (the net runs on a shrunk photo)


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Plain U-Net: conv blocks, 2x2 max-pool down, nearest 2x up, skip concat.

    forward(x) pads H and W (edge replicate) up to a multiple of 2**depth internally and crops the
    result back, so any input size works (the pad/crop is exported to ONNX as Pad(edge) + Slice).
    """

    def __init__(self, cin, cout, widths=(16, 32, 64, 96)):
        super().__init__()
        self.depth = len(widths) - 1
        self.enc = nn.ModuleList()
        c = cin
        for wd in widths[:-1]:
            self.enc.append(block(c, wd))
            c = wd
        self.mid = block(c, widths[-1])
        self.dec = nn.ModuleList()
        c = widths[-1]
        for wd in reversed(widths[:-1]):
            self.dec.append(block(c + wd, wd))
            c = wd
        self.head = nn.Conv2d(c, cout, 1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')

    def core(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
            x = self.pool(x)
        x = self.mid(x)
        for d in self.dec:
            x = self.up(x)
            x = d(torch.cat([x, skips.pop()], 1))
        return self.head(x)

    def forward(self, x):
        m = 2 ** self.depth
        h, w = x.shape[-2], x.shape[-1]
        ph = (m - h % m) % m
        pw = (m - w % m) % m
        xp = F.pad(x, (0, pw, 0, ph), mode='replicate')
        y = self.core(xp)
        return y[:, :, :h, :w]


def push_pull(rgb, known, levels=8, gain=16.0):
    """Multi-scale (push-pull) fill of the pixels where known == 0.

    Push: average colour and coverage down a pyramid (2x2 mean; odd sizes edge-padded).
    Pull: from the coarsest level up, each level keeps its own average where it has enough known
    pixels (alpha = coverage * gain, clamped) and takes the bilinear upsampling of the coarser fill
    elsewhere. Known pixels come back exactly. It fills holes of any size with a smooth
    continuation of the surrounding colours, and on the held-out forge sets it is already a
    better fill than OpenCV Telea (+0.4 dB), so the network only has to learn a residual on top.
    Traced into the ONNX graph (Pad edge, AveragePool, Resize linear), so the app passes
    rgb and the mask as before.
    """
    def down(x):
        # 2x2 mean; an odd last row/column is edge-replicated first, which equals ceil-mode pooling
        # (onnxruntime-web's WebGPU AveragePool cannot run ceil_mode)
        x = F.pad(x, (0, x.shape[-1] % 2, 0, x.shape[-2] % 2), mode='replicate')
        return F.avg_pool2d(x, 2)

    cs, ws = [rgb * known], [known]
    for _ in range(levels):
        cs.append(down(cs[-1]))
        ws.append(down(ws[-1]))
    col = cs[-1] / ws[-1].clamp_min(1e-6)
    for lv in range(levels - 1, -1, -1):
        up = F.interpolate(col, size=cs[lv].shape[-2:], mode='bilinear', align_corners=False)
        a = (ws[lv] * gain).clamp(0.0, 1.0)
        col = a * (cs[lv] / ws[lv].clamp_min(1e-6)) + (1.0 - a) * up
    return col


# Weight of a hole pixel's RGB in the prefill: 0 in training (the hole is blanked). The app puts
# hole_hint there, which only counts where a tile holds no known pixel near enough: a torn corner
# filling a whole 256 px tile came out black (nothing to average) and now continues the photo.
HINT_WEIGHT = 2.0 ** -14  # exact in fp16; darkens a blanked hole by at most 0.1 % where coverage counts


def inpaint_forward(net, x):
    """x = [rgb, mask] -> push-pull prefill + learned residual (unclamped, whole patch). Inside the
    hole rgb is a hint (0 in training, hole_hint in the app) weighted HINT_WEIGHT."""
    rgb, m = x[:, :3], x[:, 3:4]
    pre = push_pull(rgb, 1 - m + HINT_WEIGHT * m)
    return pre + net(torch.cat([pre, m], 1))


HINT_LONG_SIDE = 256  # the app's repairMeta.hintLongSide


def hole_hint(rgb, known, long_side=HINT_LONG_SIDE):
    """src/stages/repair/hole-hint.ts holeHint, the same sums: HxWx3 float in [0,1] and HxW known
    (1 = keep) -> HxWx3 float32, a smooth guess for every pixel from the whole photo: push-pull on a
    box-shrunk copy (coverage averaged with the colour), down to a single pixel, then bilinear."""
    h, w = known.shape
    f = max(1, -(-max(h, w) // long_side))
    ws = box_mean(known.astype(np.float64), f)
    col = box_mean(rgb * known[..., None], f) / np.maximum(ws, 1e-12)[..., None]
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, np.float32))  # noqa: E731
    levels = max(1, int(np.ceil(np.log2(max(ws.shape)))))
    fill = push_pull(t(col.transpose(2, 0, 1))[None], t(ws)[None, None], levels=levels)
    full = F.interpolate(fill, size=(h, w), mode='bilinear', align_corners=False)
    return full[0].numpy().transpose(1, 2, 0)


def as_app(x_chw):
    """An inpainting input [rgb, mask] (numpy CHW) as the app hands it over: the hole blanked and
    filled with the hint of the whole photo (hole_hint)."""
    m = x_chw[3]
    hint = hole_hint(x_chw[:3].transpose(1, 2, 0), 1 - m).transpose(2, 0, 1)
    return np.concatenate([x_chw[:3] * (1 - m) + hint * m, x_chw[3:4]], 0).astype(np.float32)


def build(name):
    a = ARCH[name]
    return UNet(a['cin'], a['cout'], a['widths'])


def load_net(name, ckpt_dir):
    """The trained `name` network from `ckpt_dir`/`name`.pt, in eval mode, and its checkpoint."""
    net = build(name)
    ck = torch.load(os.path.join(ckpt_dir, f'{name}.pt'), map_location='cpu')
    net.load_state_dict(ck['model'])
    net.eval()
    return net, ck


class Exported(nn.Module):
    """What goes into ONNX: raw network + the post-processing the app expects (range [0,1])."""

    def __init__(self, name, net):
        super().__init__()
        self.name, self.net = name, net

    def forward(self, x):
        if self.name in PROBABILITY_MAPS:
            return torch.sigmoid(self.net(x))
        if self.name == 'denoise':
            return torch.clamp(x + self.net(x), 0.0, 1.0)
        # inpaint: x = [rgb, mask]; rgb inside the hole is ignored
        m = x[:, 3:4]
        pred = torch.clamp(inpaint_forward(self.net, x), 0.0, 1.0)
        return x[:, :3] * (1.0 - m) + pred * m


def run_model(name, net, x):
    """Training-time forward (no clamping of logits/residual)."""
    if name in PROBABILITY_MAPS:
        return net(x)
    if name == 'denoise':
        return x + net(x)
    return inpaint_forward(net, x)


# ------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------


def utk_heldout(fname):
    """The fixed 5% of utkface held out (seeded hash of the file name)."""
    return int(hashlib.sha256(('heirloom-holdout:' + fname).encode()).hexdigest(), 16) % 100 < 5


def train_files(include_faces=False, n_faces=300):
    p = os.path.join(DATA, 'photos')
    files = sorted(glob.glob(os.path.join(p, 'imagenet-samples', '*')))
    files += sorted(glob.glob(os.path.join(p, 'bsds500', 'train', '*.jpg')))
    files += sorted(glob.glob(os.path.join(p, 'bsds500', 'val', '*.jpg')))
    files += sorted(glob.glob(os.path.join(p, 'sun-hays80', '*')))
    if include_faces:
        fs = sorted(glob.glob(os.path.join(DATA, 'faces', 'utkface', '*.jpg')))
        files += [f for f in fs if not utk_heldout(os.path.basename(f))][:n_faces]
    files = [f for f in files if f.lower().endswith(('.jpg', '.jpeg', '.png'))]
    # never train on held-out sets
    assert not any(('bsds500/test' in f) or ('/eval/' in f) for f in files)
    return files


def photo_name(path):
    """A training photo's name in a pack_data.py pack (and in mined hard-negative lists): its path
    below the folder two levels above its own (photos/imagenet-samples/x.JPEG, bsds500/train/y.jpg)."""
    return os.path.relpath(path, os.path.dirname(os.path.dirname(os.path.dirname(path))))


def load_image(path, short=256):
    im = Image.open(path).convert('RGB')
    w, h = im.size
    s = short / min(w, h)
    if s < 1:
        im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC)
    return np.asarray(im)


def load_pack(path):
    """Photos packed by pack_data.py: [(name, jpeg bytes)] -> list of HxWx3 uint8."""
    import io
    import pickle
    with open(path, 'rb') as f:
        items = pickle.load(f)
    return [(name, np.asarray(Image.open(io.BytesIO(b)).convert('RGB'))) for name, b in items]


def load_cache(files, short=256, cache=None):
    """Decode + resize all images once; cached as a pickle in /tmp (not in the repo)."""
    import pickle
    key = hashlib.sha1(('|'.join(files) + str(short)).encode()).hexdigest()[:12]
    cache = cache or os.path.join('/tmp', f'heirloom-repair-cache-{key}.pkl')
    if os.path.exists(cache):
        with open(cache, 'rb') as f:
            return pickle.load(f)
    imgs = [load_image(f, short) for f in files]
    try:
        with open(cache + '.tmp', 'wb') as f:
            pickle.dump(imgs, f, protocol=4)
        os.replace(cache + '.tmp', cache)
    except OSError:
        pass
    return imgs


def random_crop(img, rng, size):
    h, w = img.shape[:2]
    if h < size or w < size:
        img = np.asarray(Image.fromarray(img).resize((max(w, size), max(h, size)), Image.BICUBIC))
        h, w = img.shape[:2]
    y = int(rng.integers(0, h - size + 1))
    x = int(rng.integers(0, w - size + 1))
    c = img[y:y + size, x:x + size]
    if rng.random() < 0.5:
        c = c[:, ::-1]
    return np.ascontiguousarray(c)


_CFG = {}


def detector_preset():
    """The forge preset detector samples are drawn from: 'detector' (what the shipped detector was
    trained and is evaluated on) unless train.py's --forge-preset set HEIRLOOM_FORGE_PRESET (an
    environment variable, so the batch worker processes see it too)."""
    return os.environ.get('HEIRLOOM_FORGE_PRESET', 'detector')


def _cfg(name):
    if name not in _CFG:
        if name == 'inpaint':
            c = preset('inpaint')
            # holes are cut from mildly aged photos too (as in the app)
            base = preset('all')
            for k in ('fade', 'cast', 'vignette'):
                c[k] = base[k]
                c[k]['p'] = 0.3
            _CFG[name] = c
        elif name == 'detector':
            _CFG[name] = preset(detector_preset())
        elif name in ('tears', 'tears-clean'):
            c = preset(detector_preset())
            # the other defects stay as distractors (the detector's job); flakes are small holes, its job too
            for k in (DEFECTS if name == 'tears-clean' else ('flake',)):
                c[k]['p'] = 0.0
            if name == 'tears':
                c['tear']['p'] = 0.6
            _CFG[name] = c
        elif name == 'detector-clean':
            c = preset(detector_preset())
            for k in DEFECTS:
                c[k]['p'] = 0.0
            _CFG[name] = c
        else:
            _CFG[name] = preset(name)
    return _CFG[name]


# Detector labels: damage a viewer can see (a defect that moved the pixel by more than VISIBLE, or
# missing emulsion) is the target; faint traces (moved by more than FAINT) and a 1 px ring around
# the target are left out of the loss and of the scores, since neither answer is wrong there.
VISIBLE, FAINT = 12 / 255, 3 / 255
CLEAN_SHARE = 0.3  # share of detector samples with no defect at all (aging and acquisition only)


# Not evaluate.dilate (cv2): np.roll wraps round the borders, and the detector's labels and scores rest on that.
def _dilate(m, r=1):
    """Boolean mask grown by r px; the image border stops it (np.roll used to wrap it to the far side)."""
    h, w = m.shape
    p = np.pad(m, r)
    out = np.zeros_like(m)
    for dy in range(2 * r + 1):
        for dx in range(2 * r + 1):
            out |= p[dy:dy + h, dx:dx + w]
    return out


def detector_target(o):
    """forge output -> [3,H,W] float32: target (visible damage), weight (0 = not scored) and every
    pixel the forge changed by more than 6/255 (for strict scores)."""
    target = (o['mask_missing'] > 0) | (o['change'] > VISIBLE)
    ignore = ((o['change'] > FAINT) | _dilate(target)) & ~target
    return np.stack([target, ~ignore, (o['change'] > 6 / 255) | (o['mask_missing'] > 0)]).astype(np.float32)  # + the forge's own mask


TEARS_LONG_SIDE = 160  # the app's repairMeta.tearsLongSide
TEAR_COLOUR_TOLERANCE, MIN_TEAR_SHARE, MIN_TEAR_BRIGHTNESS = 32, 0.002, 150  # as src/stages/repair/tears.ts


def one_defect(kind, **extra):
    """The forge preset 'detector' with one defect type only, always drawn (`extra` overrides its
    settings); aging and acquisition as usual. For recall per type and the tear sheets."""
    c = preset('detector')
    for k in DEFECTS:
        c[k]['p'] = 0.0
    c[kind]['p'] = 1.0
    c[kind].update(extra)
    return c


def box_mean(a, f):
    """HxW[xC] array -> float64, the mean of each f x f block, partial blocks at the right and bottom
    averaged over what they hold (the app's boxDownscale, before its rounding)."""
    h, w = a.shape[:2]
    hp, wp = -(-h // f) * f, -(-w // f) * f
    tail = a.shape[2:]
    s = np.zeros((hp, wp, *tail), np.float64)
    n = np.zeros((hp, wp), np.float64)
    s[:h, :w], n[:h, :w] = a, 1
    n = n.reshape(hp // f, f, wp // f, f).sum((1, 3))
    return s.reshape(hp // f, f, wp // f, f, *tail).sum((1, 3)) / n.reshape(n.shape + (1,) * len(tail))


def box_downscale(img, f):
    """HxWx3 uint8 -> the app's boxDownscale: box_mean rounded to uint8."""
    if f <= 1:
        return img
    return np.clip(np.round(box_mean(img, f)), 0, 255).astype(np.uint8)


def tears_factor(h, w):
    return max(1, -(-max(h, w) // TEARS_LONG_SIDE))


def refine_tears(img, small, coarse, f):
    """src/stages/repair/tears.ts refineTears, the same rule: coarse bool mask found on `small`
    (box_downscale(img, f)) -> full-size bool mask. Deep cells (all 8 neighbours marked, off the photo
    counts as marked) are torn whole; cells on and just outside a region's edge keep the pixels within
    TEAR_COLOUR_TOLERANCE of the region's colour (mean of its deep cells). Regions without deep cells,
    under MIN_TEAR_SHARE of the shrunk photo or darker than MIN_TEAR_BRIGHTNESS are dropped."""
    ch, cw = coarse.shape
    pad_in = np.pad(coarse, 1, constant_values=True)
    pad_out = np.pad(coarse, 1, constant_values=False)
    deep = np.ones_like(coarse)
    near = np.zeros_like(coarse)
    for dy in range(3):
        for dx in range(3):
            deep &= pad_in[dy:dy + ch, dx:dx + cw]
            near |= pad_out[dy:dy + ch, dx:dx + cw]
    label = -np.ones((ch, cw), np.int64)
    colour, keep = [], []
    for sy, sx in zip(*np.nonzero(near)):
        if label[sy, sx] >= 0:
            continue
        k = len(colour)
        label[sy, sx] = k
        stack, cells = [(sy, sx)], []
        while stack:
            y, x = stack.pop()
            cells.append((y, x))
            for ny in range(max(0, y - 1), min(ch, y + 2)):
                for nx in range(max(0, x - 1), min(cw, x + 2)):
                    if near[ny, nx] and label[ny, nx] < 0:
                        label[ny, nx] = k
                        stack.append((ny, nx))
        ys, xs = np.array(cells).T
        d = deep[ys, xs]
        colour.append(small[ys[d], xs[d]].astype(np.float64).mean(0) if d.any() else np.zeros(3))
        keep.append(bool(d.any()) and colour[-1].mean() >= MIN_TEAR_BRIGHTNESS and coarse[ys, xs].sum() >= MIN_TEAR_SHARE * cw * ch)
    h, w = img.shape[:2]
    cy, cx = np.arange(h) // f, np.arange(w) // f
    lab = label[cy][:, cx]
    kept = np.array(keep + [False])[lab]  # label -1 picks the trailing False
    cols = np.array(colour + [np.zeros(3)])[lab]
    close = np.abs(img.astype(np.float64) - cols).max(2) <= TEAR_COLOUR_TOLERANCE
    return kept & (deep[cy][:, cx] | close)


def tear_probability(img, net):
    """HxWx3 uint8 photo -> (shrunk copy, the tears net's probability map on it, shrink factor), as the app."""
    f = tears_factor(*img.shape[:2])
    small = box_downscale(img, f)
    with torch.no_grad():
        p = torch.sigmoid(net(torch.from_numpy(small.transpose(2, 0, 1).astype(np.float32) / 255.0)[None]))[0, 0].numpy()
    return small, p, f


def find_tears(img, net, threshold):
    """HxWx3 uint8 photo -> full-size bool tear mask, as the app's detectTears (before its 2 px growth)."""
    small, p, f = tear_probability(img, net)
    return refine_tears(img, small, p >= threshold, f)


def print_border(img, rng):
    """A scanned print's border on 1-4 sides: straight, flat paper white or black, 2-12 % of the side.
    Content the tears net must leave alone (a torn edge is ragged and runs into the picture)."""
    img = img.copy()
    h, w = img.shape[:2]
    col = rng.uniform(0.85, 1.0, 3) * 255 if rng.random() < 0.7 else rng.uniform(0.0, 0.15) * 255 * np.ones(3)
    sides = [s for s in range(4) if rng.random() < 0.6] or [int(rng.integers(0, 4))]
    for s in sides:
        b = max(1, int(rng.uniform(0.02, 0.12) * (h if s % 2 == 0 else w)))
        region = {0: np.s_[:b], 1: np.s_[:, w - b:], 2: np.s_[h - b:], 3: np.s_[:, :b]}[s]
        img[region] = col
    return img


def tears_sample(patch, rng, clean=False):
    """A 2N px crop -> the forged sample shrunk to N px: torn/missing regions are the target; pixels
    the shrink half-covers are not scored. 40 % carry no tear (other defects still may), and a quarter
    of all get a print border first (content, so neither a tear nor a miss)."""
    if rng.random() < 0.25:
        patch = print_border(patch, rng)
    o = forge(patch, rng, _cfg('tears-clean' if clean or rng.random() < 0.4 else 'tears'))
    x = box_mean(o['damaged'] / 255.0, TEARS_SHRINK).astype(np.float32).transpose(2, 0, 1)
    cover = box_mean(o['mask_missing'], TEARS_SHRINK)
    target = cover >= 0.5
    return x, np.stack([target, (cover < 0.1) | (cover > 0.9), target]).astype(np.float32)


def make_sample(name, patch, rng, clean=False):
    """patch: HxWx3 uint8 clean -> (input CHW float32, target CHW float32). clean (detector): aging and
    acquisition only, so the target is all zero and every pixel is scored."""
    if name == 'tears':
        return tears_sample(patch, rng, clean)
    if name == 'detector':
        o = forge(patch, rng, _cfg('detector-clean' if rng.random() < CLEAN_SHARE or clean else 'detector'))
        return o['damaged'].transpose(2, 0, 1).astype(np.float32) / 255.0, detector_target(o)
    o = forge(patch, rng, _cfg(name))
    if name == 'denoise':
        return (o['damaged'].transpose(2, 0, 1).astype(np.float32) / 255.0,
                o['clean_target'].transpose(2, 0, 1).astype(np.float32) / 255.0)
    # inpaint
    h, w = patch.shape[:2]
    m = (o['mask_defect'] | o['mask_missing']).astype(np.uint8)
    if rng.random() < 0.5:
        m = m | random_blobs(h, w, rng, count=(1, 3), size=(0.05, 0.35))
    if m.mean() > 0.6:  # keep some context
        m = random_blobs(h, w, rng, count=(1, 2), size=(0.05, 0.2))
    tgt = o['aged'].transpose(2, 0, 1).astype(np.float32) / 255.0
    x = np.concatenate([tgt * (1 - m[None]), m[None].astype(np.float32)], 0)
    return x.astype(np.float32), tgt


def load_hard_negatives(path, names):
    """Mined false alarms (mine_negatives.py; `path`: one file or several, comma-separated) on the
    photos in `names` (the order of the loaded images) -> list of (image index, fx, fy, short side it
    was found at). Photos not loaded (the validation slice, or --max-images) are dropped."""
    import json
    regions = []
    for p in path.split(','):
        with open(p) as f:
            regions += json.load(f)['regions']
    index = {n: i for i, n in enumerate(names)}
    return [(index[r['photo']], r['fx'], r['fy'], r['short']) for r in regions if r['photo'] in index]


def hard_negative_crop(img, spot, rng, size):
    """A size x size crop of img centred (jittered by up to a quarter patch) on a mined false alarm,
    at the scale it was found (so the content is as large as when the detector fired on it)."""
    _, fx, fy, short = spot
    h, w = img.shape[:2]
    s = short / min(h, w)
    if abs(s - 1) > 0.02:
        img = np.asarray(Image.fromarray(img).resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC))
        h, w = img.shape[:2]
    if h < size or w < size:  # as random_crop: enlarge a photo smaller than the patch
        return random_crop(img, rng, size)
    j = size // 4
    cx, cy = fx * w + rng.integers(-j, j + 1), fy * h + rng.integers(-j, j + 1)
    x = int(np.clip(cx - size // 2, 0, w - size))
    y = int(np.clip(cy - size // 2, 0, h - size))
    c = img[y:y + size, x:x + size]
    if rng.random() < 0.5:
        c = c[:, ::-1]
    return np.ascontiguousarray(c)


def make_batch(name, imgs, rng, bs, size, hard=None, hard_share=0.0):
    """hard: mined false alarms (load_hard_negatives); round(bs * hard_share) samples of the batch
    are crops around them with no defect (detector) or no tear (tears): target all zero."""
    n_hard = int(round(bs * hard_share)) if hard else 0
    xs, ys = [], []
    for i in range(bs):
        if i < n_hard:
            spot = hard[int(rng.integers(0, len(hard)))]
            crop = hard_negative_crop(imgs[spot[0]], spot, rng, size * (TEARS_SHRINK if name == 'tears' else 1))
            x, y = make_sample(name, crop, rng, clean=True)
        else:
            img = imgs[int(rng.integers(0, len(imgs)))]
            x, y = make_sample(name, random_crop(img, rng, size * (TEARS_SHRINK if name == 'tears' else 1)), rng)
        xs.append(x)
        ys.append(y)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
