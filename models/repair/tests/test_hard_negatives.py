"""Hard-negative mining and the detector fine-tune options (train.py --init-all, --hard-negatives).
Run: /usr/bin/python3 -m pytest models/repair/tests/test_hard_negatives.py (or as a script).
The script runs need ../shared/data and the committed detector checkpoint; skipped without them."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPAIR = os.path.dirname(HERE)
sys.path.insert(0, REPAIR)
from common import DATA, hard_negative_crop, make_batch, photo_name, train_files  # noqa: E402

CKPT = os.path.join(REPAIR, 'checkpoints', 'detector.pt')
HAVE_DATA = os.path.isdir(os.path.join(DATA, 'photos')) and os.path.exists(CKPT)


def coords_image(h, w):
    """Each pixel stores its own (x, y) in R and G (x, y < 256), so a crop tells where it came from."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx, yy, np.zeros_like(xx)], 2).astype(np.uint8)


def test_crop_is_centred_on_the_spot():
    img = coords_image(200, 240)
    rng = np.random.default_rng(0)
    for fx, fy in ((0.5, 0.5), (0.1, 0.9), (0.95, 0.05)):
        for _ in range(20):
            c = hard_negative_crop(img, (0, fx, fy, 200), rng, 64)
            assert c.shape == (64, 64, 3)
            xs, ys = c[..., 0].astype(int), c[..., 1].astype(int)
            # the spot is inside the crop unless the photo's edge stopped the window
            assert xs.min() - 1 <= fx * 240 <= xs.max() + 1 or xs.min() == 0 or xs.max() == 239
            assert ys.min() - 1 <= fy * 200 <= ys.max() + 1 or ys.min() == 0 or ys.max() == 199
            assert abs((xs.min() + xs.max()) / 2 - np.clip(fx * 240, 32, 208)) <= 16 + 1  # jitter <= a quarter patch


def test_crop_follows_the_scale_it_was_found_at():
    img = coords_image(200, 240)
    c = hard_negative_crop(img, (0, 0.5, 0.5, 100), np.random.default_rng(1), 64)
    # the photo was halved (short side 100), so 64 crop pixels span about 128 original ones
    span = int(c[..., 1].max()) - int(c[..., 1].min())
    assert 110 <= span <= 130, span


def test_hard_share_of_batch_is_clean_and_fully_scored():
    rng = np.random.default_rng(3)
    img = (rng.random((96, 128, 3)) * 255).astype(np.uint8)
    hard = [(0, 0.5, 0.5, 96)]
    n_clean_usual = 0
    for seed in range(6):
        x, y = make_batch('detector', [img], np.random.default_rng(seed), 8, 48, hard, 0.5)
        assert x.shape == (8, 3, 48, 48) and y.shape == (8, 3, 48, 48)
        assert torch.all(y[:4, 0] == 0) and torch.all(y[:4, 1] == 1)  # the 4 hard samples
        n_clean_usual += int((y[4:, 0].sum((1, 2)) == 0).sum())
    assert n_clean_usual < 24  # the rest are the usual forge samples, most of them damaged


def test_tears_hard_share_is_untorn():
    """tears: the hard samples are crops of twice the patch (the tears net sees them shrunk 2x) with no tear."""
    rng = np.random.default_rng(4)
    img = (rng.random((200, 240, 3)) * 255).astype(np.uint8)
    hard = [(0, 0.5, 0.5, 200)]
    for seed in range(4):
        x, y = make_batch('tears', [img], np.random.default_rng(seed), 6, 48, hard, 0.5)
        assert x.shape == (6, 3, 48, 48) and y.shape == (6, 3, 48, 48)
        assert torch.all(y[:3, 0] == 0)  # the 3 hard samples: nothing torn


def run(cmd):
    return subprocess.run([sys.executable] + cmd, capture_output=True, text=True, timeout=600)


