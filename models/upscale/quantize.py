"""Static int8 copies of Heirloom SR (models/quantize_int8.py), calibrated on training photos.

    /usr/bin/python3 models/upscale/quantize.py                 # writes public/models/upscale/heirloom-sr-x{2,4}.int8.onnx
    /usr/bin/python3 models/upscale/quantize.py --no-manifest --out /tmp/q

Calibration: 64 crops of the training photos (models/repair/common.py train_files, never the
held-out sets) made small the way training does it (common.make_batch: 80 % forge-damaged twice,
20 % clean area downscales), so the activation ranges are those of the photos the app enlarges.
Ranges are the min/max over all crops. The manifest entries sit next to the fp32/fp16 ones
(id "<id>-int8"); export.py writes them too, so the three files stay in step.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnx

from common import HERE, ROOT, load_cache, make_batch, train_files

sys.path.insert(0, os.path.dirname(HERE))
from onnx_tools import sha256, write_manifest  # noqa: E402
from quantize_int8 import check_qdq, quantize_static  # noqa: E402

CALIB_CROPS = 64
CALIB_LR_PATCH = {2: 96, 4: 64}  # low-resolution side of a crop (high-resolution 192 / 256 px)
INT8_NOTE = (' Static int8 (QDQ): weights int8 (7 bits) per output channel, activations uint8 per tensor, ranges from '
             f'{CALIB_CROPS} training-photo crops (models/quantize_int8.py); runs as QLinearConv on WASM.')


def calibration_samples(scale, seed=18):
    files = train_files()
    # one photo in 25, none of train.py's validation ones (files[::50])
    imgs = load_cache([f for i, f in enumerate(files) if i % 25 == 7], short=320)
    x, _ = make_batch(imgs, np.random.default_rng(seed + scale), CALIB_CROPS, CALIB_LR_PATCH[scale], scale)
    x = x.numpy()
    return [{'input': x[i:i + 1]} for i in range(len(x))]


def quantize(scale, p32, out_dir):
    """-> the path of the int8 file written next to the fp32 one (or in out_dir)."""
    q = quantize_static(onnx.load(p32), calibration_samples(scale))
    bad = check_qdq(q)
    assert not bad, f'Convs off the QLinearConv pattern: {bad}'
    p8 = os.path.join(out_dir, os.path.basename(p32).replace('.onnx', '.int8.onnx'))
    q.producer_name = 'heirloom-sr'
    onnx.save(q, p8)
    print(f'{os.path.basename(p8)}: {os.path.getsize(p8)} B (fp32 {os.path.getsize(p32)} B)')
    return p8


def int8_entry(fp32_entry, p8):
    """The int8 file's manifest entry: the fp32 entry's fields, '-int8' in its id."""
    return {**fp32_entry, 'id': fp32_entry['id'] + '-int8', 'label': fp32_entry['label'] + ' (int8)',
            'file': os.path.basename(p8), 'sha256': sha256(p8), 'size': os.path.getsize(p8), 'precision': 'int8',
            'source': {'description': fp32_entry['source']['description'] + INT8_NOTE}}


def with_int8(entries, src_dir, out_dir):
    """Manifest entries with an int8 entry after each model's fp32 / fp16 entries (old int8 ones replaced)."""
    base = [e for e in entries if e['precision'] != 'int8']
    root = lambda e: e['id'].removesuffix('-fp16')  # noqa: E731
    out = []
    for i, e in enumerate(base):
        out.append(e)
        if i + 1 == len(base) or root(base[i + 1]) != root(e):  # the model's last entry
            fp32 = next(b for b in base if b['id'] == root(e) and b['precision'] == 'fp32')
            out.append(int8_entry(fp32, quantize(fp32['scale'], os.path.join(src_dir, fp32['file']), out_dir)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'public', 'models', 'upscale'))
    ap.add_argument('--manifest', default=os.path.join(ROOT, 'src', 'stages', 'upscale', 'heirloom-models.json'))
    ap.add_argument('--no-manifest', action='store_true')
    args = ap.parse_args()
    with open(args.manifest) as f:
        entries = json.load(f)
    src = os.path.join(ROOT, 'public', 'models', 'upscale')
    os.makedirs(args.out, exist_ok=True)
    out = with_int8(entries, src, args.out)
    if not args.no_manifest:
        write_manifest(args.manifest, out)

if __name__ == '__main__':
    main()
