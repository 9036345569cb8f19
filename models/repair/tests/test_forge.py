"""Forge + training-script tests. Run: /usr/bin/python3 models/repair/tests/test_forge.py
Exits non-zero on failure. Needs numpy, PIL, torch (Debian's python3), ../shared/data for the
tiny training runs (skipped with a message if the data folder is absent)."""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPAIR = os.path.dirname(HERE)
ROOT = os.path.abspath(os.path.join(REPAIR, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'models', 'forge'))
from forge import PRESETS, _halftone, forge, preset, random_blobs  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, 'models'))
from script_tests import check, check_train_and_resume, run  # noqa: E402


def photo(seed=7, h=120, w=160):
    """A smooth synthetic 'photo' (gradients + blobs) so defects are visible against it."""
    r = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([0.3 + 0.4 * xx, 0.2 + 0.5 * yy, 0.5 + 0.2 * np.sin(6 * xx + 3 * yy)], 2)
    img += 0.05 * r.standard_normal((h, w, 3))
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def all_on():
    c = preset('all')
    for k in ('stain', 'fade', 'cast', 'vignette', 'tear', 'crease', 'scratch', 'dust', 'blur', 'grain', 'jpeg', 'halftone'):
        c[k]['p'] = 1.0
    return c


def test_determinism():
    x = photo()
    for cfg_name, cfg in [('all-on', all_on())] + [(p, preset(p)) for p in PRESETS]:
        a = forge(x, np.random.default_rng(42), cfg)
        b = forge(x, np.random.default_rng(42), cfg)
        same = all(np.array_equal(a[k], b[k]) for k in ('damaged', 'mask_defect', 'mask_missing', 'clean_target'))
        check(same, f'determinism: same seed -> identical arrays ({cfg_name})')
    a = forge(x, np.random.default_rng(1), all_on())
    b = forge(x, np.random.default_rng(2), all_on())
    check(not np.array_equal(a['damaged'], b['damaged']), 'different seeds -> different damaged images')
    check(not np.array_equal(a['mask_defect'], b['mask_defect']), 'different seeds -> different masks')
    m1 = random_blobs(64, 64, np.random.default_rng(3))
    m2 = random_blobs(64, 64, np.random.default_rng(3))
    check(np.array_equal(m1, m2) and m1.any(), 'random_blobs deterministic and non-empty')


def test_late_defects():
    x = photo(h=200, w=260)
    base = preset('detector')
    old = {k: v for k, v in base.items() if k not in ('tape', 'mould')}
    a, b = forge(x, np.random.default_rng(9), base), forge(x, np.random.default_rng(9), old)
    check(np.array_equal(a['damaged'], b['damaged']) and np.array_equal(a['mask_defect'], b['mask_defect']),
          'tape and mould switched off draw nothing: the detector preset keeps its random stream')
    for kind in ('tape', 'mould'):
        cfg = preset('defects_only')
        for k in cfg:
            if isinstance(cfg[k], dict) and 'p' in cfg[k]:
                cfg[k]['p'] = 0.0
        cfg[kind]['p'] = 1.0
        marked = 0
        for seed in range(6):
            o = forge(x, np.random.default_rng(seed), cfg)
            d, c = o['damaged'].astype(int), x.astype(int)
            m = o['mask_defect'].astype(bool)
            check(np.array_equal(d[~m], c[~m]), f'{kind}, seed {seed}: pixels outside the mask unchanged')
            marked += m.sum()
        check(marked > 0.002 * x.shape[0] * x.shape[1] * 6, f'{kind} marks part of the photo')
    late_off = {k: v for k, v in preset('defects_only').items() if k not in ('tape', 'mould')}
    a, b = forge(x, np.random.default_rng(4), preset('defects_only')), forge(x, np.random.default_rng(4), late_off)
    check(np.array_equal(a['damaged'], b['damaged']), 'defects_only (the e2e fixtures) is unchanged by tape and mould')
    o = forge(x, np.random.default_rng(3), preset('prints'))
    check(o['damaged'].shape == x.shape, 'the prints preset runs')
    r = subprocess.run([sys.executable, '-c', 'import common; print(common._cfg("detector")["tape"]["p"], common._cfg("detector-clean")["tape"]["p"])'],
                       cwd=REPAIR, env={**os.environ, 'HEIRLOOM_FORGE_PRESET': 'prints'}, capture_output=True, text=True)
    check(r.stdout.split() == ['0.15', '0.0'], 'HEIRLOOM_FORGE_PRESET=prints (train.py --forge-preset) gives detector samples tape')


def test_shapes():
    x = photo()
    o = forge(x, np.random.default_rng(0), all_on())
    check(o['damaged'].shape == x.shape and o['damaged'].dtype == np.uint8, 'damaged HxWx3 uint8')
    check(o['mask_defect'].shape == x.shape[:2] and o['mask_defect'].dtype == np.uint8, 'mask_defect HxW uint8')
    check(o['mask_missing'].shape == x.shape[:2] and set(np.unique(o['mask_missing'])) <= {0, 1}, 'mask_missing HxW {0,1}')
    check(np.array_equal(o['clean_target'], x), 'clean_target is the input')
    check(not (o['mask_defect'] & o['mask_missing']).any(), 'defect and missing masks are disjoint')


