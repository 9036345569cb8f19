"""Score the upscalers on held-out photos, clean and forge-damaged, at x2 and x4.

    /usr/bin/python3 models/upscale/evaluate.py [--limit 0] [--models heirloom-sr,esrgan-medium,esrgan-slim]
    /usr/bin/python3 models/upscale/evaluate.py --models heirloom-sr,heirloom-sr-int8 --out /tmp/int8.json

Held-out sets (never trained on): eval/kodak24, eval/mcmaster, photos/bsds500/test (first 40).
Each photo (cropped to a multiple of the scale) is made small twice:
  clean:   an area (box) downscale;
  damaged: common.degrade with a fixed per-photo seed (the training recipe: blur, resize, grain,
           halftone, JPEG, twice).
Every ONNX model runs through onnxruntime-node on the whole image (models/upscale/run_onnx.mjs);
bicubic is PIL's (a = -0.5). PSNR over RGB and SSIM of the luminance, 8-bit, `scale` px border
cropped. An int8 copy (name ending in -int8) is also scored against its float model's output
('vs float': PSNR of the two 8-bit results). Writes models/upscale/logs/eval.json (quoted by the
manifest and the card).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import zlib

import cv2
import numpy as np
from PIL import Image

from common import DATA, HERE, ROOT, degrade

sys.path.insert(0, os.path.join(ROOT, 'models'))
from metrics import ssim_map  # noqa: E402

SETS = {
    'kodak24': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png'))),
    'mcmaster': lambda: sorted(glob.glob(os.path.join(DATA, 'eval', 'mcmaster', '*.*'))),
    'bsds500-test': lambda: sorted(glob.glob(os.path.join(DATA, 'photos', 'bsds500', 'test', '*.jpg')))[:40],
}
MODELS = {  # name -> (file pattern under public/models/upscale, input range)
    'heirloom-sr': ('heirloom-sr-x{s}.onnx', '0,1'),
    'heirloom-sr-int8': ('heirloom-sr-x{s}.int8.onnx', '0,1'),  # models/upscale/quantize.py
    'esrgan-medium': ('esrgan-medium-x{s}.onnx', '0,255'),
    'esrgan-slim': ('esrgan-slim-x{s}.onnx', '0,255'),
}
WORK = '/tmp/heirloom-sr-eval'


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return 10 * np.log10(255 ** 2 / max(mse, 1e-10))


def ssim(a, b):
    """Mean SSIM of the luminance of two uint8 RGB images (8-bit grey, as OpenCV converts it)."""
    y = lambda im: cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)[None] / 255.0  # noqa: E731
    return float(ssim_map(y(a), y(b)).mean())


def load(path):
    return np.asarray(Image.open(path).convert('RGB'))


def make_inputs(limit):
    """Writes the small inputs; returns {(set, cond, s): [(name, hr)]}."""
    global WORK
    WORK = os.environ.get('HEIRLOOM_SR_EVAL_WORK', WORK)  # another checkout may be scoring at the same time
    shutil.rmtree(WORK, ignore_errors=True)
    out = {}
    for sname, lf in SETS.items():
        files = lf()[:limit] if limit else lf()
        for s in (2, 4):
            for cond in ('clean', 'damaged'):
                d = os.path.join(WORK, 'in', sname, f'{cond}-x{s}')
                os.makedirs(d)
                rows = []
                for f in files:
                    img = load(f)
                    h, w = (img.shape[0] // s) * s, (img.shape[1] // s) * s
                    hr = np.ascontiguousarray(img[:h, :w])
                    name = os.path.splitext(os.path.basename(f))[0] + '.png'
                    if cond == 'clean':
                        lr = cv2.resize(hr, (w // s, h // s), interpolation=cv2.INTER_AREA)
                    else:
                        lr = degrade(hr, s, np.random.default_rng(zlib.crc32(f'sr-eval:{sname}:{name}:{s}'.encode())))
                    Image.fromarray(lr).save(os.path.join(d, name))
                    rows.append((name, hr))
                out[(sname, cond, s)] = rows
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=0, help='photos per set (0 = all)')
    ap.add_argument('--models', default=','.join(MODELS))
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'eval.json'))
    ap.add_argument('--dir', default=os.path.join(ROOT, 'public', 'models', 'upscale'), help='where the model files are')
    args = ap.parse_args()
    cases = make_inputs(args.limit)
    names = args.models.split(',')
    speed = {}
    for m in names:
        pattern, rng = MODELS[m]
        for s in (2, 4):
            model = os.path.join(args.dir, pattern.format(s=s))
            for (sname, cond, sc) in cases:
                if sc != s:
                    continue
                r = subprocess.run(['node', os.path.join(HERE, 'run_onnx.mjs'), model, rng,
                                    os.path.join(WORK, 'in', sname, f'{cond}-x{s}'),
                                    os.path.join(WORK, m, sname, f'{cond}-x{s}')], check=True, capture_output=True, text=True)
                speed.setdefault(f'{m}-x{s}', []).append(json.loads(r.stdout.strip().splitlines()[-1])['secondsPerMegapixel'])
    res = {}
    for (sname, cond, s), rows in cases.items():
        key = f'x{s}'
        for name, hr in rows:
            lr = load(os.path.join(WORK, 'in', sname, f'{cond}-x{s}', name))
            outs = {'bicubic': np.asarray(Image.fromarray(lr).resize((hr.shape[1], hr.shape[0]), Image.BICUBIC))}
            outs.update({m: load(os.path.join(WORK, m, sname, f'{cond}-x{s}', name)) for m in names})
            for m, o in outs.items():
                c = lambda im: im[s:-s, s:-s]  # noqa: E731
                acc = res.setdefault(key, {}).setdefault(cond, {}).setdefault(sname, {}).setdefault(m, {'psnr': [], 'ssim': []})
                acc['psnr'].append(psnr(c(o), c(hr)))
                acc['ssim'].append(ssim(c(o), c(hr)))
                if m.endswith('-int8') and m[:-len('-int8')] in outs:
                    acc.setdefault('psnr_vs_float', []).append(psnr(c(o), c(outs[m[:-len('-int8')]])))
    for key, by_cond in res.items():
        for by_set in by_cond.values():
            for by_model in by_set.values():
                for m, acc in by_model.items():
                    by_model[m] = {k: float(np.mean(v)) for k, v in acc.items()}
    for key in res:
        mean = lambda cond, m, k='psnr': float(np.mean([res[key][cond][s][m][k] for s in res[key][cond]]))  # noqa: E731
        if 'heirloom-sr' in names and 'esrgan-medium' in names:
            res[key]['summary'] = (
                f'Held-out kodak24/mcmaster/bsds500-test at {key}, PSNR: damaged inputs {mean("damaged", "heirloom-sr"):.2f} dB '
                f'vs esrgan-medium {mean("damaged", "esrgan-medium"):.2f} and bicubic {mean("damaged", "bicubic"):.2f}; '
                f'clean inputs {mean("clean", "heirloom-sr"):.2f} vs {mean("clean", "esrgan-medium"):.2f} and '
                f'{mean("clean", "bicubic"):.2f} (models/upscale/evaluate.py).')
    res['seconds_per_input_megapixel_onnxruntime_node_2_threads'] = {k: float(np.mean(v)) for k, v in speed.items()}
    res['limit'] = args.limit
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(res, f, indent=1)
    for key in ('x2', 'x4'):
        print(f'\n## {key}\n\n| input | set | ' + ' | '.join(['bicubic'] + names) + ' |')
        print('|---|---|' + '---|' * (len(names) + 1))
        for cond in ('clean', 'damaged'):
            for sname, by_model in res[key][cond].items():
                print(f'| {cond} | {sname} | ' + ' | '.join(f"{by_model[m]['psnr']:.2f} / {by_model[m]['ssim']:.3f}"
                                                      for m in ['bicubic'] + names) + ' |')
        for m in (n for n in names if n.endswith('-int8') and n[:-len('-int8')] in names):
            for cond in ('clean', 'damaged'):
                f = m[:-len('-int8')]
                d = [res[key][cond][sn][m]['psnr'] - res[key][cond][sn][f]['psnr'] for sn in res[key][cond]]
                v = [res[key][cond][sn][m]['psnr_vs_float'] for sn in res[key][cond]]
                print(f'{m} vs {f}, {cond}: PSNR vs ground truth {np.mean(d):+.3f} dB (per set {", ".join(f"{x:+.3f}" for x in d)}); '
                      f'PSNR of the int8 result vs the float one {np.mean(v):.2f} dB')
        print(res[key].get('summary', ''))
    print(res['seconds_per_input_megapixel_onnxruntime_node_2_threads'])


if __name__ == '__main__':
    main()
