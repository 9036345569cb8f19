"""Colorization script tests. Run: /usr/bin/python3 models/colorize/tests/test_colorize.py
Exits non-zero on failure; the tiny training run is skipped when ../shared/data is absent."""
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
COLORIZE = os.path.dirname(HERE)
sys.path.insert(0, COLORIZE)
from common import (DATA, Exported, build, grid_centers, grid_index, lab_to_rgb, make_bins,  # noqa: E402
                    rgb_to_lab, sample_hints)

sys.path.insert(0, os.path.dirname(COLORIZE))  # models/
from script_tests import check, check_train_and_resume, run  # noqa: E402


def test_lab():
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    check((lab_to_rgb(rgb_to_lab(x)) - x).abs().max().item() < 1e-4, 'sRGB -> Lab -> sRGB round trip within 1e-4')
    white = rgb_to_lab(torch.ones(1, 3, 1, 1)).view(-1)
    check(torch.allclose(white, torch.tensor([100.0, 0.0, 0.0]), atol=1e-3), 'white is L=100, a=b=0')
    red = rgb_to_lab(torch.tensor([1.0, 0, 0]).view(1, 3, 1, 1)).view(-1)
    check(torch.allclose(red, torch.tensor([53.24, 80.09, 67.20]), atol=0.05), 'sRGB red is Lab (53.24, 80.09, 67.20)')
    grey = rgb_to_lab(torch.full((1, 3, 4, 4), 0.37))
    check(grey[:, 1:].abs().max().item() < 1e-3, 'greys have a = b = 0')


def test_bins():
    centers = grid_centers()
    ab = torch.from_numpy(centers).t().reshape(1, 2, 1, -1)
    check(torch.equal(grid_index(ab).view(-1), torch.arange(len(centers))), 'every grid centre falls in its own cell')
    prior = np.zeros(len(centers))
    prior[[10, 200, 231, 232]] = [0.7, 0.2, 0.05, 0.05]
    bins = make_bins(prior)
    p = bins['prior']
    check(len(bins['centers']) == 4, 'only colours that occur become bins')
    check(abs(float((p * bins['weights']).sum()) - 1) < 1e-5, 'rebalancing weights average to 1 under the prior')
    check(bins['weights'][0] < bins['weights'][2], 'rare colours weigh more than common ones')
    check(bins['lut'][10] == 0 and bins['lut'][200] == 1, 'kept cells map to their bin')
    check(set(np.unique(bins['lut'])) == {0, 1, 2, 3}, 'unseen cells map to their nearest kept bin')


def test_hints():
    rng = np.random.default_rng(3)
    ab = torch.from_numpy(rng.uniform(-60, 60, (2, 32, 32)).astype(np.float32))
    samples = [sample_hints(ab, rng) for _ in range(40)]
    empty = [(h, m) for h, m in samples if m.sum() == 0]
    hinted = [(h, m) for h, m in samples if m.sum() > 0]
    check(len(empty) > 5 and len(hinted) > 5, 'samples come both with and without hints')
    check(all(h.abs().sum() == 0 for h, _ in empty), 'no mask, no hint colour')
    check(all(bool((h[:, m[0] == 0] == 0).all()) for h, m in hinted), 'hint colour only where the mask is')
    check(all(bool((h[:, m[0] > 0].abs() <= 60).all()) for h, m in hinted), 'hint colours are means of true colours')


def test_export_graph():
    bins = make_bins(np.bincount([5, 100, 230, 231, 300], minlength=len(grid_centers())).astype(float))
    net = build(len(bins['centers'])).eval()
    model = Exported(net, bins['centers']).eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 4, 21, 35))
    check(tuple(out.shape) == (1, 2, 6, 9), 'exported graph: any size in, a/b map at 1/4 size (rounded up) out')
    lo, hi = bins['centers'].min(0), bins['centers'].max(0)
    check(bool((out[:, 0] >= lo[0] - 1e-4).all() and (out[:, 0] <= hi[0] + 1e-4).all()), 'a/b stay within the bin centres (a mean of them)')


def test_tiny_training():
    if not os.path.isdir(os.path.join(DATA, 'photos')):
        print('skip tiny training run: no ../shared/data')
        return
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, os.path.join(COLORIZE, 'train.py'), '--max-images', '3', '--patch', '48', '--batch', '4',
               '--threads', '1', '--out', d]
        check_train_and_resume(cmd, os.path.join(d, 'checkpoints', 'colorize.pt'), 'resumed at step 2',
                               first=lambda ck: check('bins' in ck, 'the checkpoint has the colour bins'))


if __name__ == '__main__':
    torch.set_num_threads(1)
    run(test_lab, test_bins, test_hints, test_export_graph, test_tiny_training)
