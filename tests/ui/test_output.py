"""Output settings (issue 15, case 4; issue 25) and reopening where the user was (case 8), as a
user reaches them: a shot's output size and scaling (Shot ▸ Output Size: the background's own
size, whole multiples of the model's square, a custom size) in the status bar, in File ▸ Export
Shot… and in `main.py render`; a clip's fit chosen at import and changed from the Clip menu; the
shot, frame and in/out points back after saving and reopening."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from tests.test_render import render_in_process
from tests.ui.conftest import menu_action, wait_for_frame
from tests.ui.test_export_dialog import click_export, custom_range, open_export_dialog
from workstation import project as doc
from workstation.ui.editing.output_size_dialog import OutputSizeDialog
from workstation.ui.files.clip_fit import LABELS, TITLE

LETTERBOX, CROP = LABELS["letterbox"], LABELS["crop"]
SIZES = "Shot ▸ Output Size"


def output_size_menu(window):
    for entry in window.menuBar().actions():
        if entry.text().replace("&", "") == "Shot":
            for item in entry.menu().actions():
                if item.menu() is not None and item.text().replace("&", "") == "Output Size":
                    return item.menu()
    raise AssertionError(f"no menu {SIZES}")


def output_size_action(window, text: str) -> QAction:
    """Shot ▸ Output Size ▸ ``text``."""
    for action in output_size_menu(window).actions():
        if action.text().replace("&", "") == text:
            return action
    raise AssertionError(f"no command {SIZES} ▸ {text}")


def offered(window) -> list[str]:
    """The items of Shot ▸ Output Size as the user sees them ("" a separator), a check mark before each checked."""
    return [("✓ " if action.isChecked() else "") + action.text().replace("&", "")
            for action in output_size_menu(window).actions() if action.isVisible()]


def custom_size(window, qtbot, width: int, height: int, ok: bool = True) -> OutputSizeDialog:
    """Shot ▸ Output Size ▸ Custom Size…: type ``width`` and ``height``, then OK (or Cancel)."""
    output_size_action(window, "Custom Size…").trigger()
    dialog = window.menus.output_menu.size_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.width_spin.setValue(width)
    dialog.height_spin.setValue(height)
    button = QDialogButtonBox.StandardButton.Ok if ok else QDialogButtonBox.StandardButton.Cancel
    QTest.mouseClick(dialog.buttons.button(button), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    return dialog


def png_shape(folder: Path) -> tuple[int, ...]:
    """The shape of the first PNG frame written into ``folder``."""
    image = cv2.imread(str(sorted(folder.glob("*.png"))[0]))
    assert image is not None
    return image.shape


@pytest.fixture
def hd_clip(tmp_path) -> Path:
    """A 1280 x 720 picture: a horizontal ramp, with a yellow band down its left side."""
    image = np.zeros((720, 1280, 3), np.uint8)
    image[:, :, 0] = np.linspace(40, 220, 1280, dtype=np.uint8)[None, :]
    image[:, :, 2] = 90
    image[:, :100] = (0, 220, 220)  # BGR: yellow
    path = tmp_path / "hd.png"
    cv2.imwrite(str(path), image)
    return path


@pytest.fixture
def hd_shot(window, qtbot, answers, hd_clip) -> str:
    """The demo shot, its background the 1280 x 720 clip (imported from File ▸ Import Clip…); its
    output still the demo's 256 x 256."""
    import_through_the_menu(window, qtbot, answers, hd_clip)
    window.document.edit_shot("Background", lambda shot: setattr(shot, "background", doc.FrameRef("hd", 0)))
    window.document.undo_stack.clear()
    assert window.document.shot().output == doc.Output(256, 256, "crisp")
    return window.document.shot_name


