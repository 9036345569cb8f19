"""Image quality measures the model folders' evaluations share (numpy + OpenCV, no torch)."""
from __future__ import annotations

import cv2
import numpy as np


def ssim_map(a, b):
    """SSIM map (Wang et al. 2004: gaussian 11x11, sigma 1.5, K = 0.01 / 0.03, data range 1; OpenCV's
    reflected borders) of CHW images in [0,1], averaged over channels."""
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    maps = []
    for c in range(a.shape[0]):
        x, y = a[c].astype(np.float64), b[c].astype(np.float64)
        bl = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5)  # noqa: E731
        mx, my = bl(x), bl(y)
        sxx, syy, sxy = bl(x * x) - mx * mx, bl(y * y) - my * my, bl(x * y) - mx * my
        maps.append(((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sxx + syy + C2)))
    return np.mean(maps, 0)
