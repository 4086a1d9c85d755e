"""Metrics of the paper's evaluation: per-example MSE / PSNR with a 95% CI, r^2, SVD angles, alpha IoU,
and the sharpness of a prediction against the truth."""

from __future__ import annotations

import numpy as np

Z_95 = 1.959963984540054
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 luma, as OpenCV's RGB2GRAY


def per_example_mse(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mean squared error of each example over all its pixels and channels; images in [0, 1]."""
    difference = (np.asarray(prediction, np.float64) - np.asarray(target, np.float64)) ** 2
    return difference.reshape(len(difference), -1).mean(axis=1)


def psnr_from_mse(mse: np.ndarray, floor: float = 1e-10) -> np.ndarray:
    """PSNR in dB for a peak of 1.0; identical images are clamped to the floor's 100 dB."""
    return 10.0 * np.log10(1.0 / np.maximum(mse, floor))


def mean_ci95(values: np.ndarray) -> tuple[float, float]:
    """The mean and the half-width of its normal 95% confidence interval."""
    values = np.asarray(values, np.float64)
    if len(values) < 2:
        return float(values.mean()), float("nan")
    return float(values.mean()), float(Z_95 * values.std(ddof=1) / np.sqrt(len(values)))


def r2_score(x: np.ndarray, y: np.ndarray) -> float:
    """r^2 of a least-squares linear regression (with intercept) from x [n, p] to y [n, q],
    averaged uniformly over the outputs, as sklearn's LinearRegression().score."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    y = np.asarray(y, np.float64).reshape(len(y), -1)
    design = np.hstack([x, np.ones((len(x), 1))])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = ((y - design @ coefficients) ** 2).sum(axis=0)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), 1.0)
    return float(scores.mean())


def svd_rotation_angle(matrices: np.ndarray) -> np.ndarray:
    """Angle in degrees of the rotation R = U V^T closest to each 2x2 linear part (Arun et al.)."""
    linear = np.asarray(matrices, np.float64)[:, :2, :2]
    u, _, vt = np.linalg.svd(linear)
    rotation = u @ vt
    return np.degrees(np.arctan2(rotation[:, 1, 0], rotation[:, 0, 0]))


def per_example_sse(prediction: np.ndarray, target: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Sum of squared errors of each example over its pixels and channels (NCHW, images in [0, 1]);
    with ``where`` (N x H x W, boolean) over the pixels it marks only."""
    difference = (np.asarray(prediction, np.float64) - np.asarray(target, np.float64)) ** 2
    if where is not None:
        difference = difference * np.asarray(where, bool)[:, None]
    return difference.reshape(len(difference), -1).sum(axis=1)


def mask_iou(alpha: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per example: the IoU of where ``alpha`` [n, 1, S, S] is >= 0.5 with the mask ``truth`` [n, S, S]."""
    drawn = alpha[:, 0] >= 0.5
    return (drawn & truth).sum(axis=(1, 2)) / np.maximum((drawn | truth).sum(axis=(1, 2)), 1)


def gradient_magnitude(images: np.ndarray) -> np.ndarray:
    """[N, H, W]: the length of the grey image's gradient at each pixel of ``images`` [N, 3, H, W],
    by central differences (one-sided at the image's edge), in intensity per pixel."""
    grey = np.tensordot(np.asarray(images, np.float64), GREY_WEIGHTS, axes=([1], [0]))
    dy, dx = np.gradient(grey, axis=(1, 2))
    return np.hypot(dx, dy)


def per_example_sharpness(prediction: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per example: the mean gradient magnitude of ``prediction`` inside ``mask`` (N x H x W,
    boolean: where the true character is) over that of ``truth`` there. 1.0 is as sharp as the
    truth, below it blurred; doubled strokes and noise raise it too, so read it beside the error.
    NaN where the truth has no gradient inside its mask (an empty mask)."""
    mask = np.asarray(mask, bool)
    inside = np.maximum(mask.sum(axis=(1, 2)), 1)
    predicted = (gradient_magnitude(prediction) * mask).sum(axis=(1, 2)) / inside
    true = (gradient_magnitude(truth) * mask).sum(axis=(1, 2)) / inside
    return np.where(true > 0, predicted / np.where(true > 0, true, 1.0), np.nan)
