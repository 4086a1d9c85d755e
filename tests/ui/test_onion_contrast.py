"""Onion-skin ghosts at the default style are clearly visible (issue 29, item 6): the nearest
ghost, where it shows (the previous frame's characters, not under the current frame's), stands out
from the frame it is drawn on; and a style saved by an older version still reads as it was saved."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import wait_for_frame
from workstation.render.layers import LayerView
from workstation.render.onion import OnionStyle
from workstation.ui.shell.settings_store import read_preferences
from workstation.ui.view.qimages import qimage_to_rgb8, qimage_to_rgba8

FRAME = 6
# the mean change of the ghost's pixels, in levels of 255 (the strongest channel): 106 with the old
# defaults (opacity 0.5, half tint), some 150 now
CLEARLY_VISIBLE = 130


def ghost_contrast(window, qtbot) -> float:
    """How much the nearest earlier ghost changes the frame where it shows, on the Canvas: the mean,
    over the pixels the previous frame's characters cover and the current frame's do not, of the
    largest channel difference between the ghosted frame and the plain one."""
    viewport = window.viewport
    window.scrub(FRAME)
    wait_for_frame(qtbot, window, FRAME)
    QTest.keyClick(window.canvas, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # View ▸ Onion Skin
    plain = viewport.cached(FRAME)
    qtbot.waitUntil(lambda: window.canvas.image is not plain.image, timeout=10_000)
    earlier = viewport.cached(FRAME - 1, LayerView.CHARACTERS)
    current = viewport.cached(FRAME, LayerView.CHARACTERS)
    ghost = (qimage_to_rgba8(earlier.image)[..., 3] >= 128) & (qimage_to_rgba8(current.image)[..., 3] < 128)
    assert ghost.sum() >= 20  # the character moved between the frames: a ghost to see
    change = np.abs(qimage_to_rgb8(window.canvas.image).astype(int) - qimage_to_rgb8(plain.image).astype(int))
    return float(change.max(axis=2)[ghost].mean())


def test_the_nearest_ghost_is_clearly_visible_at_the_defaults(window, qtbot):
    assert window.viewport.onion_style == OnionStyle()  # nothing chosen in Preferences
    assert ghost_contrast(window, qtbot) >= CLEARLY_VISIBLE


def test_an_onion_style_saved_before_keeps_its_values(settings):
    settings.setValue("preferences/onion_opacity", 0.5)  # what the old default wrote on OK
    settings.setValue("preferences/onion_earlier", "#e6261a")
    settings.setValue("preferences/onion_frames", "2")
    onion = read_preferences(settings).onion
    assert (onion.opacity, onion.frames) == (0.5, 2)
    assert tuple(round(c * 255) for c in onion.earlier) == (0xE6, 0x26, 0x1A)
