"""fit (the model's square input) and thumbnail (display)."""

import numpy as np
import pytest

from workstation.media import FIT_MODES, fit, thumbnail


def _wide_image():
    """60 wide, 20 high: left third red, middle third green, right third blue."""
    img = np.zeros((20, 60, 3), np.uint8)
    img[:, :20, 0] = 255
    img[:, 20:40, 1] = 255
    img[:, 40:, 2] = 255
    return img


@pytest.mark.parametrize("mode", FIT_MODES)
@pytest.mark.parametrize("size", [10, 32])   # shrinking and growing
def test_fit_shape_dtype_range(mode, size):
    out = fit(_wide_image(), size, mode)
    assert out.shape == (3, size, size) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 and out.max() == pytest.approx(1.0)


def test_fit_crop_keeps_centre():
    out = fit(_wide_image(), 16, "crop")
    # centre crop of the wide image is the green middle third, entirely
    assert np.allclose(out[1], 1.0) and np.allclose(out[0], 0.0) and np.allclose(out[2], 0.0)


def test_fit_letterbox_pads_black():
    out = fit(_wide_image(), 30, "letterbox")
    # 60x20 -> 30x10 band centred vertically at rows 10..19, black above and below
    assert np.all(out[:, :10] == 0) and np.all(out[:, 20:] == 0)
    band = out[:, 10:20]
    assert np.allclose(band[0, :, :10], 1.0) and np.allclose(band[1, :, 10:20], 1.0)
    assert np.allclose(band[2, :, 20:], 1.0)
    assert fit(_wide_image(), 30, "crop")[:, :10].max() > 0  # crop has no padding


def test_fit_values_scaled_to_unit_range():
    img = np.full((8, 8, 3), 51, np.uint8)
    assert np.allclose(fit(img, 8, "crop"), 0.2)


def test_fit_unknown_mode():
    with pytest.raises(ValueError, match="crop.*letterbox"):
        fit(_wide_image(), 8, "stretch")


def test_thumbnail():
    t = thumbnail(np.zeros((200, 400, 3), np.uint8), 96)
    assert t.shape == (48, 96, 3) and t.dtype == np.uint8
    tall = thumbnail(np.zeros((300, 100, 3), np.uint8))
    assert tall.shape == (96, 32, 3)
    small = np.ones((10, 20, 3), np.uint8)
    assert thumbnail(small, 96).shape == (10, 20, 3)  # never enlarged
