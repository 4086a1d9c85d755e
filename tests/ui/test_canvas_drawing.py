"""What the Canvas draws (issue 29, item 6): a crisp shot never shows uneven pixels (enlarged by a
whole number of device pixels, shrunk to fit by a whole divisor, its corner on a device pixel),
while a smooth one shrinks by whatever fits; and the selection is what docs/GUIDE.md says it is, an
orange dashed circle with two handles."""

import math
import re

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.conftest import ROOT
from tests.ui.conftest import character_point, empty_point, wait_for_frame
from workstation.render.framing import Framing
from workstation.ui.view.canvas import ACCENT
from workstation.ui.view.qimages import qimage_to_rgb8
from workstation.ui.view.screen_framing import MARGIN, ScreenFraming

CANVAS = 400  # a Canvas too small for a 512 x 512 output at 1:1


def grab(canvas) -> np.ndarray:
    return qimage_to_rgb8(canvas.grab().toImage())


def crisp_at(window, qtbot, multiple: int, scaling: str) -> None:
    """The shot's output at ``multiple`` times the model's square, ``scaling``, as Shot ▸ Output Size sets them."""
    output_menu = window.menus.output_menu
    output_menu.multiple_actions[multiple].trigger()
    output_menu.scaling_actions[scaling].trigger()
    wait_for_frame(qtbot, window)


@pytest.fixture
def small_canvas(window, qtbot):
    window.document.select_character(None)
    window.canvas.setFixedSize(CANVAS, CANVAS)
    qtbot.waitUntil(lambda: window.canvas.size() == QSize(CANVAS, CANVAS), timeout=5_000)
    return window


def test_a_crisp_frame_too_large_for_the_canvas_shrinks_by_a_whole_divisor_with_even_pixels(small_canvas, qtbot):
    window, canvas = small_canvas, small_canvas.canvas
    crisp_at(window, qtbot, 8, "crisp")  # 512 x 512: each model pixel 8 x 8 output pixels
    assert canvas.zoom() == 0.5  # not (400 - 8) / 512 = 0.77
    rect = canvas.image_rect()
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (72, 72, 256, 256)  # on whole pixels
    assert "(50%)" in canvas.size_note()
    shown = grab(canvas)[72:72 + 256 - 20, 72:72 + 256]  # the frame, above the note at its foot
    blocks = shown.reshape(236 // 4, 4, 64, 4, 3).astype(int)
    assert int(np.abs(blocks - blocks[:, :1, :, :1]).max()) == 0  # each model pixel: one even 4 x 4 block

    crisp_at(window, qtbot, 8, "smooth")  # a smooth frame shrinks by what fits
    assert canvas.zoom() == pytest.approx((CANVAS - MARGIN) / 512)


def test_whole_device_pixels_on_a_high_density_screen():
    framing = Framing.square(64)
    for ratio in (1.25, 1.5, 2.0):
        enlarged = ScreenFraming.fit((801, 601), (64, 64), framing, crisp=True, ratio=ratio)
        shrunk = ScreenFraming.fit((301, 301), (1024, 1024), framing, crisp=True, ratio=ratio)
        for screen in (enlarged, shrunk):
            device = screen.zoom * ratio
            assert device == round(device) or 1 / device == round(1 / device)  # n or 1/n device pixels
            assert screen.image.left() * ratio == round(screen.image.left() * ratio)  # the corner on a device pixel
            assert screen.image.top() * ratio == round(screen.image.top() * ratio)
            assert screen.image.width() <= (801 if screen is enlarged else 301)


def canvas_section() -> str:
    guide = (ROOT / "docs" / "GUIDE.md").read_text(encoding="utf-8")
    section = re.search(r"^### Canvas\n(.*?)^### ", guide, re.MULTILINE | re.DOTALL)
    assert section is not None
    return " ".join(section.group(1).split())  # one line: a phrase may wrap


def test_the_selection_is_the_orange_dashed_circle_the_guide_describes(window, qtbot):
    canvas = window.canvas
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=empty_point(window).toPoint())
    plain = grab(canvas)
    name = window.document.shot().characters[0].name
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=character_point(window, name).toPoint())
    assert window.document.character_name == name
    QApplication.processEvents()
    selected = grab(canvas)
    centre, radius = canvas.outline(canvas.shape_of(name))
    ratio = selected.shape[1] / canvas.width()
    on_circle, accent = [], np.array(ACCENT.getRgb()[:3])
    for step in range(360):
        angle = math.radians(step)
        point = QPointF(centre.x() + radius * math.cos(angle), centre.y() + radius * math.sin(angle))
        x, y = int(point.x() * ratio), int(point.y() * ratio)
        on_circle.append(int(np.abs(selected[y, x].astype(int) - accent).max()) < 60)
    drawn = sum(on_circle) / len(on_circle)
    assert 0.3 < drawn < 0.9  # orange around the character, with gaps: dashed (solid: all of it)
    assert (plain != selected).any()
    text = canvas_section()
    assert "orange dashed circle" in text and "orange outline" not in text
    assert "round handle" in text and "square handle" in text