def test_the_menu_offers_the_background_size_multiples_of_the_model_and_a_custom_size(window, qtbot):
    document, menu = window.document, window.menus.output_menu
    assert document.shot().output == doc.Output(256, 256, "crisp")  # the demo project: 4 x 64
    assert window.viewport.engine is not None and window.viewport.engine.image_size == 64
    assert offered(window) == ["Background Size (64×64)", "64×64", "128×128", "✓ 256×256", "512×512",
                               "Custom Size…", "", "✓ Crisp Pixels", "Smooth"]
    assert menu.status_label.text() == "model 64×64 · output 256×256 crisp"

    steps = document.undo_stack.count()
    output_size_action(window, "128×128").trigger()
    assert document.shot().output == doc.Output(128, 128, "crisp") and document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Output size 128×128" and document.modified
    assert menu.status_label.text() == "model 64×64 · output 128×128 crisp"
    assert output_size_action(window, "128×128").isChecked() and not output_size_action(window, "256×256").isChecked()

    output_size_action(window, "Background Size (64×64)").trigger()  # the clip's own size: also the model's 1x
    assert document.shot().output == doc.Output(64, 64, "crisp")
    assert offered(window)[:6] == ["✓ Background Size (64×64)", "✓ 64×64", "128×128", "256×256", "512×512",
                                   "Custom Size…"]
    output_size_action(window, "Smooth").trigger()
    assert document.shot().output == doc.Output(64, 64, "smooth")
    assert menu.status_label.text() == "model 64×64 · output 64×64 smooth"
    output_size_action(window, "Smooth").trigger()  # already so: no undo step, still checked
    output_size_action(window, "64×64").trigger()
    assert document.undo_stack.count() == steps + 3 and output_size_action(window, "Smooth").isChecked()
    assert output_size_action(window, "64×64").isChecked()

    document.select_shot("sway")  # each shot has its own
    assert menu.status_label.text() == "model 64×64 · output 256×256 crisp"
    document.select_shot("demo")
    for _ in range(3):
        document.undo_stack.undo()
    assert document.shot().output == doc.Output(256, 256, "crisp")
    assert output_size_action(window, "256×256").isChecked()


def test_a_whole_multiple_is_that_many_model_squares(window, qtbot):
    side = window.viewport.engine.image_size
    output_size_action(window, f"{8 * side}×{8 * side}").trigger()
    output_size_action(window, f"{4 * side}×{4 * side}").trigger()
    assert window.document.shot().output == doc.Output(4 * side, 4 * side, "crisp")
    assert window.document.undo_stack.count() == 2
    window.document.undo_stack.undo()
    assert window.document.shot().output == doc.Output(8 * side, 8 * side, "crisp")


def test_background_size_is_the_clips_own_and_undo_restores_the_size_before(window, qtbot, hd_shot):
    document = window.document
    assert output_size_action(window, "Background Size (1280×720)").isEnabled()
    assert not output_size_action(window, "Background Size (1280×720)").isChecked()
    output_size_action(window, "Background Size (1280×720)").trigger()
    assert document.shot().output == doc.Output(1280, 720, "crisp")
    assert document.undo_stack.undoText() == "Output size 1280×720"
    assert output_size_action(window, "Background Size (1280×720)").isChecked()
    assert not output_size_action(window, "Custom Size…").isChecked()
    assert window.menus.output_menu.status_label.text() == "model 64×64 · output 1280×720 crisp"
    wait_for_frame(qtbot, window)
    assert window.canvas.image.width() == 1280 and window.canvas.image.height() == 720  # shown at that size

    document.undo_stack.undo()
    assert document.shot().output == doc.Output(256, 256, "crisp")
    assert output_size_action(window, "256×256").isChecked()


def test_a_custom_size_is_typed_in_a_dialog_and_cancel_changes_nothing(window, qtbot):
    document = window.document
    dialog = custom_size(window, qtbot, 300, 200, ok=False)
    assert dialog.windowTitle() == "Custom Output Size"
    assert document.shot().output == doc.Output(256, 256, "crisp") and document.undo_stack.count() == 0
    assert "✓ 256×256" in offered(window) and "✓ Custom Size…" not in offered(window)

    output_size_action(window, "Smooth").trigger()
    dialog = custom_size(window, qtbot, 300, 200)
    assert document.shot().output == doc.Output(300, 200, "smooth")  # the scaling kept
    assert document.undo_stack.undoText() == "Output size 300×200" and document.undo_stack.count() == 2
    assert output_size_action(window, "Custom Size…").isChecked()  # no other item matches
    assert window.menus.output_menu.status_label.text() == "model 64×64 · output 300×200 smooth"

    output_size_action(window, "Custom Size…").trigger()  # prefilled with the shot's size; 1 to 16384
    dialog = window.menus.output_menu.size_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert (dialog.width_spin.value(), dialog.height_spin.value()) == (300, 200)
    dialog.width_spin.setValue(99_999)
    dialog.height_spin.setValue(0)
    assert dialog.chosen_size() == (doc.MAX_OUTPUT_SIDE, 1)
    dialog.reject()
    assert document.shot().output == doc.Output(300, 200, "smooth")
    document.undo_stack.undo()
    assert document.shot().output == doc.Output(256, 256, "smooth")


