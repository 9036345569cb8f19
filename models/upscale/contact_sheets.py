"""Contact sheets of the upscalers on real old photos (no ground truth): for a crop of each photo in
../shared/data/real-old/*, the input enlarged 2x by pixel repetition | esrgan-medium x2 | Heirloom
SR x2, each shown at 1.5x (a pixel of the input is 3x3 on the sheet).

    /usr/bin/python3 models/upscale/contact_sheets.py [--out models/cards/heirloom-sr-sheets]

The crop (128 px) sits where the photo has the most detail (largest gradient energy of a 4x
shrunk copy), so faces, lettering and texture are what the sheet shows.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess

import cv2
import numpy as np
from PIL import Image, ImageDraw

from common import DATA, HERE, ROOT

CROP = 128
WORK = '/tmp/heirloom-sr-sheets'
MODELS = [('esrgan-medium x2', 'esrgan-medium-x2.onnx', '0,255'), ('Heirloom SR x2', 'heirloom-sr-x2.onnx', '0,1')]


def detailed_crop(img):
    small = cv2.resize(img, (img.shape[1] // 4, img.shape[0] // 4), interpolation=cv2.INTER_AREA).astype(np.float32)
    g = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    energy = cv2.boxFilter(np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1)), -1, (CROP // 4, CROP // 4))
    m = CROP // 8
    energy[:m], energy[-m:], energy[:, :m], energy[:, -m:] = 0, 0, 0, 0
    y, x = np.unravel_index(np.argmax(energy), energy.shape)
    y0 = int(np.clip(y * 4 - CROP // 2, 0, img.shape[0] - CROP))
    x0 = int(np.clip(x * 4 - CROP // 2, 0, img.shape[1] - CROP))
    return img[y0:y0 + CROP, x0:x0 + CROP]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'cards', 'heirloom-sr-sheets'))
    args = ap.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, 'in'))
    os.makedirs(args.out, exist_ok=True)
    for group in sorted(glob.glob(os.path.join(DATA, 'real-old', '*'))):
        files = sorted(f for f in glob.glob(os.path.join(group, '*')) if f.lower().endswith(('.jpg', '.jpeg', '.png', '.tif')))
        names = []
        for f in files:
            img = np.asarray(Image.open(f).convert('RGB'))
            if min(img.shape[:2]) < CROP * 2:
                continue
            name = os.path.splitext(os.path.basename(f))[0] + '.png'
            Image.fromarray(np.ascontiguousarray(detailed_crop(img))).save(os.path.join(WORK, 'in', name))
            names.append(name)
        for _, file, rng in MODELS:
            subprocess.run(['node', os.path.join(HERE, 'run_onnx.mjs'), os.path.join(ROOT, 'public', 'models', 'upscale', file), rng,
                            os.path.join(WORK, 'in'), os.path.join(WORK, file)], check=True, capture_output=True)
        col = CROP * 3
        sheet = Image.new('RGB', (col * 3 + 8, (col + 20) * len(names) + 4), 'white')
        d = ImageDraw.Draw(sheet)
        for r, name in enumerate(names):
            y = r * (col + 20) + 4
            panels = [Image.open(os.path.join(WORK, 'in', name)).resize((col, col), Image.NEAREST)]
            panels += [Image.open(os.path.join(WORK, file, name)).resize((col, col), Image.NEAREST) for _, file, _ in MODELS]
            for i, (p, label) in enumerate(zip(panels, ['input (pixels repeated)'] + [m[0] for m in MODELS])):
                sheet.paste(p, (i * (col + 4), y + 16))
                d.text((i * (col + 4) + 4, y + 2), f'{name[:-4]}: {label}' if i == 0 else label, fill='black')
        out = os.path.join(args.out, f'real-old-{os.path.basename(group)}.jpg')
        sheet.save(out, quality=88)
        print('wrote', out)


if __name__ == '__main__':
    main()
