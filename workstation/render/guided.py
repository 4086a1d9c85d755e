"""The guided filter, and with it a character's alpha enlarged edge-aware: the soft band of an alpha
enlarged from the model square snaps to the edges of the full-resolution source frame. No Qt, no torch.

The filter is that of K. He, J. Sun and X. Tang, "Guided Image Filtering", IEEE TPAMI 35(6), 2013
(Algorithm 1, one grey guide): in every (2r+1)² window the output is a linear function of the guide,
``q = a * I + b``, fitted to the source by least squares with ``eps`` penalising ``a``; each pixel
takes the mean of the ``a`` and ``b`` of the windows that cover it. Written with normalised box
filters (``cv2.boxFilter``), so its cost does not depend on the radius; ``cv2.ximgproc`` is not
in the headless OpenCV build. Design: docs/DESIGN.md, "Output at the source's own size".
"""

from __future__ import annotations

import cv2
import numpy as np


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """``source`` (float32 [H, W]) filtered under ``guide`` (float32 [H, W] grey in [0, 1], or
    [H, W, 3], of which the grey mean is used), with windows of side ``2 * radius + 1`` and the
    regularisation ``eps`` (in the guide's units squared: edges whose variance is well above it
    are kept). Returns float32 [H, W], not clipped."""
    if not isinstance(radius, int | np.integer) or radius < 1:
        raise ValueError(f"radius={radius!r}: must be a whole number of at least 1")
    if not eps > 0:
        raise ValueError(f"eps={eps!r}: must be above 0")
    grey = guide.mean(axis=2) if guide.ndim == 3 else guide
    if grey.shape != source.shape or source.ndim != 2:
        raise ValueError(f"guide {guide.shape} and source {source.shape}: need [H, W] (or [H, W, 3]) and [H, W]")
    guide_ = np.ascontiguousarray(grey, np.float32)
    source_ = np.ascontiguousarray(source, np.float32)
    side = 2 * int(radius) + 1

    def mean(image: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(image, -1, (side, side), normalize=True, borderType=cv2.BORDER_REFLECT)

    mean_guide, mean_source = mean(guide_), mean(source_)
    variance = mean(guide_ * guide_) - mean_guide * mean_guide
    covariance = mean(guide_ * source_) - mean_guide * mean_source
    slope = covariance / (variance + np.float32(eps))
    offset = mean_source - slope * mean_guide
    return (mean(slope) * guide_ + mean(offset)).astype(np.float32, copy=False)


def edge_aware_alpha(alpha_square_up: np.ndarray, guide: np.ndarray, radius: int, eps: float = 1e-3) -> np.ndarray:
    """A matte already enlarged (bilinear) from the model square to the guide's size, float32
    [H, W] in [0, 1], with its soft band refined by the guided filter under ``guide`` and clipped
    to [0, 1]. Every pixel where the enlarged matte is exactly 0 or exactly 1 keeps that value: the
    matte rule's promise (exactly 0 away from a character, exactly 1 inside) holds at any size."""
    alpha = np.asarray(alpha_square_up, np.float32)
    refined = np.clip(guided_filter(guide, alpha, radius, eps), 0.0, 1.0)
    decided = (alpha == 0.0) | (alpha == 1.0)
    return np.where(decided, alpha, refined).astype(np.float32, copy=False)
