"""The mark check: a second look at each mark the damage detector finds, before it is repainted.
An experiment, not in the app (measured, not shipped: models/cards/repair-detector.md, Limitations);
the app side (src/stages/repair/mark-check.ts, wired into findMarks) is kept on the git branch
`mark-check-app` for a better-trained check.

The detector decides pixel by pixel and sees about 200 px around each; its false alarms on
damage-free photos are whole marks on picture content (a chain link, a pinstripe, a canoe rim, a
twig), and a mark is either damage or not. So each 8-connected region of the detector's mask is
looked at once more, whole: a window around it (twice its size, at least WINDOW_MIN px) shrunk to
WINDOW x WINDOW, with the detector's probability map, the region itself and the window's scale as
extra channels, and a small CNN says whether it is damage.

Each window cell is the mean of taps x taps nearest-pixel samples spread evenly over it (taps =
ceil(cell size), so samples are at most 1 px apart and a 1 px scratch never falls between them),
positions clamped to the photo: simple to mirror exactly in the app.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn as nn

WINDOW = 64          # the CNN's input side
WINDOW_MIN = 48      # the smallest window side (in detection pixels): a speck is seen with its surroundings
CONTEXT = 2.0        # window side = CONTEXT x the region's longer bounding-box side
CHANNELS = 6         # R, G, B, detector probability, this region, window scale
SCALE_NORM = 4.0     # scale channel = log2(side / WINDOW_MIN) / SCALE_NORM


def regions(p, threshold):
    """Probability map -> (labels HxW int32, -1 outside; [(x0, y0, w, h, area)] per region), 8-connected."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats((p >= threshold).astype(np.uint8), connectivity=8)
    return lab.astype(np.int32) - 1, [tuple(int(v) for v in stats[i, :5]) for i in range(1, n)]


def window_geometry(box):
    """(x0, y0, w, h, ...) -> (left, top, side) of the region's window in detection pixels."""
    x0, y0, w, h = box[:4]
    side = max(WINDOW_MIN, CONTEXT * max(w, h))
    return x0 + w / 2 - side / 2, y0 + h / 2 - side / 2, side


def _taps(start, side):
    """[WINDOW, taps] float sample positions along one axis of a window."""
    cell = side / WINDOW
    k = max(1, math.ceil(cell))
    return start + (np.arange(WINDOW)[:, None] + (np.arange(k)[None, :] + 0.5) / k) * cell


def window(rgb, p, labels, index, box):
    """One region's [CHANNELS, WINDOW, WINDOW] float32 input. rgb: HxWx3 uint8 (the photo the
    detector saw), p: HxW probability, labels: regions()'s labels."""
    h, w = p.shape
    left, top, side = window_geometry(box)
    xs, ys = _taps(left, side), _taps(top, side)
    ix = np.clip(np.floor(xs), 0, w - 1).astype(np.int64)  # [WINDOW, k]
    iy = np.clip(np.floor(ys), 0, h - 1).astype(np.int64)
    yy, xx = iy[:, :, None, None], ix[None, None, :, :]      # [WINDOW, k, WINDOW, k]
    out = np.empty((CHANNELS, WINDOW, WINDOW), np.float32)
    for c in range(3):
        out[c] = rgb[yy, xx, c].astype(np.float32).mean(axis=(1, 3)) / 255.0
    out[3] = p[yy, xx].astype(np.float32).mean(axis=(1, 3))
    out[4] = (labels[yy, xx] == index).astype(np.float32).mean(axis=(1, 3))
    out[5] = math.log2(side / WINDOW_MIN) / SCALE_NORM
    return out


def windows(rgb, p, threshold):
    """Every region of p >= threshold -> (labels, boxes, [N, CHANNELS, WINDOW, WINDOW] float32)."""
    labels, boxes = regions(p, threshold)
    x = np.stack([window(rgb, p, labels, i, b) for i, b in enumerate(boxes)]) if boxes else np.zeros((0, CHANNELS, WINDOW, WINDOW), np.float32)
    return labels, boxes, x


class MarkCheck(nn.Module):
    """[N, 6, 64, 64] windows -> [N, 1] logits (damage). Four 3x3 conv blocks (16-32-48-64) with
    2x max-pooling between them, then the mean and the max over the last 8x8 map: about 14 M
    multiply-adds a region."""

    def __init__(self, widths=(16, 32, 48, 64)):
        super().__init__()
        layers, cin = [], CHANNELS
        for i, cout in enumerate(widths):
            if i:
                layers.append(nn.MaxPool2d(2))
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(2 * cin, 1)

    def forward(self, x):
        f = self.features(x)
        return self.head(torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], 1))


@torch.no_grad()
def keep_mask(check, rgb, p, threshold, check_threshold, batch=256):
    """The detector's mask with the regions the check (a MarkCheck: logits) rejects removed (bool HxW),
    and the number of regions found and kept."""
    labels, boxes, x = windows(rgb, p, threshold)
    if not boxes:
        return np.zeros(p.shape, bool), 0, 0
    probs = np.concatenate([torch.sigmoid(check(torch.from_numpy(x[i:i + batch])))[:, 0].numpy() for i in range(0, len(x), batch)])
    keep = np.append(probs >= check_threshold, False)  # labels -1 -> the appended False
    return keep[labels], len(boxes), int((probs >= check_threshold).sum())
