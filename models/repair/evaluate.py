"""Evaluate the repair models against classical baselines on held-out forge sets.

    /usr/bin/python3 models/repair/evaluate.py [--limit 0] [--crop 256] [--models detector,tears,inpaint,denoise]

Held-out sets (never trained on): photos/bsds500/test, eval/kodak24, eval/mcmaster; each image is
centre-cropped to --crop x --crop and degraded by the forge with a fixed per-image seed, using the
same sample generator as training (models/repair/common.make_sample).

  tears:    the tears net as the app runs it (find_tears), its mask added to the detector's marks:
            precision / recall of the union on the detector's forge sets, tear recall, damage-free
            coverage; baseline: the detector alone.
  detector: pixel F1 / IoU (micro, over all pixels of a set) of the damage mask at p > 0.5, vs a
            classical baseline: max(white top-hat, black-hat) of the grey image with a small
            elliptical element, thresholded; kernel and threshold tuned on 24 bsds500/train images.
  inpaint:  PSNR and SSIM inside the mask (SSIM map averaged over masked pixels) vs OpenCV
            cv2.inpaint TELEA (radius tuned on train) - the classical diffusion fill.
  denoise:  PSNR / SSIM of the whole crop vs OpenCV fastNlMeansDenoisingColored (h tuned on train),
            plus the noisy input itself.
The model is run in PyTorch with exactly the exported graph's post-processing (common.Exported),
both with fp32 weights and with weights rounded to fp16 (what the shipped .fp16.onnx stores).
Writes models/repair/logs/eval.json and prints markdown tables.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import time
import zlib

import cv2
import numpy as np
import torch

from common import (DATA, HERE, Exported, as_app, detector_target, find_tears, forge, load_image, load_net, make_sample, one_defect,
                    push_pull, refine_tears, tear_probability, train_files, utk_heldout)

sys.path.insert(0, os.path.join(HERE, '..'))  # models/
from metrics import ssim_map  # noqa: E402  (hole_sizes.py imports it from here too)
from onnx_tools import fp16_rounded  # noqa: E402

SETS = {
    'bsds500-test': lambda: sorted(glob.glob(os.path.join(DATA, 'photos', 'bsds500', 'test', '*.jpg'))),
    'kodak24': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png'))),
    'mcmaster': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'mcmaster', '*.*'))),
}
TUNE = lambda: sorted(glob.glob(os.path.join(DATA, 'photos', 'bsds500', 'train', '*.jpg')))[:24]  # noqa: E731


def center_crop(img, size):
    h, w = img.shape[:2]
    if min(h, w) < size:
        return None
    y, x = (h - size) // 2, (w - size) // 2
    return np.ascontiguousarray(img[y:y + size, x:x + size])


def samples(name, files, crop, tag):
    out = []
    for f in files:
        img = load_image(f, short=10 ** 6)  # full size (no resize), centre crop
        c = center_crop(img, crop)
        if c is None:
            continue
        seed = zlib.crc32(f'{tag}:{name}:{os.path.basename(f)}'.encode())
        x, y = make_sample(name, c, np.random.default_rng(seed))
        out.append((x, y))
    return out


# ---------------------------------------------------------------------------- metrics

def psnr(a, b, mask=None):
    d = (a - b) ** 2
    if mask is not None:
        mse = (d * mask).sum() / max(1.0, mask.sum() * d.shape[0])
    else:
        mse = d.mean()
    return 10 * math.log10(1.0 / max(mse, 1e-10))


def prf(pred, gt):
    tp = float((pred & gt).sum())
    fp = float((pred & ~gt).sum())
    fn = float((~pred & gt).sum())
    return tp, fp, fn


def f1iou(tp, fp, fn):
    return 2 * tp / max(1.0, 2 * tp + fp + fn), tp / max(1.0, tp + fp + fn)


def rates(v):
    """(tp, fp, fn) -> precision, recall and F1."""
    return {'precision': v[0] / max(1.0, v[0] + v[1]), 'recall': v[0] / max(1.0, v[0] + v[2]), 'f1': f1iou(*v)[0]}


# ---------------------------------------------------------------------------- baselines

def u8(chw):
    return (np.clip(chw.transpose(1, 2, 0), 0, 1) * 255 + 0.5).astype(np.uint8)


def tophat_response(x_chw, k):
    g = cv2.cvtColor(u8(x_chw), cv2.COLOR_RGB2GRAY)
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    th = cv2.morphologyEx(g, cv2.MORPH_TOPHAT, se).astype(np.float32)
    bh = cv2.morphologyEx(g, cv2.MORPH_BLACKHAT, se).astype(np.float32)
    return np.maximum(th, bh)


def tune_tophat(tune):
    best = None
    for k in (5, 7, 9, 11, 15):
        resp = [(tophat_response(x, k) / 255.0, y) for x, y in tune]
        for t in range(4, 80, 2):
            s = np.zeros(3)
            for r, y in resp:
                s += score(r, y, t / 255.0)
            f1 = f1iou(*s)[0]
            if best is None or f1 > best[0]:
                best = (f1, k, t)
    return {'kernel': best[1], 'threshold': best[2], 'train_f1': best[0]}


def telea(x_chw, radius):
    m = (x_chw[3] > 0.5).astype(np.uint8) * 255
    out = cv2.inpaint(u8(x_chw[:3]), m, radius, cv2.INPAINT_TELEA)
    return out.transpose(2, 0, 1).astype(np.float32) / 255.0


def pushpull(x_chw):
    """The network's own prefill alone (common.push_pull), as an ablation."""
    x = torch.from_numpy(x_chw)[None]
    m = x[:, 3:4]
    with torch.no_grad():
        return push_pull(x[:, :3] * (1 - m), 1 - m)[0].numpy()