def test_mining_and_fine_tune_smoke():
    if not HAVE_DATA:
        print('skip: no data or checkpoint')
        return
    with tempfile.TemporaryDirectory() as tmp:
        mined = os.path.join(tmp, 'hn.json')
        r = run([os.path.join(REPAIR, 'mine_negatives.py'), '--limit', '2', '--short', '160', '--scales', '1,0.5',
                 '--threshold', '0.05', '--out', mined])
        assert r.returncode == 0, r.stderr[-2000:]
        res = json.load(open(mined))
        # every 50th photo (index 0 here) is the validation slice and is never mined
        first = [photo_name(f) for f in train_files(include_faces=True, n_faces=600)[1:3]]
        assert res['summary']['photos'] == 2
        for reg in res['regions']:
            assert reg['photo'] in first and 0 <= reg['fx'] <= 1 and 0 <= reg['fy'] <= 1
            assert reg['short'] in (160, 80) and reg['peak'] >= 0.05

        # the fine-tune runs on hand-made spots on the first two training photos (train.py's own split)
        spots = os.path.join(tmp, 'spots.json')
        tr = [f for i, f in enumerate(train_files()) if i % 50 != 0][:2]
        json.dump({'regions': [{'photo': photo_name(f), 'fx': 0.5, 'fy': 0.5, 'short': 200} for f in tr]}, open(spots, 'w'))
        base = [os.path.join(REPAIR, 'train.py'), '--model', 'detector', '--max-images', '2', '--batch', '2', '--patch', '48',
                '--init-all', CKPT, '--hard-negatives', spots, '--hard-share', '0.5', '--out', tmp]
        r = run(base + ['--steps', '2'])
        assert r.returncode == 0, r.stderr[-2000:]
        assert '2 hard negatives on 2 photos' in r.stdout and 'val_hard_fp' in r.stdout, r.stdout[-2000:]
        assert 'done detector: 2 steps' in r.stdout
        # resumed with its batches made in a worker process (the GPU-lease path, models/training.py batch_stream)
        r = run(base + ['--steps', '3', '--resume', '--workers', '1'])
        assert r.returncode == 0 and 'resumed detector at step 2' in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
        assert 'done detector: 3 steps' in r.stdout, r.stdout[-2000:]

        # --init-all keeps every weight, the head included (--init zeroes it): 0 steps = the checkpoint
        r = run(base + ['--steps', '0', '--out', os.path.join(tmp, 'zero')])
        assert r.returncode == 0, r.stderr[-2000:]
        got = torch.load(os.path.join(tmp, 'zero', 'checkpoints', 'detector.pt'), map_location='cpu')['model']
        want = torch.load(CKPT, map_location='cpu')['model']
        assert all(torch.equal(got[k], want[k]) for k in want)

        # the tears net: mined as the app runs it (one scale), fine-tuned on its spots with faces among the photos
        tmined = os.path.join(tmp, 'tears-hn.json')
        r = run([os.path.join(REPAIR, 'mine_negatives.py'), '--model', 'tears', '--limit', '2', '--short', '160',
                 '--threshold', '0.05', '--out', tmined])
        assert r.returncode == 0, r.stderr[-2000:]
        res = json.load(open(tmined))
        assert res['summary']['photos'] == 2 and res['summary']['checkpoint'].endswith('tears.pt')
        assert all(reg['photo'] in first and reg['short'] == 160 for reg in res['regions'])
        r = run([os.path.join(REPAIR, 'train.py'), '--model', 'tears', '--max-images', '2', '--batch', '2', '--patch', '48',
                 '--init-all', os.path.join(REPAIR, 'checkpoints', 'tears.pt'), '--hard-negatives', spots, '--hard-share', '0.5',
                 '--faces', '10', '--steps', '1', '--out', os.path.join(tmp, 'tears')])
        assert r.returncode == 0 and '2 hard negatives on 2 photos' in r.stdout and 'done tears: 1 steps' in r.stdout, \
            r.stdout[-2000:] + r.stderr[-2000:]

        # spots on photos that are not loaded are an error, not a silent plain run
        json.dump({'regions': [{'photo': 'nowhere/x.jpg', 'fx': 0.5, 'fy': 0.5, 'short': 200}]}, open(spots, 'w'))
        r = run(base + ['--steps', '1', '--out', os.path.join(tmp, 'none')])
        assert r.returncode != 0 and 'no mined false alarm' in r.stderr


def test_dark_weight_counts_only_dark_damage():
    from train import darker_than_surroundings, detector_loss
    x = torch.full((1, 3, 32, 32), 0.5)
    x[..., 8, :] = 0.1   # a dark scratch (row 8)
    x[..., 20, :] = 0.9  # a light one (row 20)
    dark = darker_than_surroundings(x)[0, 0]
    assert dark[8].all() and not dark[20].any()
    y = torch.zeros(1, 3, 32, 32)
    y[:, 1] = 1  # every pixel scored
    logits = torch.full((1, 1, 32, 32), -4.0)  # nothing found
    for row in (8, 20):
        y[:, 0] = 0
        y[:, 0, row] = 1
        plain, weighted = detector_loss(logits, y, 0.5, x, 1.0), detector_loss(logits, y, 0.5, x, 4.0)
        assert (weighted > plain * 1.2) if row == 8 else torch.isclose(weighted, plain), (row, plain, weighted)


if __name__ == '__main__':
    for t in (test_crop_is_centred_on_the_spot, test_crop_follows_the_scale_it_was_found_at,
              test_hard_share_of_batch_is_clean_and_fully_scored, test_tears_hard_share_is_untorn, test_mining_and_fine_tune_smoke,
              test_dark_weight_counts_only_dark_damage):
        t()
        print('ok', t.__name__)
