"""T^Z refined by a dense displacement (docs/DESIGN.md, "Motion as a field of parts"): a model with
``model.dense`` = D moves a character by the whole body's transform and then by D x D displacements
in every feature cell, so a limb can swing while the body walks on, with no parts to find first.

- **What the head reads.** The first frame's features placed by the body's motion (so both frames of
  the pair stand where the second one is) beside the second frame's, detached as the registration
  reads them (``SceneModel.registered_motion`` says why). What it says of the second frame beside
  itself is taken off, so a still pair has no displacement. Its last layer starts at zero, so a
  model warm-started from a single affine one starts equal to it.
- **What it says.** A displacement [N,2,hD,wD] in grid units over the second frame (each feature
  cell's D x D from its channels, as a pixel shuffle lays them out): where each place samples the
  first frame, beyond where the body's motion samples it (each saying bounded by ``REACH``).
- **Relative transfer.** The displacement is re-centred on the character's pivot as the second
  frame shows it (the point the body's motion sends the first frame's pivot to), and laid on the
  rendered character about its own: First Order Motion's relative mode, for a field. A motion
  source that does not move gives none, and the rendered character only its body's motion.
- **The field.** The body's affine grid over the square plus the displacement, re-centred and
  enlarged bilinearly.

The displacement travels with the body's theta as thetas [N, 1 + hD*wD, 2, 3] (the parts' layout,
``training/model/parts.py``): row 0 the body's relative theta, then one translation per place of the
displacement. Written from the idea of First Order Motion's dense motion (Siarohin et al. 2019);
no code of theirs is used.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from training.model.alignment import centroid, theta_from, translation_theta, warp, with_shift
from training.model.config import ModelConfig
from training.model.parts import inverse_2x2

REACH = 0.5  # the largest displacement the head says of a pair, in grid units (a quarter of the square)


class DenseMotion(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        c, w = config.feature_channels, config.motion_width
        self.head = nn.Sequential(
            nn.Conv2d(2 * c, w, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(w, w, 3, padding=2, dilation=2), nn.LeakyReLU(0.1),
            nn.Conv2d(w, w, 3, padding=4, dilation=4), nn.LeakyReLU(0.1),
            nn.Conv2d(w, w, 3, padding=1), nn.LeakyReLU(0.1),
        )
        self.steps = config.dense  # displacements per feature cell side
        self.out = nn.Conv2d(w, 2 * self.steps**2, 3, padding=1)
        for parameter in self.out.parameters():
            nn.init.zeros_(parameter)

    def motion(self, features_from: torch.Tensor, features_to: torch.Tensor, whole: torch.Tensor) -> torch.Tensor:
        """[N,hD*wD,2,3]: the displacement for the change features_from -> features_to, re-centred on
        the character's pivot as features_to shows it, one translation theta per place; ``whole``
        [N,2,3] is the body's relative theta."""
        detached_from, detached_to = features_from.detach().float(), features_to.detach().float()
        pivot = centroid(detached_from)
        body = theta_from(whole.float(), pivot)
        placed = warp(detached_from, body)
        # beside the pair, the second frame against itself: what the head says of a still pair is
        # taken off, so a motion source that does not move moves nothing
        pairs = torch.cat([torch.cat([placed, detached_to], dim=1), torch.cat([detached_to, detached_to], dim=1)])
        said = REACH * torch.tanh(F.pixel_shuffle(self.out(self.head(F.instance_norm(pairs, eps=1e-3))),
                                                  self.steps).float())
        displacement = said[: placed.shape[0]] - said[placed.shape[0]:]
        recentred = warp(displacement, translation_theta(landed_pivot(whole.float(), pivot)))
        n, _, h, w = recentred.shape
        shifts = recentred.permute(0, 2, 3, 1).reshape(n, h * w, 2)
        eye = torch.eye(2, device=shifts.device).expand(n, h * w, 2, 2)
        return with_shift(eye, shifts)

    @staticmethod
    def field(features: torch.Tensor, thetas: torch.Tensor, size: int) -> tuple[torch.Tensor, None]:
        """(field [N,S,S,2] channels last, None) of the character ``features`` moved by ``thetas``
        [N,1+hD*wD,2,3]: the body's grid plus the displacement laid about this character's pivot."""
        n, side = features.shape[0], math.isqrt(thetas.shape[1] - 1)
        whole = thetas[:, 0].float()
        pivot = centroid(features)
        grid = F.affine_grid(theta_from(whole, pivot), [n, 1, size, size], align_corners=False)
        recentred = thetas[:, 1:, :, 2].float().reshape(n, side, side, 2).permute(0, 3, 1, 2)
        laid = warp(recentred, translation_theta(-landed_pivot(whole, pivot)))
        enlarged = F.interpolate(laid, size=(size, size), mode="bilinear", align_corners=False)
        return grid + enlarged.permute(0, 2, 3, 1), None


def landed_pivot(relative: torch.Tensor, pivot: torch.Tensor) -> torch.Tensor:
    """[N,2]: where the pivot-relative theta's sampling map S(q) = c + L (q - c) + t sends the
    output to sample ``pivot`` c, q = c - L^-1 t: the character's pivot as the moved frame shows it."""
    inverse = inverse_2x2(relative[:, :, :2])
    return pivot - torch.einsum("nij,nj->ni", inverse, relative[:, :, 2])
