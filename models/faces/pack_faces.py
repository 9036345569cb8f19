"""Packs what the face fine-tune (train_gan.py) needs on a GPU lease, which copies only the repository:
the UTKFace training and validation faces (split_utk: the hold-out is never packed) as (name, JPEG bytes)
at --size px in split order, and with --with-nets, beside the pack, the recognition net with float16
weights (face-recognition.fp16.onnx, read only by recognition.py) and face.pt's weights alone
(face-init.pt, without the optimizer state).

    /usr/bin/python3 models/faces/pack_faces.py --out .gpu/faces.pkl --with-nets
    train_gan.py ... --data-pack .gpu/faces.pkl --recognition .gpu/face-recognition.fp16.onnx --init .gpu/face-init.pt

A lease carries at most 64 MiB with the repository: faces at 160 px (training crops of 85-100 % of the
face are shrunk to 128, so the clean targets stay sharp) and quality 80 take 39 MiB, the nets 14 MiB,
the repository after scripts/device-tree.sh hide about 5 MiB.
"""
from __future__ import annotations

import argparse
import io
import os
import pickle

from PIL import Image

from common import load_face, split_utk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--size', type=int, default=160)
    ap.add_argument('--quality', type=int, default=80)
    ap.add_argument('--with-nets', action='store_true', help='also write the fp16 recognition net and face.pt\'s weights')
    ap.add_argument('--limit', type=int, default=0, help='first N training faces only (tests)')
    args = ap.parse_args()
    train, val = split_utk()
    if args.limit:
        train, val = train[:args.limit], val[:2]
    items = {'train': [], 'val': []}
    for split, files in (('train', train), ('val', val)):
        for f in files:
            buf = io.BytesIO()
            Image.fromarray(load_face(f, args.size)).save(buf, format='JPEG', quality=args.quality)
            items[split].append((os.path.basename(f), buf.getvalue()))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'wb') as fh:
        pickle.dump(items, fh, protocol=4)
    print(f'{len(items["train"])} train + {len(items["val"])} val faces, {os.path.getsize(args.out) / 2**20:.1f} MiB -> {args.out}')
    if args.with_nets:
        write_nets(os.path.dirname(os.path.abspath(args.out)))


def write_nets(folder):
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper
    from recognition import ONNX_PATH, load

    load(ONNX_PATH)  # a clear message when it has not been converted yet
    m = onnx.load(ONNX_PATH)
    for init in m.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32:
            init.CopyFrom(numpy_helper.from_array(w.astype(np.float16), init.name))
    rec = os.path.join(folder, 'face-recognition.fp16.onnx')
    onnx.save(m, rec)
    ck = torch.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'checkpoints', 'face.pt'), map_location='cpu')
    init = os.path.join(folder, 'face-init.pt')
    torch.save({'model': ck['model'], 'widths': ck.get('widths'), 'step': ck.get('step'), 'from': 'models/faces/checkpoints/face.pt'}, init)
    for f in (rec, init):
        print(f'{os.path.getsize(f) / 2**20:.1f} MiB -> {f}')


def load_faces_pack(path):
    """pack_faces.py's file -> {'train': [HxWx3 uint8], 'val': [(name, HxWx3 uint8)]}."""
    import numpy as np
    with open(path, 'rb') as f:
        items = pickle.load(f)
    dec = lambda b: np.asarray(Image.open(io.BytesIO(b)).convert('RGB'))  # noqa: E731
    return {'train': [dec(b) for _, b in items['train']], 'val': [(n, dec(b)) for n, b in items['val']]}


if __name__ == '__main__':
    main()
