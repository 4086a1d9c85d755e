"""The in and out points as a user sets them (issue 15, case 6): Playback ▸ Set In Point (I), Set Out
Point (O) and Clear In/Out (Alt+X) are window-wide commands, whatever panel has the focus, and File ▸
Export Shot… exports exactly the frames between them."""

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from tests.ui.conftest import menu_action
from workstation.media.probe import probe
from workstation.ui.export.export_dialog import IN_OUT


@pytest.fixture
def focused(window, qtbot):
    """The window active, the Canvas holding the keyboard focus (not the Timeline)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    return window


def press(window, key, modifiers=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
    for _ in range(times):
        QTest.keyClick(window, key, modifiers)


def test_i_o_and_alt_x_set_and_clear_the_range_whatever_has_the_focus(focused, qtbot):
    window = focused
    for text, keys in (("Set In Point", "I"), ("Set Out Point", "O"), ("Clear In/Out", "Alt+X")):
        action = menu_action(window, "Playback", text)
        assert action.shortcut() == QKeySequence(keys) and action.isEnabled()
    press(window, Qt.Key.Key_Right, times=4)
    assert window.document.frame == 4
    press(window, Qt.Key.Key_I)
    assert window.timeline.range() == (4, 23) and (window.player.first, window.player.last) == (4, 23)
    press(window, Qt.Key.Key_Right, times=11)
    press(window, Qt.Key.Key_O)
    assert window.timeline.range() == (4, 15) and (window.player.first, window.player.last) == (4, 15)
    assert window.canvas.hasFocus()  # the keys never needed the Timeline
    press(window, Qt.Key.Key_Home)
    assert window.document.frame == 4  # Home goes to the in point
    press(window, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert window.timeline.range() == (0, 23) and (window.player.first, window.player.last) == (0, 23)


def test_export_shot_exports_exactly_the_in_out_frames(focused, qtbot, tmp_path):
    window = focused
    window.scrub(4)
    menu_action(window, "Playback", "Set In Point").trigger()
    window.scrub(15)
    menu_action(window, "Playback", "Set Out Point").trigger()
    first, last = window.timeline.range()
    assert (first, last) == (4, 15)

    menu_action(window, "File", "Export Shot…").trigger()
    dialog = window.export_shot_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.range_combo.currentIndex() == IN_OUT and dialog.frames() == range(4, 16)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("mp4"))
    target = tmp_path / "in-out.mp4"
    dialog.path_edit.setText(str(target))
    window.statusBar().clearMessage()
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.waitUntil(lambda: "exported" in window.statusBar().currentMessage(), timeout=20_000)
    assert probe(target).frame_count == last - first + 1
