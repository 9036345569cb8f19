"""Contact sheets of face crops from real old photos (../shared/data/real-old/*): each face as the app
aligns it for the built-in model (128x128, models/faces/real_old_crops.mjs), shown at 3x:
input | one column per checkpoint (fidelity 1, before colour matching and paste-back).

    /usr/bin/python3 models/faces/contact_sheets.py current=models/faces/checkpoints/face.pt \\
        new=models/faces/checkpoints/face-gan.pt --out models/cards/face-sheets

Writes <out>/<folder>.jpg per real-old folder (family, bw-historical). Never trained on: these photos are
for looking only.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
import torch
from PIL import Image, ImageDraw

from common import HERE, ROOT, SIZE, Exported, load_checkpoint

ZOOM = 3


def crops(photos=()):
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run(['node', os.path.join(HERE, 'real_old_crops.mjs'), d, *photos], capture_output=True, text=True, cwd=ROOT, timeout=900)
        if r.returncode != 0:
            raise SystemExit(f'real_old_crops.mjs failed:\n{r.stderr[-2000:]}')
        meta = json.load(open(os.path.join(d, 'crops.json')))
        x = np.fromfile(os.path.join(d, 'crops.f32'), dtype='<f4').reshape(len(meta), 3, SIZE, SIZE)
    return torch.from_numpy(x.copy()), meta


def to_image(t):
    a = (t.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    return Image.fromarray(a).resize((SIZE * ZOOM, SIZE * ZOOM), Image.BICUBIC)


def sheet(columns, meta, names):
    side, pad, head = SIZE * ZOOM, 6, 22
    n = len(meta)
    im = Image.new('RGB', (len(names) * (side + pad) + pad, head + n * (side + pad + 16) + pad), (255, 255, 255))
    dr = ImageDraw.Draw(im)
    for j, name in enumerate(names):
        dr.text((pad + j * (side + pad), 4), name, fill=(0, 0, 0))
    for i, m in enumerate(meta):
        y = head + i * (side + pad + 16)
        dr.text((pad, y), f'{m["photo"]}  eyes {m["eyes"]:.1f} px apart, crop {m["scale"]:.2f}x the photo', fill=(0, 0, 0))
        for j, col in enumerate(columns):
            im.paste(to_image(col[i]), (pad + j * (side + pad), y + 16))
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='+', metavar='NAME=CHECKPOINT')
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'cards', 'face-sheets'))
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, meta = crops()
    cols, names = [x], ['input (as aligned by the app)']
    for spec in args.models:
        name, path = spec.split('=', 1)
        model = Exported(load_checkpoint(path)[0]).eval()
        with torch.no_grad():
            cols.append(torch.cat([model(x[i:i + 8]) for i in range(0, len(x), 8)]))
        names.append(name)
    os.makedirs(args.out, exist_ok=True)
    for folder in sorted({m['photo'].split('/')[0] for m in meta}):
        idx = [i for i, m in enumerate(meta) if m['photo'].startswith(folder + '/')]
        path = os.path.join(args.out, f'{folder}.jpg')
        sheet([c[idx] for c in cols], [meta[i] for i in idx], names).save(path, quality=90)
        print(f'{os.path.relpath(path, ROOT)}: {len(idx)} faces')


if __name__ == '__main__':
    main()