def test_export_shot_writes_the_shots_size(window, qtbot, hd_shot, tmp_path):
    output_size_action(window, "Background Size (1280×720)").trigger()
    dialog = open_export_dialog(window, qtbot)
    assert dialog.export_size() == (1280, 720) and not dialog.smooth()
    assert dialog.size_label.text() == "1280×720, the shot's output size — Shot ▸ Output Size"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("png"))
    dialog.path_edit.setText(str(tmp_path / "frames"))
    custom_range(dialog, 0, 1)
    assert "exported 2 frames" in click_export(window, qtbot, dialog)
    assert len(list((tmp_path / "frames").glob("*.png"))) == 2
    assert png_shape(tmp_path / "frames") == (720, 1280, 3)

    custom_size(window, qtbot, 96, 64)  # and another size, smooth: the export follows the shot
    output_size_action(window, "Smooth").trigger()
    dialog = open_export_dialog(window, qtbot)
    assert dialog.export_size() == (96, 64) and dialog.smooth()
    assert dialog.size_label.text() == "96×64, the shot's output size — Shot ▸ Output Size"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("png"))
    dialog.path_edit.setText(str(tmp_path / "small"))
    custom_range(dialog, 0, 0)
    assert "exported 1 frame" in click_export(window, qtbot, dialog)
    assert png_shape(tmp_path / "small") == (64, 96, 3)


def test_render_command_uses_the_shot_output_unless_told(window, qtbot, tmp_path, capsys):
    custom_size(window, qtbot, 160, 96)
    menu_action(window, "File", "Save").trigger()
    path = window.document.path
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "own", "--range", "0:1")
    own = cv2.imread(str(next((tmp_path / "own").glob("*.png"))))
    assert code == 0 and own.shape == (96, 160, 3), lines
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "sized", "--range", "0:1",
                                    "--size", "64x48")
    assert code == 0 and png_shape(tmp_path / "sized") == (48, 64, 3), lines
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "twice", "--range", "0:1",
                                    "--scale", "2")
    assert code == 0 and png_shape(tmp_path / "twice") == (192, 320, 3), lines

    output_size_action(window, "Smooth").trigger()
    menu_action(window, "File", "Save").trigger()
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "smooth", "--range", "0:1")
    assert code == 0 and png_shape(tmp_path / "smooth") == (96, 160, 3), lines
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "crisp", "--range", "0:1",
                                    "--crisp")
    assert code == 0 and (cv2.imread(str(next((tmp_path / "crisp").glob("*.png")))) == own).all(), lines


@pytest.fixture
def wide_clip(tmp_path) -> Path:
    """A 16:9 picture: green, with a red band down its left side and a blue one down its right."""
    image = np.zeros((90, 160, 3), np.uint8)
    image[:, :, 1] = 200
    image[:, :20] = (0, 0, 255)  # BGR: red
    image[:, -20:] = (255, 0, 0)  # blue
    path = tmp_path / "wide.png"
    cv2.imwrite(str(path), image)
    return path


def import_through_the_menu(window, qtbot, answers, path: Path) -> None:
    answers.replies["Import clips"] = [str(path)]
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        menu_action(window, "File", "Import Clip…").trigger()


def fitted(window, clip: str) -> np.ndarray:
    """Frame 0 of ``clip`` as the engine rendering the Canvas takes it: RGB [3, 64, 64]."""
    engine = window.viewport.engine
    assert engine is not None and engine.frames is not None
    return engine.frames(clip, 0)


