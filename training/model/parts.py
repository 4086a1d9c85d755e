"""T^Z as a field of parts (docs/DESIGN.md, "Motion as a field of parts"): a model with
``model.parts`` K >= 2 moves a character by the whole body's transform and K part transforms, and
samples it through their blend, so an arm can rise while the body walks on.

- **Where each part is.** A small head on f_c gives, per feature cell, a softmax over the K parts;
  times where the character is (the energy map over its peak), that is each part's *presence*
  [N,K,h,w] in its own frame. The head reads the features detached, as the registration does
  (``SceneModel.registered_motion`` says why), so it learns where parts are without reshaping f_c.
- **How a part moves.** For a motion pair, each part's pivot (its presence-weighted centroid) moves
  from the first frame's to the second's, with the whole body's linear map. ``part_motion =
  "shift"``: that move about the part's own pivot; ``"residual"``: the body's motion, then what it
  leaves of that move (relative to the body's pivot, so a part that moves with the body moves exactly
  as the body does, refinements and all); ``"gated"``: residual, with that displacement scaled by a
  learnt gate that starts at 0, so a part model warm-started from a single affine one starts equal to it.
- **Relative transfer.** Each part's change is applied about the *rendered* character's own pivot
  (its part's, or its body's: First Order Motion's relative mode, here per part), so a character
  keeps its proportions.
- **The field.** At each pixel q of the square, part k's mask is its presence where its transform
  samples from, presence_k(T_k(q)): where the part lands once moved. The whole body's transform
  weighs ``WHOLE_WEIGHT`` everywhere, so what no part claims (the space around the character)
  follows the body. Masks are normalised to sum to one, and the field is their blend of the
  transforms' sampling positions.

Motion is passed around as relative thetas [N, 1 + K, 2, 3]: row 0 the whole body's (what a
single-affine model's motion is), rows 1.. the parts'. Written from the ideas of First Order Motion
(Siarohin et al. 2019, dense motion from local affine transforms and soft masks) and of MRAA
(Siarohin et al. 2021, regions found without labels); no code of theirs is used.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from training.model.alignment import (
    centroid,
    centroid_of,
    energy_map,
    theta_from,
    with_shift,
)
from training.model.config import ModelConfig

# "gated": the gate's value is GATE_RATE times its parameter, so Adam (steps of about the learning rate)
# can open it within a few hundred steps
GATE_RATE = 10.0
WHOLE_WEIGHT = 0.05  # the whole body's share where no part lands (parts' presence peaks at 1)


class PartMotion(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.count = config.parts
        c = config.feature_channels
        self.segmenter = nn.Sequential(
            nn.Conv2d(c, 64, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(64, 64, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(64, self.count, 1),
        )
        self.residual = config.part_motion in ("residual", "gated")
        if config.part_motion == "gated":  # the parts' own displacement, let in from zero as it helps
            self.gate = nn.Parameter(torch.zeros(()))

    def presence(self, features: torch.Tensor) -> torch.Tensor:
        """[N,K,h,w] float32: how much of each part is at each feature cell (0 away from the character)."""
        detached = features.detach().float()
        logits = self.segmenter(F.instance_norm(detached, eps=1e-3))
        energy = energy_map(detached)
        energy = energy / (energy.amax(dim=(2, 3), keepdim=True) + 1e-8)
        return torch.softmax(logits.float(), dim=1) * energy

    @staticmethod
    def pivots(presence: torch.Tensor) -> torch.Tensor:
        """[N,K,2]: each part's presence-weighted centroid (normalized units)."""
        n, k, h, w = presence.shape
        return centroid_of(presence.reshape(n * k, 1, h, w)).view(n, k, 2)

    def motion(self, features_from: torch.Tensor, features_to: torch.Tensor, whole: torch.Tensor) -> torch.Tensor:
        """[N,K,2,3]: each part's theta for the change features_from -> features_to, with ``whole``
        [N,2,3] the whole body's relative theta. "shift": relative to the part's pivot in
        features_from, which moves to its pivot in features_to with the body's linear map;
        "residual": relative to the body's pivot, the body's motion followed by the displacement
        the body's motion leaves between the part's pivots."""
        present_from, present_to = self.presence(features_from), self.presence(features_to)
        pivot_from, pivot_to = self.pivots(present_from), self.pivots(present_to)
        n, k = features_from.shape[0], self.count
        linear = whole[:, None, :, :2].float().expand(n, k, 2, 2)
        if self.residual:
            # the body's forward map F = S^-1 of its sampling map S (p = c + L (q - c) + t about c)
            body = theta_from(whole.float(), centroid(features_from))
            inverse = inverse_2x2(body[:, :, :2])
            carried = torch.einsum("nij,nkj->nki", inverse, pivot_from - body[:, None, :, 2])
            # the part samples where the body samples, less its own displacement: S(q - r)
            left = pivot_to - carried
            if hasattr(self, "gate"):
                left = left * (GATE_RATE * self.gate)
            shift = whole[:, None, :, 2].float() - torch.einsum("nkij,nkj->nki", linear, left)
        else:  # the part at pivot_to samples the first frame at pivot_from: p - c_from = L (q - c_from) + t
            shift = -torch.einsum("nkij,nkj->nki", linear, pivot_to - pivot_from)
        return with_shift(linear, shift)

    def field(self, features: torch.Tensor, thetas: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(field [N,S,S,2] channels last, masks [N,1+K,S,S]) of the character ``features`` moved
        by ``thetas`` [N,1+K,2,3] (relative), each re-anchored on this character's own pivots; mask 0
        is the whole body's, and the masks sum to one at every pixel."""
        n, k, h, w = features.shape[0], self.count, *features.shape[2:]
        presence = self.presence(features)
        body = centroid(features)[:, None]
        pivots = body.expand(n, k + 1, 2) if self.residual else torch.cat([body, self.pivots(presence)], dim=1)
        absolute = theta_from(thetas.float().reshape(n * (k + 1), 2, 3), pivots.reshape(n * (k + 1), 2))
        grids = F.affine_grid(absolute, [n * (k + 1), 1, size, size], align_corners=False).view(n, k + 1, size, size, 2)
        landed = F.grid_sample(presence.reshape(n * k, 1, h, w), grids[:, 1:].reshape(n * k, size, size, 2),
                               mode="bilinear", padding_mode="zeros", align_corners=False).view(n, k, size, size)
        weights = torch.cat([landed.new_full((n, 1, size, size), WHOLE_WEIGHT), landed], dim=1)
        masks = weights / weights.sum(dim=1, keepdim=True)
        return (masks.unsqueeze(-1) * grids).sum(dim=1), masks


def inverse_2x2(matrix: torch.Tensor) -> torch.Tensor:
    """[N,2,2] inverses in closed form (ONNX has no matrix inverse)."""
    a, b, c, d = matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 1, 0], matrix[:, 1, 1]
    return torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2) / (a * d - b * c)[:, None, None]
