"""File ▸ Import Sprite Sheet… (issue 29, item 1), as the animator reaches it: the file picked in the
file dialog (answered through ``workstation/ui/shell/dialogs.py``), the form's grid set by cell size or
columns x rows with its cells drawn over the picture as it changes, a name typed per row, Import, and
Ctrl+Z taking every clip of the import away in one step; Aseprite's JSON picked instead, its tags
listed as the clips."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from tests.test_sprite_sheets_in import aseprite_sheet, cell_picture, lpc_rgba, lpc_sheet
from tests.ui.conftest import menu_action, snapshot
from workstation import project as doc
from workstation.media import Clip
from workstation.ui.files.sheet_dialog import SheetImportDialog
from workstation.ui.files.sheet_import import PICK_SHEET
from workstation.ui.files.sheet_preview import CHOSEN

CTRL = Qt.KeyboardModifier.ControlModifier
LPC_FRAMES = [7] * 4 + [8] * 4 + [9] * 4 + [6] * 4 + [13] * 4 + [6]  # each row's frames (../shared/data/README.md)


def open_sheet(window, qtbot, answers, path: Path) -> SheetImportDialog:
    """File ▸ Import Sprite Sheet… picking ``path``: the form it opens."""
    answers.replies[PICK_SHEET] = str(path)
    menu_action(window, "File", "Import Sprite Sheet…").trigger()
    dialog = window.menus.sheet_import.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def click(dialog: SheetImportDialog, button: QDialogButtonBox.StandardButton) -> None:
    QTest.mouseClick(dialog.buttons.button(button), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def undo(window) -> None:
    QTest.keyClick(window, Qt.Key.Key_Z, CTRL)


def table(dialog: SheetImportDialog) -> list[tuple[str, str, bool]]:
    """Each row of the form's table: (name, frames, checked)."""
    rows = []
    for row in range(dialog.table.rowCount()):
        name, frames = dialog.table.item(row, 0), dialog.table.item(row, 1)
        rows.append((name.text(), frames.text(), name.checkState() == Qt.CheckState.Checked))
    return rows


def orange_pixels(dialog: SheetImportDialog) -> int:
    """How many pixels of the preview show the chosen cells' outline."""
    image = dialog.preview.grab().toImage()
    return sum(image.pixelColor(x, y) == QColor(CHOSEN) for y in range(0, image.height(), 2)
               for x in range(image.width()))


def test_an_lpc_sheet_cut_by_a_grid_named_row_by_row_is_one_undo_step(window, qtbot, answers):
    sheet = lpc_sheet()
    before, steps = snapshot(window), window.document.undo_stack.count()
    dialog = open_sheet(window, qtbot, answers, sheet)
    assert dialog.grid_box.isVisible() and dialog.by_size.isChecked()
    assert (dialog.cell_width.value(), dialog.cell_height.value()) == (64, 64)  # guessed: 64 divides 832x1344
    assert (dialog.columns.value(), dialog.rows.value()) == (13, 21) and not dialog.columns.isEnabled()
    assert [(frames, checked) for _, frames, checked in table(dialog)] == [(str(n), True) for n in LPC_FRAMES]
    assert sum(chosen for _, chosen in dialog.preview.cells) == sum(LPC_FRAMES)  # the cells drawn in orange
    assert len(dialog.preview.cells) == 13 * 21  # every cell of the grid, the others in grey
    assert orange_pixels(dialog) > 0

    dialog.cell_width.setValue(32)  # the grid follows as it is typed
    assert (dialog.columns.value(), dialog.rows.value()) == (26, 21) and len(dialog.preview.cells) >= 21
    assert max(rect.w for rect, _ in dialog.preview.cells) == 32
    dialog.by_count.setChecked(True)  # columns x rows: the cell size follows
    dialog.columns.setValue(13)
    assert (dialog.cell_width.value(), dialog.cell_height.value()) == (64, 64) and not dialog.cell_width.isEnabled()

    for row in range(21):
        dialog.set_chosen(row, row in (8, 11))
    dialog.set_name(8, "walk back")
    dialog.set_name(11, "walk right")
    dialog.fps.setValue(10)
    assert sum(chosen for _, chosen in dialog.preview.cells) == 18
    click(dialog, QDialogButtonBox.StandardButton.Ok)

    clips = window.document.project.clips
    assert window.document.undo_stack.count() == steps + 1
    assert replace(clips["walk right"], path="") == doc.ClipRef("", 9, 10.0, 64, 64, "crop", None,
                                                                doc.SheetGrid((64, 64), 11, 0, 0, 9))
    assert doc.clip_path(window.document.project, "walk right").resolve() == sheet.resolve()
    rgba = lpc_rgba(sheet)
    for name, row in (("walk back", 8), ("walk right", 11)):
        assert window.library.clip_item(name) is not None
        frames = Clip(doc.clip_path(window.document.project, name), known=clips[name])
        for column, frame in enumerate(frames.frames()):
            np.testing.assert_array_equal(frame, rgba[64 * row:64 * row + 64, 64 * column:64 * column + 64, :3])
    assert "imported walk back, walk right from 0.png" in window.statusBar().currentMessage()
    undo(window)
    assert snapshot(window) == before and window.library.clip_item("walk right") is None


