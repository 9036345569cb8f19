"""Evaluate face restoration checkpoints on held-out faces against two baselines.

    /usr/bin/python3 models/faces/evaluate.py [--ckpt models/faces/checkpoints/face.pt] [--limit 200]
    /usr/bin/python3 models/faces/evaluate.py --protocol scales --model gan=models/faces/checkpoints/face-gan.pt \
        --out models/faces/logs/eval-scales.json          # issue 17's face damage at 2x, 4x, 8x, two models

Sets (never trained on): the UTKFace hold-out (common.heldout_files: the first --limit, sorted by
file name; each face resized whole to --size, default 128) and eval/ffhq-10 (1024x1024 FFHQ-aligned):
'ffhq-10' framed as the app frames a face for the model (common.load_ffhq_framed: the FFHQ template
onto the UTKFace one) and 'ffhq-10-whole' resized whole (more background, a smaller face); each FFHQ
face is damaged --ffhq-seeds times (default 5: seeds CRC32(name), CRC32(name#1), ...). Each is degraded by common.degrade with a fixed seed per image: CRC32 of the file
name (common.file_seed), so every run and every model sees the same damaged faces.
--protocol forge (default) damages with the face forge (common.degrade's defaults, the sets above);
--protocol scales with issue 17's face damage at each of --scales (common.damage_at: blur, a downscale
by exactly that factor, grain and JPEG, back up to --size; no defects), sets 'utkface-heldout-4x',
'ffhq-10-4x' (framed), ...
Metrics per image against the clean face at --size, then averaged over the set: PSNR (dB, peak 1,
MSE over all RGB pixels), SSIM (11x11 gaussian, sigma 1.5, per RGB channel, averaged) and identity:
the cosine similarity of face-api.js recognition descriptors (models/faces/identity.mjs, the
converted FaceRecognitionNet; the crop comes from the clean face's landmarks) of the face vs the
clean one. --no-identity skips it (it needs node and models/faces/build/face-recognition.onnx).
And the detail ratio (issue 17): gradient energy of the face / that of the clean face (common.detail_ratio;
1 = as detailed as the clean face; blur lowers it, grain and invented texture raise it).
Rows:
  input    the degraded face itself
  bicubic  the degraded face downscaled x0.5 (bicubic, antialiased) and bicubic back up to --size
           (common.bicubic_baseline: a plain smoothing that removes fine noise / blocking)
  model    the network --ckpt (the exported graph: clamp(x + net(x), 0, 1)); each --model NAME=PATH adds a row
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

from common import (HERE, ROOT, SIZE, Exported, bicubic_baseline, damage_at, detail_ratio, ffhq_files, fixed_pairs, heldout_files,
                    load_checkpoint, load_face, load_ffhq_framed, psnr, ssim)


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
    ap.add_argument('--protocol', choices=('forge', 'scales'), default='forge')
    ap.add_argument('--scales', default='2,4,8', help='downscale factors of --protocol scales')
    ap.add_argument('--model', action='append', default=[], metavar='NAME=PATH', help='another checkpoint to evaluate as row NAME')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    net, ck = load_checkpoint(args.ckpt)
    models = {'model': Exported(net).eval()}
    for spec in args.model:
        name, path = spec.split('=', 1)
        models[name] = Exported(load_checkpoint(path)[0]).eval()
    if args.protocol == 'forge':
        sets = {'utkface-heldout': (heldout_files(args.limit), load_face, 1, None),
                'ffhq-10': (ffhq_files(), load_ffhq_framed, args.ffhq_seeds, None),
                'ffhq-10-whole': (ffhq_files(), load_face, args.ffhq_seeds, None)}
    else:
        sets = {}
        for f in (int(v) for v in args.scales.split(',')):
            sets[f'utkface-heldout-{f}x'] = (heldout_files(args.limit), load_face, 1, damage_at(f))
            sets[f'ffhq-10-{f}x'] = (ffhq_files(), load_ffhq_framed, args.ffhq_seeds, damage_at(f))
    res = {}
    for name, (files, load, seeds, damage) in sets.items():
        if not files:
            print(f'skip {name}: no files')
            continue
        x, y = fixed_pairs(files, args.size, load, seeds, damage)
        with torch.no_grad():
            out = {'input': x, 'bicubic': bicubic_baseline(x),
                   **{k: torch.cat([m(x[i:i + 16]) for i in range(0, len(x), 16)]) for k, m in models.items()}}
        res[name] = {'n': len(files), 'damages_per_face': seeds,
                     **{k: {'psnr': psnr(v, y).mean().item(), 'ssim': ssim(v, y, reduce=False).mean().item(),
                            'detail': detail_ratio(v, y).mean().item()} for k, v in out.items()}}
        if not args.no_identity:
            for k, v in identity(y, out).items():
                res[name][k].update(v)
        print(name, {k: round(v['psnr'], 2) for k, v in res[name].items() if isinstance(v, dict)}, flush=True)
    parts = []
    for name, label in (('utkface-heldout', 'held-out UTKFace faces'), ('ffhq-10', 'FFHQ faces')) if args.protocol == 'forge' else ():
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
    doc = {'models': {k: _rel(v.split('=', 1)[1]) for k, v in zip(list(models)[1:], args.model)}, 'checkpoint': {'path': _rel(args.ckpt), 'step': ck['step'], 'minutes': round(ck['elapsed'] / 60, 1),
                          'params': sum(p.numel() for p in net.parameters())},
           'size': args.size, 'damage': args.protocol if args.protocol == 'forge' else f'scales {args.scales} (common.damage_at)',
           'protocol': 'UTKFace: whole face resized to size; FFHQ: framed by the FFHQ -> UTKFace template similarity '
           '(ffhq-10) or whole (ffhq-10-whole); common.degrade seeded with CRC32(file name) (FFHQ also CRC32(name#k), k < damages_per_face); '
           'PSNR/SSIM/detail ratio per image vs the clean face, averaged; identity = cosine of face-api recognition descriptors vs the clean face (crop from the clean face landmarks), averaged', 'sets': res, 'summary': summary}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(doc, f, indent=2)
        f.write('\n')
    print(f'checkpoint step {ck["step"]}, {ck["elapsed"] / 60:.1f} min; {args.size}x{args.size}\n')
    rows = ['input', 'bicubic', *models]
    print('| set | n | ' + ' | '.join(f'{k} PSNR / SSIM / identity / detail' for k in rows) + ' |')
    print('| --- | ---: |' + ' ---: |' * len(rows))
    for name, r in res.items():
        cells = ' | '.join(f'{r[k]["psnr"]:.2f} / {r[k]["ssim"]:.4f} / {r[k].get("identity", float("nan")):.4f} / {r[k]["detail"]:.2f}' for k in rows)
        print(f'| {name} | {r["n"]} | {cells} |')
    print('\nwrote', args.out)


if __name__ == '__main__':
    main()
