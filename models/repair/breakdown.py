"""Stratified follow-up to evaluate.py (same held-out samples and seeds), model vs baseline:
  denoise: by noise level (input PSNR < 26 / 26-32 / > 32 dB) and with the app's default blend 0.7
  inpaint: hole pixels split into thin (removed by a 7x7 opening: scratches, dust, creases) and
           large (tears, blobs), PSNR per split (pooled MSE over the set).
    /usr/bin/python3 models/repair/breakdown.py  -> models/repair/logs/breakdown.json
"""
import json, os, sys
import cv2, numpy as np, torch
from evaluate import SETS, samples, load_models, infer, psnr, pushpull, telea, tune_telea, nlm, TUNE
from common import HERE, as_app

torch.set_num_threads(2)
out = {}
allf = {s: f() for s, f in SETS.items()}
# denoise
ms, _ = load_models('denoise', os.path.join(HERE, 'checkpoints'))
h = json.load(open(os.path.join(HERE, 'logs', 'eval.json')))['denoise']['baseline']['h']
rows = {}
for s, files in allf.items():
    for x, y in samples('denoise', files, 256, 'eval'):
        pin = psnr(x, y)
        b = 'input<26dB' if pin < 26 else ('26-32dB' if pin < 32 else 'input>32dB')
        o = infer(ms['fp32'], x)
        r = rows.setdefault(b, {'n': 0, 'input': [], 'model': [], 'blend0.7': [], 'nlm': []})
        r['n'] += 1
        r['input'].append(pin); r['model'].append(psnr(o, y)); r['blend0.7'].append(psnr(x + 0.7 * (o - x), y))
        r['nlm'].append(psnr(nlm(x, h), y))
out['denoise'] = {b: {k: (v if k == 'n' else round(float(np.mean(v)), 2)) for k, v in r.items()} for b, r in rows.items()}
print('denoise', json.dumps(out['denoise'], indent=1))
# inpaint
ms, _ = load_models('inpaint', os.path.join(HERE, 'checkpoints'))
rad = json.load(open(os.path.join(HERE, 'logs', 'eval.json')))['inpaint']['baseline']['radius']
acc = {k: np.zeros(4) for k in ('thin', 'large')}  # model se, telea se, count, push-pull se
for s, files in allf.items():
    for x, y in samples('inpaint', files, 256, 'eval'):
        m = (x[3] > 0.5).astype(np.uint8)
        if not m.any():
            continue
        large = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))).astype(bool)
        thin = m.astype(bool) & ~large
        o, t, p = infer(ms['fp32'], as_app(x)), telea(x, rad), pushpull(x)
        for k, sel in (('thin', thin), ('large', large)):
            acc[k] += [((o - y) ** 2)[:, sel].sum(), ((t - y) ** 2)[:, sel].sum(), 3 * sel.sum(), ((p - y) ** 2)[:, sel].sum()]
out['inpaint'] = {k: {'pixels': int(v[2] / 3), 'model_psnr': round(10 * np.log10(v[2] / v[0]), 2),
                      'telea_psnr': round(10 * np.log10(v[2] / v[1]), 2),
                      'pushpull_psnr': round(10 * np.log10(v[2] / v[3]), 2)} for k, v in acc.items()}
print('inpaint', out['inpaint'])
json.dump(out, open(os.path.join(HERE, 'logs', 'breakdown.json'), 'w'), indent=1)
