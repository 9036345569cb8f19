"""Contact sheets of the upscalers on real old photos (no ground truth): for a crop of each photo in
../shared/data/real-old/*, the input enlarged by pixel repetition | esrgan-medium | Heirloom SR.
x2: 128 px crops, each panel at 1.5x the x2 result (a pixel of the input is 3x3 on the sheet);
x4: 64 px crops, each panel at 1.5x the x4 result (6x6), so the same stretch of photo shows half as wide.

    /usr/bin/python3 models/upscale/contact_sheets.py [--scale 2] [--out models/cards/heirloom-sr-sheets]

x4 sheets are named real-old-<group>-x4.jpg. The crop sits where the photo has the most detail (largest gradient energy of a 4x
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

WORK = '/tmp/heirloom-sr-sheets'
PANEL = 384  # px per panel on the sheet
SPAN = 256  # px of the enlarged crop: the crop is SPAN / scale px of the photo


def models(scale):
    return [(f'esrgan-medium x{scale}', f'esrgan-medium-x{scale}.onnx', '0,255'),
            (f'Heirloom SR x{scale}', f'heirloom-sr-x{scale}.onnx', '0,1')]


def detailed_crop(img, crop):
    small = cv2.resize(img, (img.shape[1] // 4, img.shape[0] // 4), interpolation=cv2.INTER_AREA).astype(np.float32)
    g = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    energy = cv2.boxFilter(np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1)), -1, (crop // 4, crop // 4))
    m = crop // 8
    energy[:m], energy[-m:], energy[:, :m], energy[:, -m:] = 0, 0, 0, 0
    y, x = np.unravel_index(np.argmax(energy), energy.shape)
    y0 = int(np.clip(y * 4 - crop // 2, 0, img.shape[0] - crop))
    x0 = int(np.clip(x * 4 - crop // 2, 0, img.shape[1] - crop))
    return img[y0:y0 + crop, x0:x0 + crop]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scale', type=int, default=2, choices=(2, 4))
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'cards', 'heirloom-sr-sheets'))
    args = ap.parse_args()
    crop, sr_models = SPAN // args.scale, models(args.scale)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, 'in'))
    os.makedirs(args.out, exist_ok=True)
    for group in sorted(glob.glob(os.path.join(DATA, 'real-old', '*'))):
        files = sorted(f for f in glob.glob(os.path.join(group, '*')) if f.lower().endswith(('.jpg', '.jpeg', '.png', '.tif')))
        names = []
        for f in files:
            img = np.asarray(Image.open(f).convert('RGB'))
            if min(img.shape[:2]) < SPAN:
                continue
            name = os.path.splitext(os.path.basename(f))[0] + '.png'
            Image.fromarray(np.ascontiguousarray(detailed_crop(img, crop))).save(os.path.join(WORK, 'in', name))
            names.append(name)
        for _, file, rng in sr_models:
            subprocess.run(['node', os.path.join(HERE, 'run_onnx.mjs'), os.path.join(ROOT, 'public', 'models', 'upscale', file), rng,
                            os.path.join(WORK, 'in'), os.path.join(WORK, file)], check=True, capture_output=True)
        col = PANEL
        sheet = Image.new('RGB', (col * 3 + 8, (col + 20) * len(names) + 4), 'white')
        d = ImageDraw.Draw(sheet)
        for r, name in enumerate(names):
            y = r * (col + 20) + 4
            panels = [Image.open(os.path.join(WORK, 'in', name)).resize((col, col), Image.NEAREST)]
            panels += [Image.open(os.path.join(WORK, file, name)).resize((col, col), Image.NEAREST) for _, file, _ in sr_models]
            for i, (p, label) in enumerate(zip(panels, ['input (pixels repeated)'] + [m[0] for m in sr_models])):
                sheet.paste(p, (i * (col + 4), y + 16))
                d.text((i * (col + 4) + 4, y + 2), f'{name[:-4]}: {label}' if i == 0 else label, fill='black')
        suffix = '' if args.scale == 2 else f'-x{args.scale}'
        out = os.path.join(args.out, f'real-old-{os.path.basename(group)}{suffix}.jpg')
        sheet.save(out, quality=88)
        print('wrote', out)


if __name__ == '__main__':
    main()
