"""The Character menu: hiding a character and changing the shot's z-order (back to front), each
through its QAction or its keys, one undo step each, kept by saving and reopening."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import drawn, menu_action, order, snapshot, wait_for_frame
from workstation import project as doc

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def test_hidden_hides_the_selected_character_and_undo_shows_it_again(trio, qtbot):
    window, document = trio, trio.document
    hidden = menu_action(window, "Character", "Hidden")
    assert hidden.isEnabled() and not hidden.isChecked()
    before = snapshot(window)
    hidden.trigger()
    assert document.shot().character("digit 7").hidden and hidden.isChecked()
    assert order(window) == ["digit 2", "digit 7", "digit 5"]  # still in the shot, in its place
    assert drawn(window) == ["digit 2", "digit 5"]
    assert document.undo_stack.undoText() == "Hide digit 7"
    assert window.inspector.character_box.currentText() == "digit 7 (hidden)"
    wait_for_frame(qtbot, window)
    assert window.canvas.shape_of("digit 7") is None and window.canvas.shape_of("digit 5") is not None
    menu_action(window, "Edit", "Undo").trigger()
    assert snapshot(window) == before and not hidden.isChecked()
    assert drawn(window) == ["digit 2", "digit 7", "digit 5"]
    assert window.inspector.character_box.currentText() == "digit 7"
    wait_for_frame(qtbot, window)


def test_the_h_key_hides_and_shows_and_ctrl_z_undoes(trio, qtbot):
    window, document = trio, trio.document
    before = snapshot(window)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    assert document.shot().character("digit 7").hidden
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    assert not document.shot().character("digit 7").hidden
    assert document.undo_stack.undoText() == "Show digit 7"
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert document.shot().character("digit 7").hidden
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert snapshot(window) == before
    wait_for_frame(qtbot, window)


# From the back (digit 2) forward, from the front (digit 5) backward: one place, or all the way.
Z_MOVES = [
    ("Bring Forward", "digit 2", ["digit 7", "digit 2", "digit 5"], Qt.Key.Key_BracketRight, CTRL),
    ("Bring to Front", "digit 2", ["digit 7", "digit 5", "digit 2"], Qt.Key.Key_BracketRight, CTRL | SHIFT),
    ("Send Backward", "digit 5", ["digit 2", "digit 5", "digit 7"], Qt.Key.Key_BracketLeft, CTRL),
    ("Send to Back", "digit 5", ["digit 5", "digit 2", "digit 7"], Qt.Key.Key_BracketLeft, CTRL | SHIFT),
]


@pytest.mark.parametrize("text, name, expected, key, modifiers", Z_MOVES)
def test_each_z_order_command_moves_the_selected_character_in_one_undo_step(trio, qtbot, text, name, expected,
                                                                             key, modifiers):
    window, document = trio, trio.document
    document.select_character(name)
    before = snapshot(window)
    menu_action(window, "Character", text).trigger()
    assert order(window) == expected and drawn(window) == expected
    assert document.undo_stack.count() == 1 and document.character_name == name
    verb, where = text.split(" ", 1)
    assert document.undo_stack.undoText() == f"{verb} {name} {where.lower()}"  # "Bring digit 2 to front"
    menu_action(window, "Edit", "Undo").trigger()
    assert snapshot(window) == before and order(window) == ["digit 2", "digit 7", "digit 5"]
    wait_for_frame(qtbot, window)


@pytest.mark.parametrize("text, name, expected, key, modifiers", Z_MOVES)
def test_the_z_order_keys(trio, text, name, expected, key, modifiers):
    window, document = trio, trio.document
    document.select_character(name)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, key, modifiers)
    assert order(window) == expected
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert order(window) == ["digit 2", "digit 7", "digit 5"]


def test_to_front_and_back_go_all_the_way_and_moves_that_change_nothing_are_disabled(trio):
    window, document = trio, trio.document
    document.select_character("digit 2")
    front, back = menu_action(window, "Character", "Bring to Front"), menu_action(window, "Character", "Send to Back")
    forward, backward = (menu_action(window, "Character", "Bring Forward"),
                         menu_action(window, "Character", "Send Backward"))
    assert not back.isEnabled() and not backward.isEnabled() and front.isEnabled() and forward.isEnabled()
    front.trigger()
    assert order(window) == ["digit 7", "digit 5", "digit 2"]
    assert not front.isEnabled() and not forward.isEnabled() and back.isEnabled() and backward.isEnabled()
    steps = document.undo_stack.count()
    front.trigger()  # disabled: nothing happens, no undo step
    assert document.undo_stack.count() == steps
    back.trigger()
    assert order(window) == ["digit 2", "digit 7", "digit 5"]


def test_the_character_commands_are_disabled_while_no_character_is_selected(trio):
    window, document = trio, trio.document
    document.select_character(None)
    texts = ["Hidden", "Bring Forward", "Send Backward", "Bring to Front", "Send to Back"]
    actions = [menu_action(window, "Character", text) for text in texts]
    assert not any(action.isEnabled() for action in actions)
    before = snapshot(window)
    for action in actions:
        action.trigger()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight, CTRL)
    assert snapshot(window) == before
    document.select_character("digit 5")  # at the front
    assert [action.isEnabled() for action in actions] == [True, False, True, False, True]


def test_order_and_hidden_survive_saving_and_reopening(trio, qtbot, tmp_path, settings):
    from workstation.ui.shell.main_window import MainWindow

    window, document = trio, trio.document
    menu_action(window, "Character", "Send to Back").trigger()
    document.select_character("digit 5")
    menu_action(window, "Character", "Hidden").trigger()
    assert order(window) == ["digit 7", "digit 2", "digit 5"] and drawn(window) == ["digit 7", "digit 2"]
    path = tmp_path / "saved" / "z.stopframe"
    path.parent.mkdir()
    assert window.files.save_to(path)
    reopened = MainWindow(settings)
    qtbot.addWidget(reopened)
    assert reopened.open_project(path)
    reopened.document.select_shot("duet")
    shot = reopened.document.shot()
    assert [(c.name, c.hidden) for c in shot.characters] == [("digit 7", False), ("digit 2", False),
                                                             ("digit 5", True)]
    assert doc.to_dict(reopened.document.project) == doc.to_dict(document.project)
    reopened.document.select_character("digit 5")
    assert menu_action(reopened, "Character", "Hidden").isChecked()
    reopened.document.undo_stack.setClean()
    reopened.viewport.wait()
    wait_for_frame(qtbot, window)
