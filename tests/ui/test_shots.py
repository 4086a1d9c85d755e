"""Shots in the workstation: the Shot menu and the Shots panel add, rename, duplicate, delete and
reorder them (each one undo step, undone by Ctrl+Z on the window, the selection following), the
Canvas shows the shot chosen, and the file saved holds the new order and names."""

import cv2
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QLineEdit

from tests.conftest import ROOT
from tests.ui.conftest import menu_action, send_drop, wait_for_frame
from workstation import project as doc

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
DEMO_SHOTS = ["demo", "sway", "by hand", "duet"]
CLIP = ROOT / "assets" / "demo" / "clips" / "backdrop-2.png"


def shots(window) -> list[str]:
    return [shot.name for shot in window.document.project.shots]


def panel_state(window) -> tuple[list[str], str | None]:
    """The Shots panel's rows (as shown) and its selected row."""
    rows = window.shots.list
    current = rows.currentItem()
    return [rows.item(row).text() for row in range(rows.count())], current.text() if current else None


def assert_shown(window, qtbot, name: str) -> None:
    """``name`` is the current shot, in the panel, the Timeline and on the Canvas."""
    document = window.document
    assert document.shot_name == name
    assert panel_state(window) == (shots(window), name)
    assert window.timeline.length() == document.shot().length
    wait_for_frame(qtbot, window)
    assert window.viewport.cached().key.shot == name


def undo_by_key(window) -> None:
    QTest.keyClick(window, Qt.Key.Key_Z, CTRL)


def type_name(qtbot, rows, editor: QLineEdit, name: str) -> None:
    """Type ``name`` in a row's editor and press Return (the list commits it a moment later)."""
    editor.setText(name)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows.state() != QAbstractItemView.State.EditingState)


def click_row(window, qtbot, name: str) -> None:
    rows = window.shots.list
    item = window.shots.row_of(name)
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=rows.visualItemRect(item).center())


def test_clicking_a_shot_shows_it_on_the_canvas_the_timeline_and_the_layers(window, qtbot):
    assert_shown(window, qtbot, "demo")
    demo_image = window.canvas.image
    click_row(window, qtbot, "by hand")
    assert_shown(window, qtbot, "by hand")
    assert window.layers.names() == [c.name for c in reversed(window.document.project.shot("by hand").characters)]
    assert window.canvas.image is not demo_image
    assert window.document.undo_stack.count() == 0  # choosing a shot is not an edit
    QTest.keyClick(window, Qt.Key.Key_PageDown)  # Shot ▸ Next Shot
    assert_shown(window, qtbot, "duet")
    assert not menu_action(window, "Shot", "Next Shot").isEnabled()  # the last one
    QTest.keyClick(window, Qt.Key.Key_PageUp)
    QTest.keyClick(window, Qt.Key.Key_PageUp)
    assert_shown(window, qtbot, "sway")


def test_new_shot_from_the_menu_and_the_panel_each_one_undo_step(window, qtbot):
    demo = window.document.shot()
    menu_action(window, "Shot", "New Shot").trigger()
    assert shots(window) == ["demo", "Shot 5", "sway", "by hand", "duet"]
    new = window.document.project.shot("Shot 5")
    assert (new.background, new.fps, new.characters) == (demo.background, demo.fps, [])
    assert demo.output == doc.Output(256, 256) and new.output == doc.Output(64, 64, "crisp")  # its clip's own size
    assert window.document.undo_stack.undoText() == "New shot Shot 5"
    assert_shown(window, qtbot, "Shot 5")
    undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "demo")
    click_row(window, qtbot, "duet")
    window.shots.buttons["add"].click()
    assert shots(window) == DEMO_SHOTS + ["Shot 5"] and window.document.undo_stack.undoText() == "New shot Shot 5"
    assert_shown(window, qtbot, "Shot 5")
    undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "duet")


def test_rename_through_the_dialog_and_in_place_and_a_taken_name_is_refused(window, qtbot, answers):
    answers.replies["Rename shot"] = "opening"
    QTest.keyClick(window, Qt.Key.Key_F2)  # Shot ▸ Rename Shot…
    assert answers.asked[-1].kind == "text" and "demo" in answers.asked[-1].text
    assert shots(window) == ["opening", "sway", "by hand", "duet"]
    assert window.document.undo_stack.undoText() == "Rename shot demo to opening"
    assert_shown(window, qtbot, "opening")
    undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "demo")

    answers.replies["Rename shot"] = " sway "
    menu_action(window, "Shot", "Rename Shot…").trigger()
    assert window.statusBar().currentMessage() == "there is already a shot named 'sway'"
    assert shots(window) == DEMO_SHOTS and window.document.undo_stack.index() == 0
    answers.replies.pop("Rename shot")  # Cancel
    menu_action(window, "Shot", "Rename Shot…").trigger()
    assert shots(window) == DEMO_SHOTS and window.document.undo_stack.index() == 0

    rows = window.shots.list
    item = window.shots.row_of("sway")
    point = rows.visualItemRect(item).center()
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=point)  # a double-click: press, release,
    qtbot.mouseDClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=point)  # then the second press
    editor = rows.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    type_name(qtbot, rows, editor, "rocking")
    assert shots(window) == ["demo", "rocking", "by hand", "duet"]
    assert window.document.undo_stack.undoText() == "Rename shot sway to rocking"
    assert_shown(window, qtbot, "rocking")

    asked = len(answers.asked)
    rows.setFocus()
    QTest.keyClick(rows, Qt.Key.Key_F2)  # in the list, F2 edits in place: no dialog
    editor = rows.findChild(QLineEdit)
    assert len(answers.asked) == asked and editor is not None and editor.isVisible()
    type_name(qtbot, rows, editor, "duet")  # taken: refused, and the row shows the name again
    assert shots(window) == ["demo", "rocking", "by hand", "duet"]
    assert panel_state(window) == (shots(window), "rocking")
    assert window.statusBar().currentMessage() == "there is already a shot named 'duet'"
    undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "sway")


