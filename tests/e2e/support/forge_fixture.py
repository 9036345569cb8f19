"""Writes a forge-damaged test photo: the browser test restores it and compares with the clean one.

usage: forge_fixture.py <clean.png> <out-dir> [seed] [torn]
Writes clean.png (a 256x192 crop), damaged.png and mask.png (255 = damaged) into out-dir.
Uses the project's degradation forge (models/forge) with the 'defects_only' preset: scratches,
creases, dust and tears, no global effects, so the mask is exactly what changed. With "torn": one
paper-white torn corner or edge and nothing else.
"""
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, 'models', 'forge'))
from forge import forge, preset  # noqa: E402

src, out = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
clean = np.asarray(Image.open(src).convert('RGB'))[100:292, 100:356].copy()
cfg = preset('defects_only')
if sys.argv[4:] == ['torn']:
    cfg = {k: dict(v, p=0.0) if isinstance(v, dict) and 'p' in v else v for k, v in cfg.items()}
    cfg['tear'].update(p=1.0, count=(1, 1))
r = forge(clean, np.random.default_rng(seed), cfg)
mask = ((r['mask_defect'] | r['mask_missing']) * 255).astype(np.uint8)
os.makedirs(out, exist_ok=True)
Image.fromarray(clean).save(os.path.join(out, 'clean.png'))
Image.fromarray(r['damaged']).save(os.path.join(out, 'damaged.png'))
Image.fromarray(mask).save(os.path.join(out, 'mask.png'))
print(f'mask covers {mask.mean() / 255:.3f}')
