"""Where a character is in feature space and how two are aligned: the affine warp (affine_grid
convention), soft centroids of the character energy, thetas about a pivot, and the rotation
search that T^Z's registration starts from (SceneModel.registered_motion). workstation/render/
geometry.py is the numpy twin of the warp and the centroids (tests/test_geometry.py)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

IDENTITY_THETA = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))


def warp(features: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample features by an affine theta (affine_grid convention), bilinear, zero padding."""
    grid = F.affine_grid(theta.to(features.dtype), list(features.shape), align_corners=False)
    return F.grid_sample(features, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def centroid(features: torch.Tensor) -> torch.Tensor:
    """Soft centroid [N,2] (x, y in normalized units) of where the character features carry energy."""
    return centroid_of(energy_map(features))


def centroid_of(energy: torch.Tensor) -> torch.Tensor:
    """Soft centroid [N,2] of an energy map [N,1,h,w]."""
    n, _, h, w = energy.shape
    energy = energy.reshape(n, h * w)
    weights = energy / (energy.sum(dim=1, keepdim=True) + 1e-8)
    ys = (torch.arange(h, device=energy.device, dtype=torch.float32) * 2 + 1) / h - 1
    xs = (torch.arange(w, device=energy.device, dtype=torch.float32) * 2 + 1) / w - 1
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    cx = (weights * grid_x.reshape(1, -1)).sum(dim=1)
    cy = (weights * grid_y.reshape(1, -1)).sum(dim=1)
    return torch.stack([cx, cy], dim=1)


def theta_about(theta: torch.Tensor, pivot: torch.Tensor) -> torch.Tensor:
    """Express a plain theta relative to ``pivot``: p - m = A (q - m) + t' with t' = t + A m - m."""
    linear, shift = theta[:, :, :2], theta[:, :, 2]
    relative_shift = shift + torch.einsum("nij,nj->ni", linear, pivot) - pivot
    return torch.cat([linear, relative_shift.unsqueeze(2)], dim=2)


def theta_from(relative: torch.Tensor, pivot: torch.Tensor) -> torch.Tensor:
    """Apply a pivot-relative theta about ``pivot``: the inverse of ``theta_about``."""
    linear, shift = relative[:, :, :2], relative[:, :, 2]
    plain_shift = shift - torch.einsum("nij,nj->ni", linear, pivot) + pivot
    return torch.cat([linear, plain_shift.unsqueeze(2)], dim=2)


class RotationSearch(nn.Module):
    """(energy_from, energy_to) -> angle [N] (radians, the angle of ``rotation_linear``): a soft
    arg-max over candidate rotations of the cosine similarity between the first energy map turned
    and the second, both centred on their character. Energy maps, not the features: a warp moves
    where the character is, which the energy map says without the per-channel detail (and 64
    times cheaper). The candidates span the +-60 degrees a Moving MNIST pair can turn, with a
    margin; the sharpness of the soft arg-max is learnt."""

    CANDIDATES_DEGREES = tuple(range(-75, 76, 5))
    angles: torch.Tensor  # [K] radians, a buffer
    turns: torch.Tensor  # [K, 2, 3], a buffer

    def __init__(self) -> None:
        super().__init__()
        angles = torch.deg2rad(torch.tensor(self.CANDIDATES_DEGREES, dtype=torch.float32))
        self.register_buffer("angles", angles, persistent=False)
        self.register_buffer("turns", rotation_theta(angles), persistent=False)  # [K, 2, 3]
        self.log_sharpness = nn.Parameter(torch.tensor(math.log(100.0)))

    def forward(self, energy_from: torch.Tensor, energy_to: torch.Tensor) -> torch.Tensor:
        n, k = energy_from.shape[0], self.angles.numel()
        target = energy_to.reshape(n, 1, -1)
        turned = warp(energy_from.repeat_interleave(k, dim=0), self.turns.repeat(n, 1, 1)).reshape(n, k, -1)
        similarity = (turned * target).sum(-1) / (turned.norm(dim=-1) * target.norm(dim=-1) + 1e-6)
        weights = torch.softmax(similarity * self.log_sharpness.clamp(0.0, 6.0).exp(), dim=1)
        return (weights * self.angles).sum(dim=1)


def energy_map(features: torch.Tensor) -> torch.Tensor:
    """[N,1,h,w] float32: where the character is. The outermost ring of cells is left out (zero);
    inside it, the mean square over channels of each channel's departure from its own mean, less
    the average of that over the cells, clipped at 0.
    f_c also carries a field that is the same everywhere (90% of the raw energy of a trained f_c,
    measured) and a rim from the encoder's zero padding that is the same in every frame (up to
    0.9 of the character's peak); neither says where the character is."""
    inner = features.float()[:, :, 1:-1, 1:-1]
    energy = (inner - inner.mean(dim=(2, 3), keepdim=True)).pow(2).mean(dim=1, keepdim=True)
    # What is left away from the character (its own share of each channel's mean, squared) is
    # below the average energy and is dropped, so it cannot pull the centroid to the middle.
    energy = F.relu(energy - energy.mean(dim=(2, 3), keepdim=True))
    return F.pad(energy, (1, 1, 1, 1))


def rotation_linear(angle: torch.Tensor) -> torch.Tensor:
    """[..., 2, 2] rotation matrices for angles [...] in radians."""
    cos, sin = torch.cos(angle), torch.sin(angle)
    return torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)


def rotation_theta(angle: torch.Tensor) -> torch.Tensor:
    """[..., 2, 3]: the theta of a turn about the centre, for angles [...] in radians."""
    linear = rotation_linear(angle)
    return with_shift(linear, linear.new_zeros(*linear.shape[:-1]))


def with_shift(linear: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    return torch.cat([linear, shift.unsqueeze(-1)], dim=-1)


def translation_theta(offset: torch.Tensor) -> torch.Tensor:
    """The theta whose warp moves what is at ``offset`` [N,2] (normalized units) to the centre."""
    eye = torch.eye(2, device=offset.device, dtype=offset.dtype).expand(offset.shape[0], 2, 2)
    return torch.cat([eye, offset.unsqueeze(2)], dim=2)


def identity_theta(n: int, device=None) -> torch.Tensor:
    return torch.tensor(IDENTITY_THETA, device=device).expand(n, 2, 3).clone()
