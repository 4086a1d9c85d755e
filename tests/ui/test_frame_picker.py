"""The frame picker under the Library (issue 29, item 6) shows the picked frame as the model will
see it, at a useful size: a wide clip cropped to its centre square (or, letterboxed, the whole
frame with bars), in a square of at least 160 pixels, however small the frame."""

import cv2
import numpy as np
from PySide6.QtGui import QColor

from tests.ui.conftest import menu_action
from tests.ui.test_library import click_row
from workstation.ui.panels.clip_frames import MIN_PREVIEW

RED, GREEN, BLUE = (230, 30, 30), (30, 200, 60), (40, 60, 230)


def write_wide_frame(path) -> None:
    """A 96x32 picture: a red, a green and a blue 32x32 block side by side."""
    image = np.concatenate([np.full((32, 32, 3), colour, np.uint8) for colour in (RED, GREEN, BLUE)], axis=1)
    assert cv2.imwrite(str(path), image[..., ::-1])


def colour_at(image, fx: float, fy: float) -> tuple[int, int, int]:
    colour = QColor(image.pixel(int(fx * (image.width() - 1)), int(fy * (image.height() - 1))))
    return colour.red(), colour.green(), colour.blue()


def near(colour, expected, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


def shown(window, qtbot, before=None):
    """The picker's picture once it is shown (another one than ``before``)."""
    picture = window.library.frames.picture
    qtbot.waitUntil(lambda: not picture.pixmap().isNull() and picture.pixmap().cacheKey() != before, timeout=10_000)
    return picture.pixmap()


def test_the_picker_shows_what_the_model_sees_at_a_useful_size(window, qtbot, tmp_path):
    write_wide_frame(tmp_path / "wide.png")
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        window.import_files([str(tmp_path / "wide.png")])
    assert window.document.project.clips["wide"].fit == "crop"
    library = window.library
    click_row(library, "wide")
    pixmap = shown(window, qtbot)
    assert pixmap.width() == pixmap.height() >= MIN_PREVIEW >= 160  # a square, as the model's input
    image = pixmap.toImage()
    for fx in (0.02, 0.5, 0.98):  # crop: the centre square only, edge to edge
        assert near(colour_at(image, fx, 0.5), GREEN)

    menu_action(window, "Clip", "Letterbox (Whole Frame)").trigger()
    assert window.document.project.clips["wide"].fit == "letterbox"
    pixmap = shown(window, qtbot, pixmap.cacheKey())
    assert pixmap.width() == pixmap.height() >= MIN_PREVIEW
    image = pixmap.toImage()
    assert near(colour_at(image, 0.1, 0.5), RED) and near(colour_at(image, 0.5, 0.5), GREEN)
    assert near(colour_at(image, 0.9, 0.5), BLUE)
    assert near(colour_at(image, 0.5, 0.05), (0, 0, 0)) and near(colour_at(image, 0.5, 0.95), (0, 0, 0))  # the bars
