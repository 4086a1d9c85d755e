"""A character the model cannot draw (issue 29, item 6) gets a line in the status bar that says so
and what to do about it, not only a small cross on the Canvas; a character the model draws, even
one moved out of the picture, gets no such line."""

from PySide6.QtCore import Qt

from tests.ui.conftest import empty_point, menu_action, send_drop, wait_for_frame
from tests.ui.test_selection import UNKNOWN, pick_in_inspector
from workstation.ui.editing import animator_edits as edits
from workstation.ui.editing.unknown_character import TRAIN_COMMAND
from workstation.ui.mime import DraggedMedia, to_mime


def test_a_character_the_model_cannot_draw_says_so_in_the_status_bar(window, qtbot):
    bar = window.statusBar()
    assert send_drop(window.canvas, to_mime(DraggedMedia(UNKNOWN, 0)), empty_point(window),
                     Qt.KeyboardModifier.ShiftModifier)
    name = window.document.character_name
    wait_for_frame(qtbot, window)
    assert window.canvas.shape_of(name).coverage is None  # only a small cross on the Canvas...
    qtbot.waitUntil(lambda: "draws nothing" in bar.currentMessage(), timeout=5_000)  # ...and a line that says why
    line = bar.currentMessage()
    assert line.startswith(f"‘{name}’ draws nothing: the model does not know this character")
    assert "train it on your clips" in line and TRAIN_COMMAND in line
    menu, command = TRAIN_COMMAND.split(" ▸ ")
    assert menu_action(window, menu, command).isEnabled()  # the command it names is there

    digit = window.document.shot().characters[0].name
    pick_in_inspector(window, digit)
    window.show_problem("something else")
    pick_in_inspector(window, name)  # selected again: said again
    qtbot.waitUntil(lambda: bar.currentMessage() == line, timeout=5_000)


def test_a_known_character_moved_out_of_the_picture_gets_no_such_line(window, qtbot):
    document, bar = window.document, window.statusBar()
    name = document.shot().characters[0].name
    pick_in_inspector(window, name)
    edits.change_edit(document, name, document.frame, dx=3.0)  # three squares to the right
    wait_for_frame(qtbot, window)
    assert window.canvas.shape_of(name).coverage is None  # it draws nothing here...
    qtbot.wait(50)
    assert "does not know" not in bar.currentMessage()  # ...but the model knows it
