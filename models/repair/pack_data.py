"""Packs the repair training photos into one file for a machine without ../shared/data (a GPU lease
copies only the repository): the training split, resized so the short side is --short, as JPEG.

    /usr/bin/python3 models/repair/pack_data.py --out .gpu/repair-photos.pkl
    train.py ... --data-pack .gpu/repair-photos.pkl
"""
from __future__ import annotations

import argparse
import io
import os
import pickle

from PIL import Image

from common import load_image, photo_name, train_files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--short', type=int, default=384)
    ap.add_argument('--quality', type=int, default=90)
    ap.add_argument('--faces', type=int, default=600, help='UTKFace training faces (glasses, hair, collars)')
    args = ap.parse_args()
    files = train_files(include_faces=args.faces > 0, n_faces=args.faces)
    items = []
    for f in files:
        buf = io.BytesIO()
        Image.fromarray(load_image(f, args.short)).save(buf, format='JPEG', quality=args.quality)
        items.append((photo_name(f), buf.getvalue()))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'wb') as fh:
        pickle.dump(items, fh, protocol=4)
    print(f'{len(items)} photos, {os.path.getsize(args.out) / 2**20:.1f} MiB -> {args.out}')


if __name__ == '__main__':
    main()
