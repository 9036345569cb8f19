"""Contact sheet of forge samples: rows of (clean | damaged | mask) triples.

    /usr/bin/python3 models/forge/contact_sheet.py [--out models/cards/forge-samples.jpg]

Mask colours: red = mask_defect (scratch/crease/dust/hair), blue = mask_missing (tears).
Images come from the held-out eval/kodak24 set (centre crops), seeds 0..7, preset 'all' with
every defect forced on for half of the rows.
"""
import argparse
import glob
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from forge import forge, preset  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
DATA = os.environ.get('HEIRLOOM_DATA', os.path.abspath(os.path.join(ROOT, '..', 'shared', 'data')))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'cards', 'forge-samples.jpg'))
    ap.add_argument('--n', type=int, default=8)
    ap.add_argument('--size', type=int, default=192)
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(DATA, 'eval', 'kodak24', '*.png')))[:args.n]
    s = args.size
    sheet = Image.new('RGB', (3 * s + 4 * 4, args.n * (s + 4) + 4 + 14), (255, 255, 255))
    dr = ImageDraw.Draw(sheet)
    for j, t in enumerate(['clean', 'damaged (forge)', 'mask: red defect, blue missing']):
        dr.text((4 + j * (s + 4), 2), t, fill=(0, 0, 0))
    for i, f in enumerate(files):
        im = Image.open(f).convert('RGB')
        w, h = im.size
        c = min(w, h)
        im = im.crop(((w - c) // 2, (h - c) // 2, (w - c) // 2 + c, (h - c) // 2 + c)).resize((256, 256), Image.BICUBIC)
        clean = np.asarray(im)
        cfg = preset('all')
        if i % 2 == 1:
            for k in ('tear', 'crease', 'scratch', 'dust'):
                cfg[k]['p'] = 1.0
        else:
            cfg['scratch']['p'] = 1.0
        if i == 6:
            cfg['halftone']['p'] = 1.0
        o = forge(clean, np.random.default_rng(i), cfg)
        m = np.zeros_like(clean)
        m[..., 0] = o['mask_defect'] * 255
        m[..., 2] = o['mask_missing'] * 255
        y = 16 + i * (s + 4)
        for j, a in enumerate([clean, o['damaged'], m]):
            sheet.paste(Image.fromarray(a).resize((s, s), Image.BILINEAR), (4 + j * (s + 4), y))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    sheet.save(args.out, quality=80, optimize=True)
    print(args.out, os.path.getsize(args.out), 'bytes')


if __name__ == '__main__':
    main()