def test_a_grid_with_margin_and_spacing_drawn_live(window, qtbot, answers, tmp_path):
    """Two rows of 16x16 cells, 2 pixels of margin and 1 of spacing, the second row's last two cells
    transparent: the form takes its cells up to the last that is not empty."""
    import cv2

    picture = np.zeros((2 * 2 + 2 * 16 + 1, 2 * 2 + 4 * 16 + 3, 4), np.uint8)
    for index in range(6):
        row, column = divmod(index, 4)
        y, x = 2 + row * 17, 2 + column * 17
        picture[y:y + 16, x:x + 16] = cell_picture(index)
    path = tmp_path / "tiles.png"
    cv2.imwrite(str(path), cv2.cvtColor(picture, cv2.COLOR_RGBA2BGRA))
    dialog = open_sheet(window, qtbot, answers, path)
    dialog.cell_width.setValue(16)
    dialog.cell_height.setValue(16)
    dialog.margin.setValue(2)
    dialog.spacing.setValue(1)
    assert [frames for _, frames, _ in table(dialog)] == ["4", "2"]
    cells = {(rect.x, rect.y): chosen for rect, chosen in dialog.preview.cells}
    assert cells == {(2 + 17 * c, 2 + 17 * r): r == 0 or c < 2 for r in (0, 1) for c in range(4)}
    dialog.cell_width.setValue(70)  # no cell fits after the margin: the form says so and cannot import
    assert dialog.table.rowCount() == 0 and "no cell of 70x16 fits" in dialog.summary.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.cell_width.setValue(16)
    click(dialog, QDialogButtonBox.StandardButton.Ok)
    clips = window.document.project.clips
    assert clips["tiles row 1"].sheet == doc.SheetGrid((16, 16), 1, 2, 1, 2) and clips["tiles row 0"].frame_count == 4


def test_an_aseprite_json_lists_its_tags_and_needs_no_grid(window, qtbot, answers, tmp_path):
    path = aseprite_sheet(tmp_path, "hash")
    steps = window.document.undo_stack.count()
    dialog = open_sheet(window, qtbot, answers, path)
    assert not dialog.grid_box.isVisible()
    assert table(dialog) == [("walk", "4", True), ("jump", "4", True), ("back", "3", True)]
    assert "6 frames of hero.png, 3 tags" in dialog.summary.text()
    dialog.set_name(1, "hop")
    dialog.set_chosen(2, False)
    click(dialog, QDialogButtonBox.StandardButton.Ok)
    clips = window.document.project.clips
    assert window.document.undo_stack.count() == steps + 1
    assert clips["walk"].sheet == doc.SheetTag("walk") and clips["hop"].sheet == doc.SheetTag("jump")
    assert (clips["walk"].fps, clips["hop"].fps, clips["hop"].frame_count) == (10.0, 16.0, 4)
    assert "back" not in clips
    hop = Clip(doc.clip_path(window.document.project, "hop"), known=clips["hop"])
    for frame, index in zip(hop.frames(), [3, 4, 5, 4], strict=True):
        np.testing.assert_array_equal(frame, cell_picture(index)[..., :3])
    undo(window)
    assert "walk" not in window.document.project.clips and "hop" not in window.document.project.clips


def test_cancel_imports_nothing_and_a_bad_sheet_is_one_line(window, qtbot, answers, tmp_path):
    before = snapshot(window)
    dialog = open_sheet(window, qtbot, answers, aseprite_sheet(tmp_path, "array"))
    click(dialog, QDialogButtonBox.StandardButton.Cancel)
    assert snapshot(window) == before
    broken = tmp_path / "broken.json"
    broken.write_text('{"frames": [], "meta": {"image": "hero.png"}}', encoding="utf-8")
    answers.replies[PICK_SHEET] = str(broken)
    window.menus.sheet_import.dialog = None
    menu_action(window, "File", "Import Sprite Sheet…").trigger()
    assert window.menus.sheet_import.dialog is None and snapshot(window) == before
    assert window.statusBar().currentMessage() == f"{broken}: frames: holds no frames"


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_name_keeps_the_rows_own(window, qtbot, answers, tmp_path, name):
    dialog = open_sheet(window, qtbot, answers, aseprite_sheet(tmp_path, "array"))
    dialog.set_name(0, name)
    assert dialog.clips()[0][0] == "walk"
    click(dialog, QDialogButtonBox.StandardButton.Cancel)


def test_a_clip_cut_from_a_sheet_is_trained_on_as_cut(window, qtbot, answers):
    """File ▸ Train Model on Clips… gives `train` the clip's cut, not the whole picture (before: the
    sheet's path alone, which trained on the picture as one frame)."""
    from workstation.ui.train.train_dialog import TrainDialog

    sheet = lpc_sheet()
    dialog = open_sheet(window, qtbot, answers, sheet)
    for row in range(21):
        dialog.set_chosen(row, row == 11)
    dialog.set_name(11, "walk right")
    click(dialog, QDialogButtonBox.StandardButton.Ok)
    menu_action(window, "File", "Train Model on Clips…").trigger()
    (train,) = window.findChildren(TrainDialog)
    try:
        arguments = train.training_arguments(Path("run"))
        clips = [arguments[i + 1] for i, word in enumerate(arguments) if word == "--clip"]
        path = doc.clip_path(window.document.project, "walk right")
        assert f"{path}:grid=64x64,row=11,count=9,margin=0,spacing=0" in clips and str(path) not in clips
    finally:
        train.close()
