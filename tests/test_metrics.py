"""The evaluation's metrics on inputs with known answers."""

import math

import cv2
import numpy as np

from training.data.mmnist import relative_transform
from training.evaluation.evaluate import motion_analysis
from training.evaluation.metrics import (
    gradient_magnitude,
    mean_ci95,
    per_example_mse,
    per_example_sharpness,
    psnr_from_mse,
    r2_score,
    svd_rotation_angle,
)


def test_mse_and_psnr():
    target = np.zeros((2, 3, 4, 4), np.float32)
    prediction = target.copy()
    prediction[0] += 0.1  # MSE 0.01 -> 20 dB
    prediction[1, 0] += 1.0  # one channel of three wrong by 1 -> MSE 1/3
    mse = per_example_mse(prediction, target)
    assert np.allclose(mse, [0.01, 1 / 3])
    assert np.allclose(psnr_from_mse(mse), [20.0, 10 * math.log10(3)])
    assert psnr_from_mse(np.array([0.0]))[0] == 100.0


def test_mean_ci95():
    mean, half_width = mean_ci95(np.array([1.0, 2.0, 3.0, 4.0]))
    assert mean == 2.5
    assert math.isclose(half_width, 1.959963984540054 * np.std([1, 2, 3, 4], ddof=1) / 2)


def test_r2_of_exact_linear_map_is_one_and_of_noise_is_near_zero():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 6))
    y = x @ rng.normal(size=(6, 6)) + 3.0
    assert math.isclose(r2_score(x, y), 1.0, abs_tol=1e-9)
    assert abs(r2_score(x, rng.normal(size=(500, 6)))) < 0.05


def test_svd_angle_ignores_scale_and_recovers_rotation():
    angles = np.array([-30.0, 0.0, 12.0, 90.0])
    radians = np.radians(angles)
    rotations = np.stack([[[np.cos(a), -np.sin(a), 0.3], [np.sin(a), np.cos(a), -0.1]] for a in radians])
    rotations[:, :, :2] *= 1.7  # a scaled rotation keeps its angle
    assert np.allclose(svd_rotation_angle(rotations), angles)


def textured_character(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """[2, 3, 48, 48] colour noise smoothed a little, and a mask [2, 48, 48]: a disc in each."""
    rng = np.random.default_rng(seed)
    images = np.stack([cv2.GaussianBlur(rng.random((48, 48, 3)).astype(np.float32), (0, 0), 0.8)
                       for _ in range(2)]).transpose(0, 3, 1, 2)
    ys, xs = np.mgrid[0:48, 0:48]
    mask = np.broadcast_to((ys - 24) ** 2 + (xs - 22) ** 2 < 15**2, (2, 48, 48))
    return images, mask


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
    smoothed = [cv2.GaussianBlur(image.transpose(1, 2, 0), (0, 0), sigma) for image in images]
    return np.stack(smoothed).transpose(0, 3, 1, 2)


def test_gradient_magnitude_of_a_grey_ramp_is_its_slope():
    ramp = np.broadcast_to(np.linspace(0, 1, 11)[None, :], (11, 11))  # 0.1 a pixel, left to right
    images = np.stack([np.stack([ramp] * 3), np.stack([ramp.T] * 3)])  # and top to bottom
    assert np.allclose(gradient_magnitude(images), 0.1)
    red = np.zeros((1, 3, 11, 11))
    red[0, 0] = ramp  # a red ramp is a grey ramp of 0.299 its slope
    assert np.allclose(gradient_magnitude(red), 0.0299)


def test_sharpness_of_the_truth_blurred_and_sharpened():
    truth, mask = textured_character()
    assert np.allclose(per_example_sharpness(truth, truth, mask), 1.0)
    assert (per_example_sharpness(blurred(truth, 1.5), truth, mask) < 0.7).all()
    sharpened = truth + 1.0 * (truth - blurred(truth, 1.0))  # unsharp mask
    assert (per_example_sharpness(sharpened, truth, mask) > 1.0).all()
    # Only the mask's pixels count: beyond what their central differences read, anything goes.
    inner = np.stack([cv2.erode(m.astype(np.uint8), np.ones((3, 3), np.uint8)) for m in mask]).astype(bool)
    grey_elsewhere = np.where(mask[:, None], truth, 0.5)
    assert np.allclose(per_example_sharpness(grey_elsewhere, truth, inner), 1.0)
    assert not np.allclose(per_example_sharpness(grey_elsewhere, truth, mask), 1.0)
    # No gradient in the truth inside its mask (or no mask at all): NaN, left out of the means.
    flat = np.full_like(truth, 0.3)
    assert np.isnan(per_example_sharpness(truth, flat, mask)).all()
    assert np.isnan(per_example_sharpness(truth, truth, np.zeros_like(mask))).all()


def test_motion_analysis_of_a_perfect_motion_model_scores_one(test_split, monkeypatch):
    poses = {}

    class Oracle:
        def encode_character(self, frames):
            # Identify each frame by its pixels; poses were recorded when the video was drawn.
            return np.stack([poses[frame.tobytes()] for frame in frames])[:, :, None, None]

        def motion(self, start, end):
            out = []
            for a, b in zip(start[:, :, 0, 0], end[:, :, 0, 0]):
                from training.data.mmnist import Pose

                x = relative_transform(Pose(*a), Pose(*b))
                # theta samples the source: its rotation is the inverse of the screen rotation.
                out.append(np.hstack([np.linalg.inv(x[:, :2]), x[:, 2:] / 32.0]))
            return np.stack(out)

    original = test_split.random_video

    def recording_video(rng, **kwargs):
        video = original(rng, **kwargs)
        for index, pose in enumerate(video.poses):
            poses[test_split.frame(video, index).tobytes()] = (pose.cx, pose.cy, pose.angle)
        return video

    monkeypatch.setattr(test_split, "random_video", recording_video)
    result = motion_analysis(Oracle(), test_split, digit=0, pairs=300, seed=0)
    assert result["pairs"] == 300
    assert result["r2"] > 0.999
    assert result["angle_correlation"] > 0.999 and abs(result["angle_slope"] - 1) < 1e-6
