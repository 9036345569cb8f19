"""The losses of the detail fine-tune (train_gan.py): a small PatchGAN discriminator, a feature loss and an
identity loss on the frozen face-api recognition net (recognition.py)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class PatchDiscriminator(nn.Module):
    """Real/fake score per ~46 px patch (4 strided convs): it judges texture, not the whole face, so it asks
    for plausible skin, hair and eye detail without steering the face's shape. Spectral norm keeps it
    from overpowering a generator trained with small adversarial weight."""

    def __init__(self, width=32):
        super().__init__()
        w = width
        conv = lambda i, o, s: spectral_norm(nn.Conv2d(i, o, 4, s, 1))
        self.body = nn.Sequential(conv(3, w, 2), nn.LeakyReLU(0.2, True), conv(w, 2 * w, 2), nn.LeakyReLU(0.2, True),
                                  conv(2 * w, 4 * w, 2), nn.LeakyReLU(0.2, True), conv(4 * w, 4 * w, 1), nn.LeakyReLU(0.2, True),
                                  conv(4 * w, 1, 1))

    def forward(self, x):
        return self.body(x * 2 - 1)


def d_hinge(d, real, fake):
    """Discriminator hinge loss on real and (detached) fake images."""
    return F.relu(1 - d(real)).mean() + F.relu(1 + d(fake)).mean()


def g_hinge(d, fake):
    return -d(fake).mean()


def feature_loss(feats, ref):
    """Mean over the taps of the L1 distance of the feature maps, each relative to the clean face's mean
    activation, so every resolution counts about equally."""
    return sum((feats[k] - ref[k]).abs().mean() / ref[k].abs().mean().clamp_min(1e-6) for k in ref) / len(ref)


def identity_loss(desc, ref):
    """1 - cosine of the recognition descriptors, averaged over the batch."""
    return (1 - F.cosine_similarity(desc, ref, dim=1)).mean()
