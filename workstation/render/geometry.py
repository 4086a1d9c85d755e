"""Feature-space geometry in numpy: the same arithmetic as training/model/alignment.py, without torch.

Theta follows ``affine_grid``: a [2, 3] (or [N, 2, 3]) matrix mapping output coordinates to sampling
coordinates, in normalized [-1, 1] units (x right, y down). ``warp`` is affine_grid + grid_sample;
``centroid`` is training's character centroid, ``energy_centroid`` the plain one of older bundles.
A hand ``Pose`` (offsets in fractions of the model square's side, degrees clockwise, scale) becomes
a forward 3x3 map with ``pose_matrix`` and is applied after a motion, about where the motion took
the character, with ``compose_pose``.
tests/test_geometry.py checks this module against training's torch code.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from workstation.project import Pose

IDENTITY_THETA = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)


# -- centroids --------------------------------------------------------------------------------------
def centroid(features: np.ndarray) -> np.ndarray:
    """[N, 2] soft centroid (x, y, normalized) of the character energy, as training.model.alignment.centroid:
    inside the outermost ring of cells, each channel's departure from its mean there, squared,
    averaged over channels, less its average over those cells and clipped at 0."""
    inner = features[:, :, 1:-1, 1:-1].astype(np.float32)
    energy = np.square(inner - inner.mean(axis=(2, 3), keepdims=True)).mean(axis=1)
    energy = np.maximum(energy - energy.mean(axis=(1, 2), keepdims=True), 0.0)
    return _weighted_centre(np.pad(energy, ((0, 0), (1, 1), (1, 1))))


def energy_centroid(features: np.ndarray) -> np.ndarray:
    """[N, 2] soft centroid of the plain feature energy: what bundles without a "centroid" key use."""
    return _weighted_centre(np.square(features, dtype=np.float32).mean(axis=1))


def _weighted_centre(energy: np.ndarray) -> np.ndarray:
    n, h, w = energy.shape
    energy = energy.reshape(n, h * w)
    weights = energy / (energy.sum(axis=1, keepdims=True) + 1e-8)
    ys = (np.arange(h, dtype=np.float32) * 2 + 1) / h - 1
    xs = (np.arange(w, dtype=np.float32) * 2 + 1) / w - 1
    grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
    return np.stack([weights @ grid_x.reshape(-1), weights @ grid_y.reshape(-1)], axis=1)


# -- the character and its field ----------------------------------------------------------------------
def character_only(features: np.ndarray) -> np.ndarray:
    """Character features [N, C, h, w] less what f_c carries everywhere: each channel's field (its
    median over the inner cells) and the rim its padding leaves (the outermost ring, set to zero).
    Added to a scene that already holds one character's features, these add the character alone;
    added whole, they add a second field, and the picture washes out."""
    inner = features[:, :, 1:-1, 1:-1]
    character = np.zeros_like(features)
    character[:, :, 1:-1, 1:-1] = inner - np.median(inner, axis=(2, 3), keepdims=True)
    return character


def split_field(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One character's features [C, h, w] as (its ``character_only`` part, the rest: the field and
    the rim), which add up to ``features``."""
    character = character_only(features[None])[0]
    return character, features - character


# -- thetas and the warp --------------------------------------------------------------------------------
def theta_about(theta: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """[N, 2, 3] absolute thetas re-expressed relative to ``pivot`` [N, 2] (as training's)."""
    linear, shift = theta[:, :, :2], theta[:, :, 2]
    return np.concatenate([linear, (shift + np.einsum("nij,nj->ni", linear, pivot) - pivot)[:, :, None]], axis=2)


def theta_from(relative: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """Pivot-relative thetas applied about ``pivot``: the inverse of ``theta_about``."""
    linear, shift = relative[:, :, :2], relative[:, :, 2]
    return np.concatenate([linear, (shift - np.einsum("nij,nj->ni", linear, pivot) + pivot)[:, :, None]], axis=2)


def warp(features: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """affine_grid + grid_sample (bilinear, zero padding, align_corners=False) for [N, C, H, W]."""
    n, c, h, w = features.shape
    xs = (np.arange(w, dtype=np.float32) * 2 + 1) / w - 1
    ys = (np.arange(h, dtype=np.float32) * 2 + 1) / h - 1
    grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
    base = np.stack([grid_x, grid_y, np.ones_like(grid_x)], axis=-1).reshape(-1, 3)  # [HW, 3]
    out = np.zeros_like(features)
    for b in range(n):
        sample = base @ theta[b].T.astype(np.float32)  # [HW, 2] in normalized units
        px = ((sample[:, 0] + 1) * w - 1) / 2
        py = ((sample[:, 1] + 1) * h - 1) / 2
        x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
        fx, fy = px - x0, py - y0
        flat = features[b].reshape(c, h * w)
        accumulated = np.zeros((c, h * w), dtype=np.float32)
        for dx, dy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                               (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            x, y = x0 + dx, y0 + dy
            inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            index = np.where(inside, y * w + x, 0)
            accumulated += flat[:, index] * (weight * inside)
        out[b] = accumulated.reshape(c, h, w)
    return out


# -- hand poses -------------------------------------------------------------------------------------
def is_identity_pose(pose: Pose) -> bool:
    return (pose.tx, pose.ty, pose.rotation, pose.scale) == (0, 0, 0, 1)


def pose_matrix(pose: Pose, centre: np.ndarray) -> np.ndarray:
    """The forward 3x3 map (normalized units) of a hand pose: rotate (degrees, clockwise on screen)
    and scale about ``centre``, then translate by (tx, ty) fractions of the model square's side
    (the square is 2 normalized units wide)."""
    radians = math.radians(pose.rotation)
    cos, sin = math.cos(radians) * pose.scale, math.sin(radians) * pose.scale
    cx, cy = float(centre[0]), float(centre[1])
    return np.array([
        [cos, -sin, cx - cos * cx + sin * cy + 2.0 * pose.tx],
        [sin, cos, cy - sin * cx - cos * cy + 2.0 * pose.ty],
        [0.0, 0.0, 1.0],
    ], dtype=np.float64)


def compose_pose(relative_theta: np.ndarray, pose: Pose) -> np.ndarray:
    """A centre-relative theta [2, 3] with a hand pose applied after the motion, about the
    character's current centre (where the motion has taken it)."""
    if is_identity_pose(pose):
        return relative_theta
    sampling = np.vstack([relative_theta.astype(np.float64), [0.0, 0.0, 1.0]])
    motion = np.linalg.inv(sampling)  # forward map of the motion
    current_centre = motion[:2, 2]  # where the motion takes the centre (the origin of this frame)
    forward = pose_matrix(pose, current_centre) @ motion
    return np.linalg.inv(forward)[:2].astype(np.float32)