def test_masks():
    x = photo()
    n_def = n_mis = 0
    for seed in range(12):
        o = forge(x, np.random.default_rng(seed), preset('defects_only'))
        d = o['damaged'].astype(int)
        c = x.astype(int)
        union = (o['mask_defect'] | o['mask_missing']).astype(bool)
        diff = np.abs(d - c).max(axis=2)
        check(np.array_equal(d[~union], c[~union]), f'seed {seed}: pixels outside the masks unchanged')
        md = o['mask_defect'].astype(bool)
        if md.any():
            check((diff[md] > 0).all(), f'seed {seed}: every mask_defect pixel changed')
        mm = o['mask_missing'].astype(bool)
        if mm.any():
            check((diff[mm] > 0).mean() > 0.9, f'seed {seed}: missing regions replaced')
        n_def += md.sum()
        n_mis += mm.sum()
    check(n_def > 0 and n_mis > 0, 'defects_only produced both defect and missing pixels')
    o = forge(x, np.random.default_rng(5), preset('denoise'))
    check(not o['mask_defect'].any() and not o['mask_missing'].any(), 'denoise preset has empty masks')


def test_halftone_keeps_tone():
    # a printed screen moves no tone: flat greys keep their mean (the old screen darkened 0.5 to 0.455,
    # and the upscaler trained on it brightened real halftone prints) while the dots are plainly there
    for tone in (0.1, 0.3, 0.5, 0.7, 0.9):
        flat = np.full((96, 96, 3), tone, np.float32)
        out = _halftone(flat, np.random.default_rng(int(tone * 10)), {'period': (3.0, 5.0)})
        check(abs(float(out.mean()) - tone) < 0.004, f'halftone keeps flat grey {tone} (mean {out.mean():.4f})')
        check(float(out.std()) > 0.01, f'halftone prints visible dots on grey {tone} (std {out.std():.3f})')


def test_tears_samples():
    """A tears sample is forged at twice the patch and shrunk: the target is the torn area at the
    shrunk size, half-covered pixels are not scored, and a sample without a tear has no target."""
    sys.path.insert(0, REPAIR)
    from common import make_sample, print_border
    x, y = photo(3, 128, 128), None
    torn = seen_clean = 0
    shapes = set()
    for seed in range(40):
        inp, y = make_sample('tears', x, np.random.default_rng(seed))
        shapes |= {inp.shape, y.shape}
        t, w = y[0] > 0.5, y[1] > 0.5
        if t.any():
            torn += 1
            check(0 < (~w).sum() < t.sum(), 'the pixels a shrink half-covers (the edge of a tear) are unscored, fewer than the torn ones')
        else:
            seen_clean += 1
    check(shapes == {(3, 64, 64)}, 'a tears sample is the crop shrunk 2x')
    check(10 < torn < 35 and seen_clean > 5, f'about 60 % of tears samples are torn ({torn} of 40)')
    b = print_border(x, np.random.default_rng(1))
    changed = (b != x).any(2)
    yy, xx = np.mgrid[:128, :128]
    edge = np.minimum(np.minimum(yy, 127 - yy), np.minimum(xx, 127 - xx))
    check(changed.any() and (changed.all(0).any() or changed.all(1).any()) and (edge[changed] < 0.12 * 128).all()
          and len(np.unique(b[changed], axis=0)) == 1, 'a print border is a flat band along whole sides')
    inp, y = make_sample('tears', x, np.random.default_rng(0), clean=True)
    check(y[0].sum() == 0 and y[1].all(), 'a clean tears sample has no target and every pixel scored')


def test_refine_tears():
    """The coarse mask of a ragged torn corner (found on a 4x shrunk copy) is fitted to its edge at full
    size by colour; a flat white patch whose coarse region has no deep cell is dropped."""
    sys.path.insert(0, REPAIR)
    from common import box_downscale, refine_tears
    r = np.random.default_rng(2)
    x = photo(5, 160, 200)
    yy, xx = np.mgrid[:160, :200]
    torn = (xx + 1.3 * yy + 6 * np.sin(yy / 2.5)) < 110
    x[torn] = np.clip([238, 230, 210] + r.normal(0, 3, (int(torn.sum()), 3)), 0, 255)
    x[120:128, 150:158] = 240
    small = box_downscale(x, 4)
    coarse = box_downscale(np.repeat(torn[..., None] * 255, 3, 2).astype(np.uint8), 4)[..., 0] >= 128
    coarse[30:32, 37:39] = True
    m = refine_tears(x, small, coarse, 4)
    up = np.repeat(np.repeat(coarse, 4, 0), 4, 1)
    check((m != torn).mean() < 0.3 * (up != torn).mean() + 1e-4,
          f'fitted edge: {(m != torn).sum()} px wrong, the upscaled coarse mask {(up != torn).sum()}')
    check(not m[120:128, 150:158].any(), 'a small flat white patch is not a tear')


