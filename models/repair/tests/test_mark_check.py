"""The mark check's windows (mark_check.py) and its training script on a tiny run (train_check.py).
Run: /usr/bin/python3 models/repair/tests/test_mark_check.py (or with pytest).
The script run needs ../shared/data and the committed detector checkpoint; skipped without them."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPAIR = os.path.dirname(HERE)
sys.path.insert(0, REPAIR)
import mark_check as mc  # noqa: E402
from common import DATA  # noqa: E402

HAVE_DATA = os.path.isdir(os.path.join(DATA, 'photos')) and os.path.exists(os.path.join(REPAIR, 'checkpoints', 'detector.pt'))


def coords_image(h, w):
    """R = x, G = y: a window tells which pixels it sampled."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx, yy, np.zeros_like(xx)], 2).astype(np.uint8)


def test_a_speck_is_seen_with_its_surroundings_at_one_tap():
    img = coords_image(200, 200)
    p = np.zeros((200, 200), np.float32)
    p[100:103, 80:83] = 0.9
    labels, boxes, x = mc.windows(img, p, 0.5)
    assert boxes == [(80, 100, 3, 3, 9)]
    # side WINDOW_MIN (48) round the speck's centre (81.5, 101.5): 0.75 px a cell, one tap
    assert x.shape == (1, mc.CHANNELS, mc.WINDOW, mc.WINDOW)
    assert abs(x[0, 0].min() * 255 - np.floor(81.5 - 24 + 0.375)) < 1e-3 and abs(x[0, 0].max() * 255 - np.floor(81.5 + 24 - 0.375)) < 1e-3
    assert x[0, 5].min() == x[0, 5].max() == 0.0  # scale channel: log2(48 / 48)
    assert x[0, 4].sum() == 16 and x[0, 4, 32, 32] == 1.0  # the 3 px region is 4 x 4 cells of 0.75 px, in the middle
    assert x[0, 3].max() == np.float32(0.9)


def test_a_long_thin_line_survives_the_shrink_and_the_photo_edge_is_clamped():
    img = coords_image(100, 250)
    p = np.zeros((100, 250), np.float32)
    p[50, 10:240] = 0.8  # 1 px wide, 230 long: a 460 px window, 7.2 px a cell, 8 taps 0.9 px apart
    labels, boxes, x = mc.windows(img, p, 0.5)
    assert len(boxes) == 1
    region = x[0, 4]
    assert region.max() >= 1 / 8  # a 1 px line still shows in the cells it crosses (averaged, not point-sampled away)
    assert 1 <= (region.max(axis=1) > 0).sum() <= 2  # one row of cells holds it (two when it lies on their border)
    assert np.isclose(x[0, 5, 0, 0], np.log2(460 / 48) / mc.SCALE_NORM)
    # the window runs off the photo on every side: clamped to its first and last columns and rows
    assert x[0, 0].min() == 0 and np.isclose(x[0, 0].max() * 255, 249)
    assert x[0, 1].min() == 0 and np.isclose(x[0, 1].max() * 255, 99)


def test_keep_mask_drops_exactly_the_rejected_regions():
    img = coords_image(64, 64)
    p = np.zeros((64, 64), np.float32)
    p[5:8, 5:8] = 0.9
    p[40:43, 40:43] = 0.9

    class Left(torch.nn.Module):  # "damage" only when the region lies in the left half of the photo
        def forward(self, x):
            return ((x[:, 0, 32, 32] * 255 < 32).float() * 2 - 1)[:, None]

    keep, found, kept = mc.keep_mask(Left(), img, p, 0.5, 0.5)
    assert (found, kept) == (2, 1)
    assert keep[6, 6] and not keep[41, 41] and keep.sum() == 9


def test_training_script_runs_end_to_end():
    if not HAVE_DATA:
        print('skipped: no ../shared/data or detector checkpoint')
        return
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, 'w.npz')
        r = subprocess.run([sys.executable, os.path.join(REPAIR, 'train_check.py'), '--make-data', '--limit', '3', '--samples', '6',
                            '--minutes', '0.05', '--out', d, '--data', data, '--threads', '1'], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        assert os.path.exists(os.path.join(d, 'checkpoints', 'mark-check.pt'))
        ck = torch.load(os.path.join(d, 'checkpoints', 'mark-check.pt'))
        net = mc.MarkCheck()
        net.load_state_dict(ck['model'])
        w = np.load(data)
        assert w['train_x'].shape[1:] == (mc.CHANNELS, mc.WINDOW, mc.WINDOW) and len(w['train_x']) == len(w['train_y']) > 0


if __name__ == '__main__':
    for name, fn in list(globals().items()):
        if name.startswith('test_'):
            fn()
            print('ok', name)