def tune_telea(tune):
    best = None
    for r in (1, 3, 5, 9):
        s = np.mean([psnr(telea(x, r), y, x[3:4]) for x, y in tune])
        if best is None or s > best[0]:
            best = (s, r)
    return {'radius': best[1], 'train_psnr_hole': best[0]}


def nlm(x_chw, h):
    out = cv2.fastNlMeansDenoisingColored(u8(x_chw), None, h, h, 7, 21)
    return out.transpose(2, 0, 1).astype(np.float32) / 255.0


def tune_nlm(tune):
    best = None
    for h in (2, 3, 5, 7, 10, 13):
        s = np.mean([psnr(nlm(x, h), y) for x, y in tune])
        if best is None or s > best[0]:
            best = (s, h)
    return {'h': best[1], 'train_psnr': best[0]}


# ---------------------------------------------------------------------------- models

def load_models(name, ckpt_dir):
    net, ck = load_net(name, ckpt_dir)
    return {'fp32': Exported(name, net).eval(), 'fp16w': Exported(name, fp16_rounded(net)).eval()}, ck


@torch.no_grad()
def infer(model, x):
    return model(torch.from_numpy(x)[None])[0].numpy()


THRESHOLDS = (0.9, 0.8, 0.7, 0.5, 0.3, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02)
# one damage type at a time (with the detector preset's aging and acquisition): recall per type
TYPES = {'scratch 0.6-3 px': ('scratch', {}), 'scratch 3-9 px (gouge)': ('scratch', {'wide_p': 1.0}),
         'crease': ('crease', {}), 'dust and hairs': ('dust', {}), 'tear / missing corner': ('tear', {}),
         'crack network': ('crack', {}), 'foxing': ('foxing', {}), 'flaked emulsion': ('flake', {})}
# damage-free photos, whole (the share of pixels the app's mask would cover: do no harm)
CLEAN = {
    'kodak24': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png'))),
    'mcmaster': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'mcmaster', '*.*'))),
    'ffhq-10': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'ffhq-10', '*.png'))),
    'bsds500-test': lambda: sorted(glob.glob(os.path.join(DATA, 'photos', 'bsds500', 'test', '*.jpg'))),
    'utkface-holdout': lambda: [f for f in sorted(glob.glob(os.path.join(DATA, 'faces', 'utkface', '*.jpg')))
                                if utk_heldout(os.path.basename(f))],
    'real-old/bw-historical': lambda: sorted(glob.glob(os.path.join(DATA, 'real-old', 'bw-historical', '*'))),
    'real-old/family': lambda: sorted(glob.glob(os.path.join(DATA, 'real-old', 'family', '*'))),
}