def test_hole_hint():
    """The prefill weighs the hole's RGB (the app's hint) 2^-14: known pixels come back exactly and
    dominate wherever there are any; a tile wholly inside a hole takes the hint (it was black); and
    hole_hint continues a photo's colours into a hole covering most of it."""
    sys.path.insert(0, REPAIR)
    import torch
    from common import HINT_WEIGHT, hole_hint, push_pull
    rgb = torch.full((1, 3, 64, 64), 0.8)  # the hint everywhere
    m = torch.ones(1, 1, 64, 64)
    m[..., :8] = 0
    rgb[..., :8] = 0.3  # known: the first 8 columns
    pre = push_pull(rgb, 1 - m + HINT_WEIGHT * m)
    check(torch.all(pre[..., :8] == 0.3), 'known pixels come back exactly')
    check(float((pre[..., 8:12] - 0.3).abs().max()) < 0.01, 'next to known pixels the hint does not count')
    whole = push_pull(torch.full((1, 3, 64, 64), 0.8), torch.full((1, 1, 64, 64), HINT_WEIGHT))
    blank = push_pull(torch.zeros(1, 3, 64, 64), torch.zeros(1, 1, 64, 64))
    check(float((whole - 0.8).abs().max()) < 1e-5 and float(blank.max()) == 0.0, 'a tile wholly inside a hole: the hint (blanked: black)')
    img = np.zeros((40, 90, 3), np.float32)
    img[:] = [0.1, 0.7, 0.25]
    known = np.zeros((40, 90), np.float32)
    known[:, :30] = 1
    h = hole_hint(img * known[..., None], known, long_side=16)
    check(np.abs(h - [0.1, 0.7, 0.25]).max() < 1e-5, 'hole_hint continues the known colour across the hole')


def test_training_scripts():
    data = os.environ.get('HEIRLOOM_DATA', os.path.abspath(os.path.join(ROOT, '..', 'shared', 'data')))
    if not os.path.isdir(os.path.join(data, 'photos')):
        print('skip training-script tests: no data at', data)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for m in ('detector', 'tears', 'denoise', 'inpaint'):
            cmd = [sys.executable, os.path.join(REPAIR, 'train.py'), '--model', m, '--max-images', '2', '--batch', '2',
                   '--patch', '48', '--out', tmp]
            prints = ['--forge-preset', 'prints'] if m == 'detector' else []  # the next detector's samples (tape, glue, mould)
            check_train_and_resume(cmd, os.path.join(tmp, 'checkpoints', f'{m}.pt'), ('resumed', f'done {m}: 3 steps'),
                                   resume_args=prints, label=f'train.py --model {m}')
        r = subprocess.run([sys.executable, os.path.join(REPAIR, 'export.py'), '--ckpt-dir', os.path.join(tmp, 'checkpoints'),
                            '--out', os.path.join(tmp, 'onnx'), '--no-manifest'], capture_output=True, text=True)
        check(r.returncode == 0 and all(os.path.exists(os.path.join(tmp, 'onnx', f'{m}.fp16.onnx'))
                                        for m in ('detector', 'tears', 'denoise', 'inpaint')), 'export.py on the tiny checkpoints')
        if r.returncode:
            print(r.stdout[-2000:], r.stderr[-2000:])


def test_recall_breakdown():
    import json
    if not os.path.isdir(os.path.join(REPAIR, '..', '..', '..', 'shared', 'data', 'photos', 'bsds500', 'test')):
        print('skip recall breakdown: no bsds500/test')
        return
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'rb.json')
        r = subprocess.run([sys.executable, os.path.join(REPAIR, 'recall_breakdown.py'), '--crops', '1', '--out', out],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, 'recall_breakdown.py runs on one crop' + ('' if r.returncode == 0 else ': ' + r.stderr[-800:]))
        res = json.load(open(out))
        cases = res['cases']
        check(res['threshold'] == 0.7 and 'gouge 5-9 px' in cases and 'flaked emulsion' in cases, 'every case is scored at the shipped threshold')
        split = all(c['lighter']['pixels'] + c['darker']['pixels'] == c['all']['pixels'] for c in cases.values())
        check(split and all(0 <= v['recall'] <= 1 for c in cases.values() for v in c.values()), 'lighter + darker = all; recalls in [0, 1]')
        check(sum(c['all']['pixels'] for c in cases.values()) > 1000, 'the crops hold scored damage')


if __name__ == '__main__':
    run(test_determinism, test_late_defects, test_shapes, test_masks, test_halftone_keeps_tone, test_tears_samples, test_refine_tears,
        test_hole_hint, test_training_scripts, test_recall_breakdown)
