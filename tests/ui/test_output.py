"""Output settings (issue 15, case 4) and reopening where the user was (case 8), as a user reaches
them: a shot's output size and scaling (Shot ▸ Output Size) on the Canvas, in the status bar and
the Inspector, in File ▸ Export Shot… and in `main.py render`; a clip's fit chosen at import and
changed from the Clip menu; the shot, frame and in/out points back after saving and reopening."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QAction

from tests.test_render import render_in_process
from tests.ui.conftest import menu_action, wait_for_frame
from tests.ui.test_export_dialog import click_export, custom_range, open_export_dialog
from workstation import project as doc
from workstation.ui.files.clip_fit import LABELS, TITLE

LETTERBOX, CROP = LABELS["letterbox"], LABELS["crop"]


def output_size_action(window, text: str) -> QAction:
    """Shot ▸ Output Size ▸ ``text``."""
    for entry in window.menuBar().actions():
        if entry.text().replace("&", "") == "Shot":
            for item in entry.menu().actions():
                if item.menu() is not None and item.text().replace("&", "") == "Output Size":
                    for action in item.menu().actions():
                        if action.text().replace("&", "") == text:
                            return action
    raise AssertionError(f"no command Shot ▸ Output Size ▸ {text}")


def drawn_side(window) -> int:
    """The width of what the Canvas paints over its background: the frame as the user sees it."""
    image = window.canvas.grab().toImage()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = pixels[:, : image.width() * 4].reshape(image.height(), image.width(), 4)
    background = pixels[2, 2]
    columns = np.nonzero((pixels != background).any(axis=2).any(axis=0))[0]
    return int(columns[-1] - columns[0] + 1)


def is_crisp(png: np.ndarray, scale: int) -> bool:
    """Every ``scale`` x ``scale`` block one colour: scaled up with hard pixels."""
    blocks = png.reshape(png.shape[0] // scale, scale, png.shape[1] // scale, scale, -1)
    return bool((blocks == blocks[:, :1, :, :1]).all())


def test_output_size_from_the_shot_menu_sizes_the_canvas_and_says_so(window, qtbot):
    document, canvas = window.document, window.canvas
    assert document.shot().output == doc.Output(4, "crisp")  # the demo project, as every older file: 256 x 256
    assert window.menus.output_menu.status_label.text() == "model 64×64 · output 256×256 crisp"
    assert canvas.image_rect().width() == 256 and drawn_side(window) == 256 and canvas.size_note() == ""
    assert output_size_action(window, "256 × 256 px (4×)").isChecked()

    steps = document.undo_stack.count()
    output_size_action(window, "128 × 128 px (2×)").trigger()
    assert document.shot().output == doc.Output(2, "crisp") and document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Output size 128×128" and document.modified
    assert canvas.image_rect().width() == 128 and drawn_side(window) == 128
    assert window.menus.output_menu.status_label.text() == "model 64×64 · output 128×128 crisp"
    assert window.inspector.output_line.text() == "model 64×64 · output 128×128 crisp"
    assert output_size_action(window, "128 × 128 px (2×)").isChecked()
    assert not output_size_action(window, "256 × 256 px (4×)").isChecked()

    output_size_action(window, "Smooth").trigger()
    assert document.shot().output == doc.Output(2, "smooth") and canvas.smooth
    assert window.menus.output_menu.status_label.text() == "model 64×64 · output 128×128 smooth"
    output_size_action(window, "Smooth").trigger()  # already so: no undo step
    assert document.undo_stack.count() == steps + 2

    document.select_shot("sway")  # each shot has its own
    assert canvas.image_rect().width() == 256 and not canvas.smooth
    document.select_shot("demo")
    window.resize(700, 500)  # 512 does not fit: drawn smaller, and the Canvas says so
    output_size_action(window, "512 × 512 px (8×)").trigger()
    qtbot.waitUntil(lambda: canvas.image_rect().width() < 512)
    shown = round(canvas.image_rect().width())
    assert canvas.size_note() == f"output 512×512 shown at {shown}×{shown} ({100 * shown // 512}%) to fit the window"

    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.shot().output == doc.Output(2, "crisp")
    assert canvas.image_rect().width() == 128


def test_offsets_show_in_output_pixels_and_are_stored_in_model_pixels(window, qtbot):
    document, inspector = window.document, window.inspector
    document.select_shot("by hand")
    document.select_character(document.shot().characters[0].name)
    name = document.character_name
    document.edit_character("Offset", lambda c: doc.set_keyframe(c, doc.Keyframe(document.frame, doc.Pose(tx=2.5))))
    assert inspector.offset_x.value() == 10.0 and inspector.offset_unit.text() == "px at 256×256 (the output)"
    inspector.offset_x.setValue(20.0)  # typed: 20 pixels of the 256 x 256 output
    assert doc.pose_at(document.shot().character(name), document.frame).tx == 5.0
    output_size_action(window, "128 × 128 px (2×)").trigger()
    assert inspector.offset_x.value() == 10.0 and inspector.offset_unit.text() == "px at 128×128 (the output)"


def test_export_shot_defaults_to_the_shot_output(window, qtbot, tmp_path):
    output_size_action(window, "128 × 128 px (2×)").trigger()
    dialog = open_export_dialog(window, qtbot)
    assert dialog.scale() == 2 and not dialog.smooth()
    assert dialog.size_label.text() == "128 × 128 px (the shot's output size)"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("png"))
    dialog.path_edit.setText(str(tmp_path / "frames"))
    custom_range(dialog, 0, 1)
    assert "exported 2 frames" in click_export(window, qtbot, dialog)
    pngs = sorted((tmp_path / "frames").glob("*.png"))
    first = cv2.imread(str(pngs[0]))
    assert len(pngs) == 2 and first.shape == (128, 128, 3) and is_crisp(first, 2)

    output_size_action(window, "Smooth").trigger()
    dialog = open_export_dialog(window, qtbot)
    assert dialog.scale() == 2 and dialog.smooth()
    dialog.reject()


def test_render_command_uses_the_shot_output_unless_told(window, qtbot, tmp_path, capsys):
    output_size_action(window, "128 × 128 px (2×)").trigger()
    menu_action(window, "File", "Save").trigger()
    path = window.document.path
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "own", "--range", "0:1")
    own = cv2.imread(str(next((tmp_path / "own").glob("*.png"))))
    assert code == 0 and own.shape == (128, 128, 3) and is_crisp(own, 2), lines
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "one", "--range", "0:1",
                                    "--scale", "1")
    assert code == 0 and cv2.imread(str(next((tmp_path / "one").glob("*.png")))).shape == (64, 64, 3), lines

    output_size_action(window, "Smooth").trigger()
    menu_action(window, "File", "Save").trigger()
    code, lines = render_in_process(capsys, path, "--shot", "demo", "--out", tmp_path / "smooth", "--range", "0:1")
    smooth = cv2.imread(str(next((tmp_path / "smooth").glob("*.png"))))
    assert code == 0 and smooth.shape == (128, 128, 3) and not is_crisp(smooth, 2), lines
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