def test_a_letterboxed_wide_clip_keeps_its_whole_frame(window, qtbot, answers, settings, wide_clip):
    answers.replies[TITLE] = LETTERBOX
    import_through_the_menu(window, qtbot, answers, wide_clip)
    assert [q.kind for q in answers.asked if q.title == TITLE] == ["choose"]
    assert "160×90, not square" in next(q.text for q in answers.asked if q.title == TITLE)
    assert window.document.project.clips["wide"].fit == "letterbox"
    assert settings.value("import/fit") == "letterbox"  # the next default
    frame = fitted(window, "wide")
    assert frame[:, 0:10].max() == 0.0  # black bars above and below
    assert frame[0, 32, 1] > 0.9 and frame[2, 32, 62] > 0.9  # the red and the blue bands: the whole frame

    window.library.setCurrentItem(window.library.clip_item("wide"))  # Clip ▸ Crop to Square, one undo step
    crop = menu_action(window, "Clip", "Crop to Square")
    assert crop.isEnabled() and not crop.isChecked()
    assert menu_action(window, "Clip", "Letterbox (Whole Frame)").isChecked()
    crop.trigger()
    assert window.document.project.clips["wide"].fit == "crop" and window.document.undo_stack.undoText() == "Crop wide"
    frame = fitted(window, "wide")
    assert frame[1].min() > 0.7 and frame[0].max() < 0.1  # the centre square alone: green, no band
    window.document.undo_stack.undo()
    assert window.document.project.clips["wide"].fit == "letterbox"
    assert fitted(window, "wide")[0, 32, 1] > 0.9


def test_a_dropped_clip_takes_the_last_choice_without_asking(window, qtbot, answers, settings, wide_clip):
    settings.setValue("import/fit", "letterbox")
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        window.import_files([str(wide_clip)])  # what a drop on the Library or the Canvas does
    assert not [q for q in answers.asked if q.title == TITLE]
    assert window.document.project.clips["wide"].fit == "letterbox"


def test_cancelling_the_question_keeps_the_default(window, qtbot, answers, settings, wide_clip):
    import_through_the_menu(window, qtbot, answers, wide_clip)  # the question answered with Cancel
    assert [q.title for q in answers.asked].count(TITLE) == 1
    assert window.document.project.clips["wide"].fit == "crop" and settings.value("import/fit") is None


def test_reopening_goes_back_to_the_shot_frame_and_in_out_points(window, qtbot, answers, project_path):
    document, timeline = window.document, window.timeline
    document.select_shot("duet")
    window.scrub(5)
    steps = document.undo_stack.count()
    menu_action(window, "Playback", "Set In Point").trigger()
    window.scrub(12)
    menu_action(window, "Playback", "Set Out Point").trigger()
    assert (document.shot().in_point, document.shot().out_point) == (5, 12)
    assert document.undo_stack.count() == steps + 1  # I then O: one undo step
    assert document.undo_stack.undoText() == "In and out points of duet"
    assert timeline.range() == (5, 12) and (window.player.first, window.player.last) == (5, 12)

    document.select_shot("demo")  # another shot has its own range
    assert timeline.range() == (0, 23) and (window.player.first, window.player.last) == (0, 23)
    document.select_shot("duet")
    window.scrub(9)
    menu_action(window, "File", "Save").trigger()
    assert not document.modified

    menu_action(window, "File", "New Project").trigger()
    assert document.shot_name is None and timeline.range() == (0, 0)
    answers.replies["Open project"] = str(project_path)
    menu_action(window, "File", "Open…").trigger()
    assert document.shot_name == "duet" and document.frame == 9 and not document.modified
    assert timeline.range() == (5, 12) and timeline.frame() == 9
    assert (window.player.first, window.player.last) == (5, 12)
    wait_for_frame(qtbot, window, 9)

    document.undo_stack.clear()
    document.undo_stack.setClean()
    window.scrub(10)
    menu_action(window, "Playback", "Clear In/Out").trigger()
    assert (document.shot().in_point, document.shot().out_point) == (0, None) and timeline.range() == (0, 23)
    document.undo_stack.undo()
    assert timeline.range() == (5, 12) and (window.player.first, window.player.last) == (5, 12)
