"""The guided filter (He, Sun and Tang, TPAMI 2013) and the edge-aware enlargement of a matte."""

import cv2
import numpy as np
import pytest

from workstation.render.guided import edge_aware_alpha, guided_filter

FACTOR = 8  # the enlargement from the model square's pixels to the output's
SQUARE = 16


def enlarged(matte: np.ndarray) -> np.ndarray:
    """A matte of the square, enlarged bilinearly by FACTOR, as the caller hands it over."""
    height, width = matte.shape
    return cv2.resize(matte.astype(np.float32), (width * FACTOR, height * FACTOR), interpolation=cv2.INTER_LINEAR)


def half_crossing(row: np.ndarray) -> float:
    """Where a rising row first reaches 0.5, interpolated between pixel centres."""
    after = int(np.argmax(row >= 0.5))
    before = after - 1
    return before + float((0.5 - row[before]) / (row[after] - row[before]))


@pytest.mark.parametrize("guide_edge", [61, 66])  # the first pixel of the bright side, left or right of the matte's
def test_the_soft_band_snaps_toward_the_guides_edge(guide_edge):
    matte = np.zeros((SQUARE, SQUARE), np.float32)
    matte[:, SQUARE // 2:] = 1.0  # a character on the right half of the square
    alpha = enlarged(matte)
    guide = np.zeros_like(alpha)
    guide[:, guide_edge:] = 1.0  # the source frame's edge, between two of the square's pixel centres
    refined = edge_aware_alpha(alpha, guide, radius=FACTOR)

    row, before = refined[alpha.shape[0] // 2], alpha[alpha.shape[0] // 2]
    edge = guide_edge - 0.5  # between the last dark pixel and the first bright one
    assert abs(half_crossing(before) - edge) >= 2.0  # the bilinear edge is 2.5 pixels off the guide's
    assert abs(half_crossing(row) - edge) < 0.5 * abs(half_crossing(before) - edge)
    steps = np.diff(row)
    assert int(np.argmax(steps)) == guide_edge - 1  # the steepest rise is across the guide's edge ...
    assert steps.max() >= 4 * np.diff(before).max()  # ... and far steeper than the bilinear ramp
    band = (before > 0) & (before < 1)
    ideal = (np.arange(row.size) >= guide_edge).astype(np.float32)
    assert np.abs(row - ideal)[band].mean() < 0.8 * np.abs(before - ideal)[band].mean()


def test_a_constant_guide_leaves_a_smooth_matte_nearly_as_it_was():
    y, x = np.mgrid[0:SQUARE, 0:SQUARE]
    matte = np.exp(-((x - 7.5) ** 2 + (y - 7.5) ** 2) / (2 * 4.0**2)).astype(np.float32) * 0.9 + 0.05
    alpha = enlarged(matte)
    refined = edge_aware_alpha(alpha, np.full_like(alpha, 0.4), radius=4)
    assert np.abs(refined - alpha).mean() < 0.02
    assert not np.array_equal(refined, alpha)  # it was filtered (a box blur, under a constant guide)


def test_exact_zero_and_one_stay_exact_and_the_rest_stays_in_range():
    rng = np.random.default_rng(5)
    matte = np.zeros((SQUARE, SQUARE), np.float32)
    matte[4:12, 5:11] = 1.0
    matte[4:12, 4] = 0.4  # the matte rule's one-pixel soft edge
    alpha = enlarged(matte)
    guide = rng.random((*alpha.shape, 3), dtype=np.float32)  # a colour guide full of edges
    refined = edge_aware_alpha(alpha, guide, radius=3)
    assert np.all(refined[alpha == 0.0] == 0.0) and np.all(refined[alpha == 1.0] == 1.0)
    assert (alpha == 0.0).any() and (alpha == 1.0).any()
    assert refined.min() >= 0.0 and refined.max() <= 1.0
    soft = (alpha > 0) & (alpha < 1)
    assert not np.allclose(refined[soft], alpha[soft], atol=1e-3)  # the soft band was refined


def test_a_colour_guide_is_its_grey_mean():
    rng = np.random.default_rng(1)
    colour = rng.random((40, 30, 3), dtype=np.float32)
    source = rng.random((40, 30), dtype=np.float32)
    np.testing.assert_allclose(guided_filter(colour, source, 2, 0.01),
                               guided_filter(colour.mean(axis=2), source, 2, 0.01), atol=1e-6)


@pytest.mark.parametrize(("radius", "eps"), [(0, 0.01), (-2, 0.01), (2, 0.0), (2, -1e-3), (2, float("nan"))])
def test_a_radius_below_1_or_an_eps_not_above_0_is_refused(radius, eps):
    image = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError):
        guided_filter(image, image, radius, eps)
    with pytest.raises(ValueError):
        edge_aware_alpha(image, image, radius, eps)


def test_a_guide_of_another_size_is_refused():
    with pytest.raises(ValueError, match="guide"):
        guided_filter(np.zeros((8, 9), np.float32), np.zeros((8, 8), np.float32), 1, 0.01)


def test_float32_out_at_720p():
    rng = np.random.default_rng(2)
    guide = rng.random((720, 1280), dtype=np.float32)
    alpha = enlarged(rng.random((90, 160)).astype(np.float32))
    assert alpha.shape == guide.shape
    filtered = guided_filter(guide.astype(np.float64), alpha.astype(np.float64), 8, 1e-3)
    refined = edge_aware_alpha(alpha, guide, 8)
    for out in (filtered, refined):
        assert out.dtype == np.float32 and out.shape == (720, 1280) and np.isfinite(out).all()
