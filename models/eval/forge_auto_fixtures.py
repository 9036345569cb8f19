"""Forge-damaged copies of held-out photos for the auto-restore evaluation (models/eval/auto-eval.ts).

Held-out photos: the first N of ../shared/data/photos/bsds500/test (sorted; never trained on).
Damage types, each alone and mixed, with fixed seeds (seed = 1000 * type index + photo index):
fading, cast, grain, scratches (scratches + dust), mixed (all four). Writes
<out>/clean/<name>.png and <out>/<type>/<name>.png.

    /usr/bin/python3 models/eval/forge_auto_fixtures.py <out-dir> [N]
"""
import copy
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'forge'))
from forge import forge, preset, AGING, DEFECTS, ACQUISITION  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'photos', 'bsds500', 'test')


def only(*on, **ranges):
    c = preset('all')
    for k in AGING + DEFECTS + ACQUISITION:
        c[k]['p'] = 0.0
    for k in on:
        c[k]['p'] = 1.0
    for k, v in ranges.items():
        c[k].update(v)
    return c


TYPES = {
    'fading': only('fade', fade={'amount': (0.15, 0.35)}),
    'cast': only('cast', cast={'amount': (0.4, 0.8), 'kinds': ('yellow', 'magenta')}),
    'grain': only('grain', grain={'sigma': (0.03, 0.06), 'color': 0.3, 'clump': (0.0, 0.5)}),
    'scratches': only('scratch', 'dust'),
    'mixed': only('fade', 'cast', 'grain', 'scratch', 'dust', fade={'amount': (0.15, 0.35)},
                  cast={'amount': (0.4, 0.8), 'kinds': ('yellow', 'magenta')},
                  grain={'sigma': (0.03, 0.06), 'color': 0.3, 'clump': (0.0, 0.5)}),
}


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    names = sorted(f for f in os.listdir(DATA) if f.endswith('.jpg'))[:n]
    os.makedirs(os.path.join(out, 'clean'), exist_ok=True)
    for i, name in enumerate(names):
        clean = np.asarray(Image.open(os.path.join(DATA, name)).convert('RGB'))
        stem = os.path.splitext(name)[0]
        Image.fromarray(clean).save(os.path.join(out, 'clean', stem + '.png'))
        for t, (kind, cfg) in enumerate(TYPES.items()):
            os.makedirs(os.path.join(out, kind), exist_ok=True)
            damaged = forge(clean, np.random.default_rng(1000 * t + i), copy.deepcopy(cfg))['damaged']
            Image.fromarray(damaged).save(os.path.join(out, kind, stem + '.png'))
    print(f'{len(names)} photos x {len(TYPES)} damage types in {out}')


if __name__ == '__main__':
    main()