def one_type_crops(kind, extra, tag, n=60):
    """The first n bsds500/test photos, centre-cropped to 256, each damaged by one damage type (one_defect)
    with the seed CRC32(tag:file name): the forge outputs, in order."""
    for f in SETS['bsds500-test']()[:n]:
        c = center_crop(load_image(f, short=10 ** 6), 256)
        yield forge(c, np.random.default_rng(zlib.crc32(f'{tag}:{os.path.basename(f)}'.encode())), one_defect(kind, **extra))


def type_samples(label):
    """60 bsds500/test crops with one damage type of TYPES each (a fixed seed per crop and type):
    (input CHW float32, detector_target)."""
    return [(o['damaged'].transpose(2, 0, 1).astype(np.float32) / 255.0, detector_target(o))
            for o in one_type_crops(*TYPES[label], f'type:{label}')]


def score(prob, y, t):
    """(tp, fp, fn) of the scored pixels (weight 1: see common.detector_target)."""
    pred, gt, w = prob >= t, y[0] > 0.5, y[1] > 0.5
    return prf(pred & w, gt & w)


def dilate(m, r):
    return cv2.dilate(m.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0


def eval_detector(sets, models, tune, calib=None, clean_limit=0):
    """Precision/recall per threshold on the held-out forge sets; the shipped threshold is the
    lowest whose precision on the calibration slice (training folders' validation images, never
    trained on) is >= 0.9; recall per damage type; false alarms on damage-free photos."""
    base = tune_tophat(tune)
    cal = np.zeros((len(THRESHOLDS), 3))
    for x, y in calib:
        p = infer(models['fp32'], x)[0]
        for i, t in enumerate(THRESHOLDS):
            cal[i] += score(p, y, t)
    precision = [tp / max(1.0, tp + fp) for tp, fp, _ in cal]
    # the same images whole, undamaged: the share of each that the app's mask would cover
    flagged = np.zeros(len(THRESHOLDS))
    for f in train_files()[::50]:
        img = load_image(f, short=10 ** 6)
        p = infer(models['fp32'], img.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]
        flagged += [dilate(p >= t, 2).mean() for t in THRESHOLDS]
    flagged /= len(train_files()[::50])
    threshold = min([t for t, pr, fl in zip(THRESHOLDS, precision, flagged) if pr >= 0.9 and fl <= 0.001], default=0.5)
    rows = {}
    for sname, data in sets.items():
        acc = np.zeros((len(THRESHOLDS), 3))
        strict, th, fp16 = np.zeros(3), np.zeros(3), np.zeros(3)
        for x, y in data:
            p = infer(models['fp32'], x)[0]
            for i, t in enumerate(THRESHOLDS):
                acc[i] += score(p, y, t)
            fp16 += score(infer(models['fp16w'], x)[0], y, threshold)
            th += score(tophat_response(x, base['kernel']) / 255.0, y, base['threshold'] / 255.0)
            strict += prf(p >= threshold, y[2] > 0.5)  # every pixel the forge changed by > 6/255
        rows[sname] = {'n': len(data), 'by_threshold': {str(t): rates(a) for t, a in zip(THRESHOLDS, acc)},
                       'model': rates(acc[THRESHOLDS.index(threshold)]), 'model_fp16w': rates(fp16), 'tophat': rates(th),
                       'strict': rates(strict)}
    # recall per damage type on bsds500-test crops
    per_type = {}
    for label in TYPES:
        acc = np.zeros(3)
        for x, y in type_samples(label):
            acc += score(infer(models['fp32'], x)[0], y, threshold)
        per_type[label] = {'recall': acc[0] / max(1.0, acc[0] + acc[2]), 'damaged_pixels': int(acc[0] + acc[2])}
    # do no harm: share of each damage-free photo the app's mask would cover (threshold, dilated 2 px)
    clean = {}
    for sname, lf in CLEAN.items():
        fs = lf()[:clean_limit] if clean_limit else lf()
        shares = []
        for f in fs:
            img = load_image(f, short=10 ** 6)
            p = infer(models['fp32'], img.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]
            shares.append(float(dilate(p >= threshold, 2).mean()))
        worst = int(np.argmax(shares))
        clean[sname] = {'n': len(fs), 'mean_flagged': float(np.mean(shares)), 'max_flagged': shares[worst],
                        'worst': os.path.basename(fs[worst])}
    return {'baseline': base, 'threshold': threshold, 'calibration_precision': dict(zip(map(str, THRESHOLDS), precision)),
            'calibration_clean_flagged': dict(zip(map(str, THRESHOLDS), flagged.tolist())),
            'sets': rows, 'per_type': per_type, 'clean': clean}


TEARS_THRESHOLDS = (0.95, 0.9, 0.8, 0.7, 0.5, 0.3)


def eval_tears(sets, models, detector, calib, ckpt_dir, clean_limit=0):
    """The tears net as the app runs it (find_tears: whole photo shrunk, edge fitted by colour),
    added to the detector's marks at its shipped threshold: precision/recall of the union on the
    detector's held-out forge sets, tear recall, and the damage-free coverage of the union. The
    threshold is the lowest whose tear masks have precision >= 0.9 on the calibration slice and
    which flag <= 0.1 % of those photos undamaged (the detector's rule)."""
    net, td = models['fp32'].net, detector['threshold']
    dnet = load_models('detector', ckpt_dir)[0]['fp32']
    marks = lambda x: infer(dnet, x)[0] >= td  # noqa: E731
    tears = lambda x, t: find_tears(u8(x), net, t)  # noqa: E731

    def every_threshold(img):  # the net once, its map cut at each threshold
        small, p, f = tear_probability(img, net)
        return [refine_tears(img, small, p >= t, f) for t in TEARS_THRESHOLDS]

    cal = np.zeros((len(TEARS_THRESHOLDS), 3))
    for x, y in calib:
        for i, m in enumerate(every_threshold(u8(x))):
            cal[i] += prf(m & (y[1] > 0.5), (y[0] > 0.5) & (y[1] > 0.5))
    precision = [tp / max(1.0, tp + fp) for tp, fp, _ in cal]
    flagged = np.zeros(len(TEARS_THRESHOLDS))
    for f in train_files()[::50]:
        flagged += [dilate(m, 2).mean() for m in every_threshold(load_image(f, short=10 ** 6))]
    flagged /= len(train_files()[::50])
    threshold = min([t for t, pr, fl in zip(TEARS_THRESHOLDS, precision, flagged) if pr >= 0.9 and fl <= 0.001], default=0.95)
    rows = {}
    for sname, data in sets.items():
        acc, alone = np.zeros(3), np.zeros(3)
        for x, y in data:
            w, gt = y[1] > 0.5, y[0] > 0.5
            m = marks(x)
            acc += prf((m | tears(x, threshold)) & w, gt & w)
            alone += prf(m & w, gt & w)
        rows[sname] = {'n': len(data), 'with_tears': rates(acc), 'marks_only': rates(alone)}
    acc, alone = np.zeros(3), np.zeros(3)
    for x, y in type_samples('tear / missing corner'):  # the detector's per-type crops
        w, gt = y[1] > 0.5, y[0] > 0.5
        m = marks(x)
        acc += prf((m | tears(x, threshold)) & w, gt & w)
        alone += prf(m & w, gt & w)
    per_type = {'with_tears': acc[0] / max(1.0, acc[0] + acc[2]), 'marks_only': alone[0] / max(1.0, alone[0] + alone[2]),
                'precision_with_tears': acc[0] / max(1.0, acc[0] + acc[1]), 'damaged_pixels': int(acc[0] + acc[2])}
    clean = {}
    for sname, lf in CLEAN.items():
        fs = lf()[:clean_limit] if clean_limit else lf()
        shares, alone_shares = [], []
        for f in fs:
            img = load_image(f, short=10 ** 6)
            m = dilate(infer(dnet, img.transpose(2, 0, 1).astype(np.float32) / 255.0)[0] >= td, 2)
            shares.append(float((m | dilate(find_tears(img, net, threshold), 2)).mean()))
            alone_shares.append(float(m.mean()))
        worst = int(np.argmax(shares))
        clean[sname] = {'n': len(fs), 'mean_flagged': float(np.mean(shares)), 'max_flagged': shares[worst],
                        'worst': os.path.basename(fs[worst]), 'marks_only_mean': float(np.mean(alone_shares)),
                        'marks_only_max': float(np.max(alone_shares)),
                        'photos_with_tears': int(sum(s > a for s, a in zip(shares, alone_shares)))}
    return {'baseline': 'the detector alone', 'threshold': threshold, 'detector_threshold': td,
            'calibration_precision': dict(zip(map(str, TEARS_THRESHOLDS), precision)),
            'calibration_clean_flagged': dict(zip(map(str, TEARS_THRESHOLDS), map(float, flagged))),
            'sets': rows, 'tear_recall': per_type, 'clean': clean}


def eval_inpaint(sets, models, tune):
    base = tune_telea(tune)
    rows = {}
    for sname, data in sets.items():
        acc = {k: [] for k in ('model', 'model_fp16w', 'telea', 'pushpull')}
        for x, y in data:
            m = x[3:4]
            if m.sum() < 1:
                continue
            xa = as_app(x)
            outs = {'model': infer(models['fp32'], xa), 'model_fp16w': infer(models['fp16w'], xa),
                    'telea': telea(x, base['radius']), 'pushpull': pushpull(x)}
            for k, o in outs.items():
                sm = ssim_map(o, y)
                acc[k].append((psnr(o, y, m), float((sm * m[0]).sum() / m[0].sum())))
        rows[sname] = {k: {'psnr_hole': float(np.mean([a for a, _ in v])), 'ssim_hole': float(np.mean([b for _, b in v]))}
                       for k, v in acc.items()}
        rows[sname]['n'] = len(acc['model'])
        rows[sname]['hole_fraction'] = float(np.mean([x[3].mean() for x, _ in data]))
    return {'baseline': base, 'sets': rows}


def eval_denoise(sets, models, tune):
    base = tune_nlm(tune)
    rows = {}
    for sname, data in sets.items():
        acc = {k: [] for k in ('input', 'model', 'model_fp16w', 'nlm')}
        for x, y in data:
            outs = {'input': x, 'model': infer(models['fp32'], x), 'model_fp16w': infer(models['fp16w'], x),
                    'nlm': nlm(x, base['h'])}
            for k, o in outs.items():
                acc[k].append((psnr(o, y), float(ssim_map(o, y).mean())))
        rows[sname] = {k: {'psnr': float(np.mean([a for a, _ in v])), 'ssim': float(np.mean([b for _, b in v]))}
                       for k, v in acc.items()}
        rows[sname]['n'] = len(data)
    return {'baseline': base, 'sets': rows}


def table(name, res):
    lines = []
    if name == 'detector':
        t = res['threshold']
        lines.append(f'Forge sets at the shipped threshold {t} (visible damage; faint traces and a 1 px ring not scored):\n')
        lines.append('| set | n | precision | recall | F1 | fp16-weights F1 | top-hat P / R / F1 | strict P / R (all changed px) |')
        lines.append('|---|---|---|---|---|---|---|---|')
        for s, r in res['sets'].items():
            m, b, st = r['model'], r['tophat'], r['strict']
            lines.append(f"| {s} | {r['n']} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {r['model_fp16w']['f1']:.3f} | "
                         f"{b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} | {st['precision']:.3f} / {st['recall']:.3f} |")
        lines.append('\nPrecision / recall by threshold (mean over the forge sets):\n')
        lines.append('| threshold | ' + ' | '.join(res['sets'][next(iter(res['sets']))]['by_threshold']) + ' |')
        lines.append('|---|' + '---|' * len(THRESHOLDS))
        for k in ('precision', 'recall'):
            vals = [np.mean([r['by_threshold'][th][k] for r in res['sets'].values()]) for th in map(str, THRESHOLDS)]
            lines.append(f'| {k} | ' + ' | '.join(f'{v:.3f}' for v in vals) + ' |')
        lines.append('\nRecall per damage type (60 bsds500/test crops, one type at a time):\n')
        lines.append('| damage | recall | damaged pixels |')
        lines.append('|---|---|---|')
        for k, v in res['per_type'].items():
            lines.append(f"| {k} | {v['recall']:.3f} | {v['damaged_pixels']:,} |")
        lines.append('\nDamage-free photos, whole: share of pixels the mask covers (threshold, grown 2 px as in the app):\n')
        lines.append('| set | n | mean | worst photo |')
        lines.append('|---|---|---|---|')
        for k, v in res['clean'].items():
            lines.append(f"| {k} | {v['n']} | {100 * v['mean_flagged']:.3f} % | {100 * v['max_flagged']:.3f} % ({v['worst']}) |")
    elif name == 'tears':
        lines.append(f"Forge sets (the detector's): its marks at {res['detector_threshold']}, alone and with the tears net's "
                     f"mask at {res['threshold']} added (visible damage; faint traces and a 1 px ring not scored):\n")
        lines.append('| set | n | marks only P / R / F1 | marks + tears P / R / F1 |')
        lines.append('|---|---|---|---|')
        for s, r in res['sets'].items():
            a, b = r['marks_only'], r['with_tears']
            lines.append(f"| {s} | {r['n']} | {a['precision']:.3f} / {a['recall']:.3f} / {a['f1']:.3f} | "
                         f"{b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} |")
        t = res['tear_recall']
        lines.append(f"\nTears and missing corners alone (60 bsds500/test crops, {t['damaged_pixels']:,} damaged pixels): recall "
                     f"{t['marks_only']:.3f} with the detector alone, {t['with_tears']:.3f} with the tears net "
                     f"(precision {t['precision_with_tears']:.3f}).\n")
        lines.append('Damage-free photos, whole: share of pixels the mask covers (grown 2 px as in the app):\n')
        lines.append('| set | n | marks only: mean / worst | marks + tears: mean / worst photo | photos where tears were found |')
        lines.append('|---|---|---|---|---|')
        for k, v in res['clean'].items():
            lines.append(f"| {k} | {v['n']} | {100 * v['marks_only_mean']:.3f} % / {100 * v['marks_only_max']:.3f} % | "
                         f"{100 * v['mean_flagged']:.3f} % / {100 * v['max_flagged']:.3f} % ({v['worst']}) | {v['photos_with_tears']} |")
    elif name == 'inpaint':
        lines.append('| set | n | model PSNR (hole) | model SSIM (hole) | fp16-weights PSNR | Telea PSNR | Telea SSIM | push-pull alone PSNR | ΔPSNR dB vs Telea | ΔSSIM |')
        lines.append('|---|---|---|---|---|---|---|---|---|---|')
        for s, r in res['sets'].items():
            m, b = r['model'], r['telea']
            lines.append(f"| {s} | {r['n']} | {m['psnr_hole']:.2f} | {m['ssim_hole']:.3f} | {r['model_fp16w']['psnr_hole']:.2f} | "
                         f"{b['psnr_hole']:.2f} | {b['ssim_hole']:.3f} | {r['pushpull']['psnr_hole']:.2f} | "
                         f"{m['psnr_hole'] - b['psnr_hole']:+.2f} | {m['ssim_hole'] - b['ssim_hole']:+.3f} |")
    else:
        lines.append('| set | n | input PSNR | model PSNR | model SSIM | fp16-weights PSNR | NLM PSNR | NLM SSIM | ΔPSNR dB vs NLM | ΔSSIM |')
        lines.append('|---|---|---|---|---|---|---|---|---|---|')
        for s, r in res['sets'].items():
            m, b = r['model'], r['nlm']
            lines.append(f"| {s} | {r['n']} | {r['input']['psnr']:.2f} | {m['psnr']:.2f} | {m['ssim']:.3f} | {r['model_fp16w']['psnr']:.2f} | "
                         f"{b['psnr']:.2f} | {b['ssim']:.3f} | {m['psnr'] - b['psnr']:+.2f} | {m['ssim'] - b['ssim']:+.3f} |")
    return '\n'.join(lines)


def summary(name, res):
    s = res['sets']
    if name == 'detector':
        m = lambda k: np.mean([r['model'][k] for r in s.values()])  # noqa: E731
        c = res['clean']
        return (f"Held-out forge sets: precision {m('precision'):.3f}, recall {m('recall'):.3f} at threshold {res['threshold']} "
                f"(top-hat F1 {np.mean([r['tophat']['f1'] for r in s.values()]):.3f}, model {m('f1'):.3f}); damage-free photos: "
                f"mask covers {100 * max(v['mean_flagged'] for v in c.values()):.3f} % on average in the worst set, "
                f"{100 * max(v['max_flagged'] for v in c.values()):.3f} % on the worst photo.")
    if name == 'tears':
        m = lambda k, v: np.mean([r[k][v] for r in s.values()])  # noqa: E731
        c = res['clean']
        return (f"Held-out forge sets, detector + tears net: precision {m('with_tears', 'precision'):.3f}, recall "
                f"{m('with_tears', 'recall'):.3f} (detector alone {m('marks_only', 'precision'):.3f} / {m('marks_only', 'recall'):.3f}); "
                f"tear recall {res['tear_recall']['with_tears']:.3f} (alone {res['tear_recall']['marks_only']:.3f}); damage-free photos: "
                f"{100 * max(v['mean_flagged'] for v in c.values()):.3f} % on average in the worst set, "
                f"{100 * max(v['max_flagged'] for v in c.values()):.3f} % on the worst photo.")
    if name == 'inpaint':
        d = np.mean([r['model']['psnr_hole'] - r['telea']['psnr_hole'] for r in s.values()])
        return f"Held-out forge eval: hole PSNR {d:+.2f} dB vs OpenCV Telea (mean over bsds500/test, kodak24, mcmaster)."
    d = np.mean([r['model']['psnr'] - r['nlm']['psnr'] for r in s.values()])
    return f"Held-out forge eval: PSNR {d:+.2f} dB vs tuned OpenCV non-local means (mean over bsds500/test, kodak24, mcmaster)."


def kind(name):
    """The sample generator a model is evaluated on: the tears net is scored on the detector's samples."""
    return 'detector' if name == 'tears' else name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', default='detector,tears,inpaint,denoise')
    ap.add_argument('--ckpt-dir', default=os.path.join(HERE, 'checkpoints'))
    ap.add_argument('--crop', type=int, default=256)
    ap.add_argument('--limit', type=int, default=0, help='images per forge set (0 = all)')
    ap.add_argument('--clean-limit', type=int, default=0, help='detector: photos per damage-free set (0 = all)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'eval.json'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    results = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            results = json.load(f)
    for name in args.models.split(','):
        t = time.time()
        models, ck = load_models(name, args.ckpt_dir)
        sets = {}
        for sname, lf in SETS.items():
            files = lf()
            if args.limit:
                files = files[:args.limit]
            sets[sname] = samples(kind(name), files, args.crop, 'eval')
        if name == 'tears':  # scored with the detector on its forge samples, at its threshold
            calib = samples('detector', train_files()[::50], args.crop, 'calib')
            res = eval_tears(sets, models, results['detector'], calib, args.ckpt_dir, args.clean_limit)
        elif name == 'detector':
            tune = samples(name, TUNE(), args.crop, 'tune')
            calib = samples(name, train_files()[::50], args.crop, 'calib')
            res = eval_detector(sets, models, tune, calib, args.clean_limit)
        else:
            res = {'inpaint': eval_inpaint, 'denoise': eval_denoise}[name](sets, models, samples(name, TUNE(), args.crop, 'tune'))
        res['checkpoint'] = {'step': ck['step'], 'minutes': round(ck['elapsed'] / 60, 1)}
        res['crop'] = args.crop
        res['summary'] = summary(name, res)
        res['table'] = table(name, res)
        results[name] = res
        print(f'## {name} (step {ck["step"]}, baseline {res["baseline"]}, {time.time() - t:.0f}s)')
        print(res['table'])
        print(res['summary'])
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
