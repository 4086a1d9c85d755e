"""Edit ▸ Preferences…: each value changed in the dialog's widgets takes effect at once, as the
animator sees it, and a window started later with the same settings has it again."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QDialogButtonBox

from tests.conftest import ROOT
from tests.ui.conftest import menu_action, send_drop, wait_for_frame
from workstation.preferences import CUDA_UNAVAILABLE, Preferences, cuda_available
from workstation.render.onion import OnionStyle
from workstation.ui.shell.preferences_dialog import PreferencesDialog
from workstation.ui.view.qimages import qimage_to_rgb8

GREEN, YELLOW = (0.0, 1.0, 0.0), (1.0, 1.0, 0.0)
BACKDROP = ROOT / "assets" / "demo" / "clips" / "backdrop-2.png"  # a still: 12 fps


def open_preferences(window) -> PreferencesDialog:
    menu_action(window, "Edit", "Preferences…").trigger()
    shown = [d for d in window.findChildren(PreferencesDialog) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]


def press(dialog: PreferencesDialog, button: QDialogButtonBox.StandardButton) -> None:
    dialog.buttons.button(button).click()


def pick_colour(button, colour: str) -> None:
    """Click the swatch, choose ``colour`` in the colour picker and press its OK."""
    button.click()
    picker = button.picker
    assert isinstance(picker, QColorDialog) and picker.isVisible()
    picker.setCurrentColor(QColor(colour))
    picker.accept()


def ghosts(window, qtbot) -> np.ndarray:
    """How the Canvas with the onion skin differs from the plain frame 6, per pixel (RGB).
    The plain frame need never reach the Canvas (when its neighbours are rendered already, the
    ghosted frame is shown at once), so this waits for frame 6 shown as something else than it."""
    shown = []
    window.viewport.frame_shown.connect(shown.append)
    window.scrub(6)

    def ghosted() -> bool:
        plain = window.viewport.cached(6)
        return (plain is not None and bool(shown) and shown[-1].key.frame == 6
                and window.canvas.image is not plain.image)

    qtbot.waitUntil(ghosted, timeout=10_000)
    window.viewport.frame_shown.disconnect(shown.append)
    plain = window.viewport.cached(6).image
    return qimage_to_rgb8(window.canvas.image).astype(int) - qimage_to_rgb8(plain).astype(int)


def test_every_preference_takes_effect_at_once_and_at_the_next_start(window, qtbot, settings):
    from workstation.ui.shell.main_window import MainWindow

    window.set_onion_skin(True)
    before = ghosts(window, qtbot)
    before_changed = np.abs(before).max(axis=2) > 12
    dialog = open_preferences(window)
    assert dialog.preferences() == Preferences()  # nothing chosen yet: the defaults
    dialog.autosave.setValue(5)
    dialog.onion_frames.setValue(3)
    dialog.onion_opacity.setValue(90)
    pick_colour(dialog.earlier_colour, "#00ff00")
    pick_colour(dialog.later_colour, "#ffff00")
    dialog.new_shot_fps.setValue(24.0)
    dialog.thumbnail_size.setValue(96)
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert not dialog.isVisible()

    chosen = Preferences(5, OnionStyle(3, 0.9, GREEN, YELLOW), 24.0, "auto", 96)
    assert window.preferences == chosen
    assert window._autosave_timer.interval() == 5 * 60_000 and window._autosave_timer.isActive()
    after = ghosts(window, qtbot)  # three ghosts on each side, stronger, green and yellow
    changed = np.abs(after).max(axis=2) > 12
    assert changed.sum() > 1.5 * before_changed.sum()
    shift = after[changed].mean(axis=0)  # the ghosts darken the plate, least in the colours they are tinted
    assert shift[1] > shift[0] + 20 and shift[1] > shift[2] + 20  # green (and yellow) now...
    default_shift = before[before_changed].mean(axis=0)
    assert default_shift[2] > default_shift[1] + 10  # ...where they had been red and blue

    window.library.load_all_icons()
    item = window.library.clip_item("digit-7-drift")
    assert window.library.iconSize() == QSize(96, 96)
    assert max(item.icon(0).pixmap(QSize(200, 200)).size().toTuple()) == 96

    menu_action(window, "File", "New Project").trigger()
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        window.import_files([str(BACKDROP)])
    mime = window.library.mimeData([window.library.clip_item("backdrop-2")])
    assert send_drop(window.canvas, mime, QPointF(window.canvas.rect().center()))
    assert window.document.shot().fps == 24.0  # not the still's 12

    later = MainWindow(settings)  # the next start
    qtbot.addWidget(later)
    assert later.preferences == chosen
    assert later._autosave_timer.interval() == 5 * 60_000
    assert later.viewport.onion_style == chosen.onion and later.document.new_shot_fps == 24.0
    assert later.library.iconSize() == QSize(96, 96)
    later.document.undo_stack.setClean()
    assert later.close()


def test_cancel_changes_nothing_and_apply_keeps_the_dialog_open(window, settings):
    dialog = open_preferences(window)
    dialog.onion_frames.setValue(4)
    press(dialog, QDialogButtonBox.StandardButton.Cancel)
    assert window.viewport.onion_style.frames == 1 and not settings.contains("preferences/onion_frames")
    dialog = open_preferences(window)
    dialog.onion_frames.setValue(4)
    press(dialog, QDialogButtonBox.StandardButton.Apply)
    assert dialog.isVisible() and window.viewport.onion_style.frames == 4
    assert settings.value("preferences/onion_frames", type=int) == 4
    press(dialog, QDialogButtonBox.StandardButton.RestoreDefaults)
    assert dialog.preferences() == Preferences()
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert window.viewport.onion_style == OnionStyle()


def test_rendering_on_the_cpu_loads_the_model_again_there(window, qtbot):
    engine = window.viewport.engine
    dialog = open_preferences(window)
    dialog.render_device.setCurrentIndex(dialog.render_device.findData("cpu"))
    assert dialog.device_note.text() == ""
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert window.viewport.engine is not engine and window.viewport.engine.device == "CPU"
    assert window.device_label.text() == "rendering on CPU (chosen in Preferences)"
    wait_for_frame(qtbot, window)


@pytest.mark.skipif(cuda_available(), reason="this computer has a CUDA GPU")
def test_cuda_where_there_is_none_says_so_in_one_line_and_renders_on_the_cpu(window, qtbot):
    dialog = open_preferences(window)
    dialog.render_device.setCurrentIndex(dialog.render_device.findData("cuda"))
    assert dialog.device_note.text() == CUDA_UNAVAILABLE and "\n" not in CUDA_UNAVAILABLE
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert window.statusBar().currentMessage() == CUDA_UNAVAILABLE
    assert window.viewport.engine.device == "CPU"
    assert window.device_label.text() == "rendering on CPU: CUDA is not available on this computer"
    window.scrub(3)
    wait_for_frame(qtbot, window, 3)  # and the Canvas goes on rendering
