"""Evaluate the face restoration checkpoint on held-out faces against two baselines.

    /usr/bin/python3 models/faces/evaluate.py [--ckpt models/faces/checkpoints/face.pt] [--limit 200]

Sets (never trained on): the UTKFace hold-out (common.heldout_files: the first --limit, sorted by
file name; each face resized whole to --size, default 128) and eval/ffhq-10 (1024x1024 FFHQ-aligned):
'ffhq-10' framed as the app frames a face for the model (common.load_ffhq_framed: the FFHQ template
onto the UTKFace one) and 'ffhq-10-whole' resized whole (more background, a smaller face); each FFHQ
face is damaged --ffhq-seeds times (default 5: seeds CRC32(name), CRC32(name#1), ...). Each is degraded by common.degrade with a fixed seed per image: CRC32 of the file
name (common.file_seed), so every run and every model sees the same damaged faces.
Metrics per image against the clean face at --size, then averaged over the set: PSNR (dB, peak 1,
MSE over all RGB pixels), SSIM (11x11 gaussian, sigma 1.5, per RGB channel, averaged) and identity:
the cosine similarity of face-api.js recognition descriptors (models/faces/identity.mjs, the
converted FaceRecognitionNet; the crop comes from the clean face's landmarks) of the face vs the
clean one. --no-identity skips it (it needs node and models/faces/build/face-recognition.onnx).
Rows:
  input    the degraded face itself
  bicubic  the degraded face downscaled x0.5 (bicubic, antialiased) and bicubic back up to --size
           (common.bicubic_baseline: a plain smoothing that removes fine noise / blocking)
  model    the network (the exported graph: clamp(x + net(x), 0, 1))
Writes models/faces/logs/eval.json and prints a markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np

import torch

from common import (HERE, ROOT, SIZE, Exported, bicubic_baseline, ffhq_files, fixed_pairs, heldout_files, load_checkpoint,
                    load_face, load_ffhq_framed, psnr, ssim)


def _rel(p):
    r = os.path.relpath(os.path.abspath(p), ROOT)
    return os.path.abspath(p) if r.startswith('..') else r


def identity(clean, variants):
    """{variant: {identity: mean cosine, descriptor_distance: mean euclidean}} vs clean, from models/faces/identity.mjs (ORT-node)."""
    with tempfile.TemporaryDirectory() as d:
        for name, t in [('clean', clean), *variants.items()]:
            np.ascontiguousarray(t.float().numpy(), dtype='<f4').tofile(os.path.join(d, f'{name}.f32'))
        with open(os.path.join(d, 'meta.json'), 'w') as f:
            json.dump({'n': len(clean), 'size': clean.shape[-1], 'variants': list(variants)}, f)
        r = subprocess.run(['node', os.path.join(HERE, 'identity.mjs'), d], capture_output=True, text=True, cwd=ROOT, timeout=1800)
        if r.returncode != 0:
            raise SystemExit(f'identity.mjs failed:\n{r.stderr}')
        doc = json.loads(r.stdout.strip().splitlines()[-1])
        return {k: {'identity': v['mean'], 'descriptor_distance': doc['distance'][k]} for k, v in doc['variants'].items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(HERE, 'checkpoints', 'face.pt'))
    ap.add_argument('--limit', type=int, default=200, help='UTKFace hold-out faces (first N by name; 0 = all)')
    ap.add_argument('--size', type=int, default=SIZE)
    ap.add_argument('--ffhq-seeds', type=int, default=5, help='damages per FFHQ face (10 faces: one each is a noisy estimate)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=os.path.join(HERE, 'logs', 'eval.json'))
    ap.add_argument('--no-identity', action='store_true', help='skip the identity similarity (node + recognition net)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    net, ck = load_checkpoint(args.ckpt)
    model = Exported(net).eval()
    sets = {'utkface-heldout': (heldout_files(args.limit), load_face, 1), 'ffhq-10': (ffhq_files(), load_ffhq_framed, args.ffhq_seeds),
            'ffhq-10-whole': (ffhq_files(), load_face, args.ffhq_seeds)}
    res = {}
    for name, (files, load, seeds) in sets.items():
        if not files:
            print(f'skip {name}: no files')
            continue
        x, y = fixed_pairs(files, args.size, load, seeds)
        with torch.no_grad():
            out = {'input': x, 'bicubic': bicubic_baseline(x),
                   'model': torch.cat([model(x[i:i + 16]) for i in range(0, len(x), 16)])}
        res[name] = {'n': len(files), 'damages_per_face': seeds, **{k: {'psnr': psnr(v, y).mean().item(), 'ssim': ssim(v, y, reduce=False).mean().item()}
                                         for k, v in out.items()}}
        if not args.no_identity:
            for k, v in identity(y, out).items():
                res[name][k].update(v)
    parts = []
    for name, label in (('utkface-heldout', 'held-out UTKFace faces'), ('ffhq-10', 'FFHQ faces')):
        r = res.get(name)
        if not r:
            continue
        m, inp, bic = r['model'], r['input'], r['bicubic']
        times = f' x {r["damages_per_face"]} damages' if r['damages_per_face'] > 1 else ''
        part = (f'{r["n"]} {label}{times}: PSNR {m["psnr"]:.2f} dB vs {inp["psnr"]:.2f} (input) and {bic["psnr"]:.2f} (bicubic)')
        if 'identity' in m:
            part += f', identity {m["identity"]:.4f} vs {inp["identity"]:.4f} and {bic["identity"]:.4f}'
        parts.append(part)
    summary = ('Degraded by the seeded face forge, ' + '; '.join(parts) + '.') if parts else ''
    doc = {'checkpoint': {'path': _rel(args.ckpt), 'step': ck['step'], 'minutes': round(ck['elapsed'] / 60, 1),
                          'params': sum(p.numel() for p in net.parameters())},
           'size': args.size, 'protocol': 'UTKFace: whole face resized to size; FFHQ: framed by the FFHQ -> UTKFace template similarity '
           '(ffhq-10) or whole (ffhq-10-whole); common.degrade seeded with CRC32(file name) (FFHQ also CRC32(name#k), k < damages_per_face); '
           'PSNR/SSIM per image vs the clean face, averaged; identity = cosine of face-api recognition descriptors vs the clean face (crop from the clean face landmarks), averaged', 'sets': res, 'summary': summary}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(doc, f, indent=2)
        f.write('\n')
    print(f'checkpoint step {ck["step"]}, {ck["elapsed"] / 60:.1f} min; {args.size}x{args.size}\n')
    print('| set | n | input PSNR / SSIM / identity | bicubic PSNR / SSIM / identity | model PSNR / SSIM / identity |')
    print('| --- | ---: | ---: | ---: | ---: |')
    for name, r in res.items():
        cells = ' | '.join(f'{r[k]["psnr"]:.2f} / {r[k]["ssim"]:.4f} / {r[k].get("identity", float("nan")):.4f}' for k in ('input', 'bicubic', 'model'))
        print(f'| {name} | {r["n"]} | {cells} |')
    print('\nwrote', args.out)


if __name__ == '__main__':
    main()
