"""Sampling fields (bundle format 3): for each pixel of the square a character is drawn into, where
in its source square it samples from, [2, S, S] in grid_sample units (channel 0 x, 1 y; pixel
centres at ``(2i + 1) / S - 1``). An affine theta's field is ``affine_field``; a hand pose moves a
field as ``posed_field`` says, and any planes of that square (part masks) as ``posed_planes``;
``source_maps`` turns a field, enlarged to output pixels, into the pixel maps ``cv2.remap``
samples a clip's own frame with. No Qt, no torch.
"""

from __future__ import annotations

import cv2
import numpy as np

from workstation.render.framing import Matrix, normalized, theta_matrix


def affine_field(theta: np.ndarray, size: int) -> np.ndarray:
    """[N, 2, S, S]: ``affine_grid(theta)`` of thetas [N, 2, 3], channels first."""
    centres = (np.arange(size, dtype=np.float64) * 2 + 1) / size - 1
    ys, xs = np.meshgrid(centres, centres, indexing="ij")
    points = np.stack([xs, ys, np.ones_like(xs)])  # [3, S, S]
    return np.einsum("nij,jhw->nihw", np.asarray(theta, np.float64), points).astype(np.float32)


def beyond_affine(field: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """[2, S, S]: what ``field`` holds beyond the affine field of ``theta`` [2, 3], in grid units."""
    residual: np.ndarray = field - affine_field(theta[None], field.shape[-1])[0]
    return residual


def posed_field(field: np.ndarray, theta: np.ndarray, posed_theta: np.ndarray) -> np.ndarray:
    """``field`` [2, S, S] (whose best affine is ``theta``) moved as ``theta`` is moved into
    ``posed_theta`` by a hand pose: ``posed(u) = field(Q u)`` with ``Q = theta^-1 posed_theta``.
    The affine part is exact everywhere; what the field holds beyond it is resampled bilinearly
    (``cv2.remap``) and is zero where ``Q u`` leaves the square."""
    size = field.shape[-1]
    exact = affine_field(posed_theta[None], size)[0]
    residual = beyond_affine(field, theta)
    if not np.any(residual):
        return exact
    return exact + posed_planes(residual, theta, posed_theta)


def posed_planes(planes: np.ndarray, theta: np.ndarray, posed_theta: np.ndarray) -> np.ndarray:
    """Planes [C, S, S] of the square a character is drawn into (what its field holds beyond the
    affine, its part masks) moved as a hand pose moves ``theta`` into ``posed_theta``:
    ``posed(u) = planes(Q u)`` with ``Q = theta^-1 posed_theta``, bilinear, zero where ``Q u``
    leaves the square."""
    size = planes.shape[-1]
    to_pixels = np.linalg.inv(normalized(size))
    q = to_pixels @ np.linalg.inv(theta_matrix(theta)) @ theta_matrix(posed_theta) @ normalized(size)
    centres = np.arange(size, dtype=np.float64)
    ys, xs = np.meshgrid(centres, centres, indexing="ij")
    map_x = (q[0, 0] * xs + q[0, 1] * ys + q[0, 2]).astype(np.float32)
    map_y = (q[1, 0] * xs + q[1, 1] * ys + q[1, 2]).astype(np.float32)
    channels_last = np.ascontiguousarray(planes.transpose(1, 2, 0), dtype=np.float32)
    moved = cv2.remap(channels_last, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return moved.reshape(size, size, -1).transpose(2, 0, 1)


def source_maps(field: np.ndarray, size: int, square_to_image: Matrix) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 [h, w]: a field [2, h, w] (already enlarged to the pixels drawn) as
    positions in a clip frame whose square -> frame pixel map is ``square_to_image``."""
    to_square = np.linalg.inv(normalized(size))  # grid units -> square pixels
    m = square_to_image @ to_square
    x, y = field[0].astype(np.float64), field[1].astype(np.float64)
    return ((m[0, 0] * x + m[0, 1] * y + m[0, 2]).astype(np.float32),
            (m[1, 0] * x + m[1, 1] * y + m[1, 2]).astype(np.float32))