def test_duplicate_copies_the_shot_after_it_and_delete_never_removes_the_last(window, qtbot):
    click_row(window, qtbot, "duet")
    window.shots.buttons["duplicate"].click()
    assert shots(window) == DEMO_SHOTS + ["duet copy"]
    assert window.document.undo_stack.undoText() == "Duplicate shot duet as duet copy"
    copy = window.document.project.shot("duet copy")
    assert copy.characters == window.document.project.shot("duet").characters
    assert_shown(window, qtbot, "duet copy")
    QTest.keyClick(window, Qt.Key.Key_D, CTRL)  # Shot ▸ Duplicate Shot
    assert shots(window) == DEMO_SHOTS + ["duet copy", "duet copy copy"]
    undo_by_key(window)
    undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "duet")

    menu_action(window, "Shot", "Delete Shot").trigger()
    assert shots(window) == ["demo", "sway", "by hand"]
    assert window.document.undo_stack.undoText() == "Delete shot duet"
    assert_shown(window, qtbot, "by hand")  # the last one gone: the one before it
    click_row(window, qtbot, "demo")
    window.shots.buttons["delete"].click()
    assert_shown(window, qtbot, "sway")  # the one after it
    window.shots.buttons["delete"].click()
    window.shots.buttons["delete"].click()
    assert shots(window) == ["by hand"]
    assert not window.shots.buttons["delete"].isEnabled()
    assert not menu_action(window, "Shot", "Delete Shot").isEnabled()
    for _ in range(4):
        undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "duet")  # where the first delete started


def test_reorder_with_the_buttons_the_keys_and_the_menu(window, qtbot):
    panel = window.shots
    assert not panel.buttons["up"].isEnabled() and panel.buttons["down"].isEnabled()
    panel.buttons["down"].click()
    assert shots(window) == ["sway", "demo", "by hand", "duet"]
    assert window.document.undo_stack.undoText() == "Move shot demo down"
    assert_shown(window, qtbot, "demo")
    QTest.keyClick(window, Qt.Key.Key_PageDown, CTRL_SHIFT)  # Shot ▸ Move Shot Down
    assert shots(window) == ["sway", "by hand", "demo", "duet"]
    menu_action(window, "Shot", "Move Shot Up").trigger()
    assert shots(window) == ["sway", "demo", "by hand", "duet"]
    click_row(window, qtbot, "duet")
    panel.buttons["up"].click()
    assert shots(window) == ["sway", "demo", "duet", "by hand"]
    assert_shown(window, qtbot, "duet")
    assert window.document.undo_stack.count() == 4
    for _ in range(4):
        undo_by_key(window)
    assert shots(window) == DEMO_SHOTS
    assert_shown(window, qtbot, "demo")  # the shot the first move moved


def test_the_saved_file_holds_the_new_order_and_names(window, qtbot, answers, tmp_path):
    answers.replies["Rename shot"] = "opening"
    menu_action(window, "Shot", "Rename Shot…").trigger()
    menu_action(window, "Shot", "Duplicate Shot").trigger()
    menu_action(window, "Shot", "Move Shot Down").trigger()
    click_row(window, qtbot, "duet")
    window.shots.buttons["up"].click()
    expected = ["opening", "sway", "opening copy", "duet", "by hand"]
    assert shots(window) == expected
    path = tmp_path / "reordered.stopframe"
    answers.replies["Save project"] = str(path)
    menu_action(window, "File", "Save As…").trigger()
    saved = doc.load_project(path)
    assert [shot.name for shot in saved.shots] == expected
    assert saved.shot("opening copy").characters == saved.shot("opening").characters
    assert not window.document.modified


def test_a_new_projects_first_shot_has_a_real_name_and_its_clips_size(window, qtbot, answers, tmp_path):
    menu_action(window, "File", "New Project").trigger()
    assert shots(window) == [] and panel_state(window) == ([], None)
    assert not menu_action(window, "Shot", "New Shot").isEnabled()  # nothing to draw a background from
    wide = tmp_path / "wide.png"  # 320 x 180: the shots over it come out wide
    cv2.imwrite(str(wide), np.full((180, 320, 3), (40, 160, 90), np.uint8))
    answers.replies["Import clips"] = [str(CLIP), str(wide)]
    with qtbot.waitSignal(window.clips_imported, timeout=20_000):
        menu_action(window, "File", "Import Clip…").trigger()
    item = window.library.clip_item("wide")
    assert send_drop(window.canvas, window.library.mimeData([item]), QPointF(window.canvas.rect().center()))
    assert shots(window) == ["Shot 1"]
    assert window.document.shot().output == doc.Output(320, 180, "crisp")
    assert_shown(window, qtbot, "Shot 1")
    menu_action(window, "Shot", "New Shot").trigger()
    assert shots(window) == ["Shot 1", "Shot 2"]
    assert_shown(window, qtbot, "Shot 2")
    assert window.document.shot().output == doc.Output(320, 180, "crisp")
