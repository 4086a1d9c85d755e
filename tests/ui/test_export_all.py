"""File ▸ Export All Shots… (workstation/ui/export/export_all.py), picked from the menu: one output per shot
named after it, each at its own output size, nothing replaced without a Yes, and a cancel that keeps
the shots already written."""

import cv2
import numpy as np
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox, QPushButton

from tests.ui.conftest import menu_action
from tests.ui.test_output import output_size_action
from workstation import project as doc
from workstation.media import probe
from workstation.output.formats import FORMAT_INFO, OutputFormat

YES = QMessageBox.StandardButton.Yes
COMMAND, FORMAT, FOLDER, REPLACE, LAYER = "Export All Shots…", "Export All Shots", "Export all shots to folder", \
    "Replace existing exports?", "Layer"
MP4, GIF, PNG = "H.264 video (.mp4)", "Animated GIF (.gif)", FORMAT_INFO[OutputFormat.PNG].label


def export_all(window, qtbot, answers, folder, label, layer="Composite"):
    answers.replies.update({FORMAT: label, FOLDER: str(folder), LAYER: layer})
    menu_action(window, "File", COMMAND).trigger()
    qtbot.waitUntil(lambda: not window.all_shots.running, timeout=120_000)
    QThreadPool.globalInstance().waitForDone(60_000)


def test_every_shot_is_exported_to_a_file_named_after_it(window, qtbot, answers, tmp_path):
    window.document.edit("Rename", lambda project: setattr(project.shots[1], "name", "sway: take 2/3"))
    window.document.edit("Output size", lambda project: setattr(project.shots[3], "output", doc.Output(160, 96)))
    out = tmp_path / "renders"
    out.mkdir()
    export_all(window, qtbot, answers, out, GIF)
    names = ["demo.gif", "sway_ take 2_3.gif", "by hand.gif", "duet.gif"]
    assert sorted(path.name for path in out.iterdir()) == sorted(names)  # no temporaries, no locks
    for name in names:  # at each shot's own output size: the demo's 256 x 256, or the wide one set above
        info = probe(out / name)
        assert (info.frame_count, info.width, info.height) == (24, 160, 96) if name == "duet.gif" else (24, 256, 256)
    assert window.statusBar().currentMessage() == f"exported 4 shots to {out}"
    assert [question.title for question in answers.asked] == [FORMAT, LAYER, FOLDER]
    assert "4 shots" in answers.asked[0].text


def test_outputs_already_there_are_replaced_only_after_a_yes(window, qtbot, answers, tmp_path):
    out = tmp_path / "renders"
    out.mkdir()
    (out / "duet.mp4").write_bytes(b"the director's cut")
    export_all(window, qtbot, answers, out, MP4)  # the question answered No
    assert answers.asked[-1].title == REPLACE and "duet.mp4" in answers.asked[-1].text
    assert [path.name for path in out.iterdir()] == ["duet.mp4"]
    assert (out / "duet.mp4").read_bytes() == b"the director's cut"
    assert "nothing exported" in window.statusBar().currentMessage()

    answers.replies[REPLACE] = YES
    export_all(window, qtbot, answers, out, MP4)
    assert sorted(path.name for path in out.iterdir()) == ["by hand.mp4", "demo.mp4", "duet.mp4", "sway.mp4"]
    assert probe(out / "duet.mp4").frame_count == 24


def test_cancel_keeps_the_shots_written_and_leaves_no_partial_file(window, qtbot, answers, tmp_path):
    window.document.edit("Lengthen", lambda project: setattr(project.shots[1], "length", 5000))
    out = tmp_path / "renders"
    out.mkdir()
    answers.replies.update({FORMAT: MP4, FOLDER: str(out), LAYER: "Composite"})
    menu_action(window, "File", COMMAND).trigger()
    progress = window.all_shots.progress
    qtbot.waitUntil(lambda: progress.value() > 24 + 8, timeout=60_000)  # into the second shot
    progress.findChild(QPushButton).click()  # the progress dialog's Cancel
    qtbot.waitUntil(lambda: not window.all_shots.running, timeout=60_000)
    QThreadPool.globalInstance().waitForDone(60_000)
    assert [path.name for path in out.iterdir()] == ["demo.mp4"]
    assert probe(out / "demo.mp4").frame_count == 24
    assert window.statusBar().currentMessage() == f"export of all shots cancelled: 1 of 4 shots written to {out}"


def test_a_shot_over_a_1280x720_clip_exports_at_that_size(window, qtbot, answers, tmp_path):
    image = np.zeros((720, 1280, 3), np.uint8)
    image[:, :, 1] = np.linspace(0, 255, 1280, dtype=np.uint8)[None, :]
    cv2.imwrite(str(tmp_path / "hd.png"), image)
    answers.replies["Import clips"] = [str(tmp_path / "hd.png")]
    with qtbot.waitSignal(window.clips_imported, timeout=20_000):
        menu_action(window, "File", "Import Clip…").trigger()
    document = window.document
    document.select_shot("duet")
    document.edit_shot("Background", lambda shot: setattr(shot, "background", doc.FrameRef("hd", 0)))
    document.edit_shot("Shorter", lambda shot: setattr(shot, "length", 3))
    output_size_action(window, "Background Size (1280×720)").trigger()
    assert document.shot().output == doc.Output(1280, 720, "crisp")
    out = tmp_path / "renders"
    out.mkdir()
    export_all(window, qtbot, answers, out, PNG)
    assert sorted(path.name for path in out.iterdir()) == ["by hand", "demo", "duet", "sway"]
    for name, (width, height, count) in {"duet": (1280, 720, 3), "demo": (256, 256, 24)}.items():
        frames = sorted((out / name).glob("*.png"))
        first = cv2.imread(str(frames[0]))
        assert len(frames) == count and first is not None and first.shape == (height, width, 3), name


def test_a_project_without_shots_says_so(window, answers):
    window.document.open(doc.Project())
    menu_action(window, "File", COMMAND).trigger()
    assert answers.asked == [] and "no shots" in window.statusBar().currentMessage()


# -- sprite sheets: one per shot, or all shots in one ---------------------------------------------

SPRITES, SHEETS = FORMAT_INFO[OutputFormat.SPRITES].label, "Sprite sheets"


def test_sprites_of_all_shots_in_one_sheet_tag_each_shot(window, qtbot, answers, tmp_path):
    import json

    from tests.test_sprite_sheet_engines import read_aseprite, read_godot

    out = tmp_path / "game"
    out.mkdir()
    answers.replies[SHEETS] = "All shots in one sheet"
    export_all(window, qtbot, answers, out, SPRITES)
    assert [question.title for question in answers.asked] == [FORMAT, LAYER, SHEETS, FOLDER]
    sheet = out / f"{window.document.path.stem}.png"
    assert sorted(path.name for path in out.iterdir()) == sorted(sheet.with_suffix(suffix).name
                                                                 for suffix in (".json", ".png", ".tres"))
    names = ["demo", "sway", "by hand", "duet"]
    frames, meta, _ = read_aseprite(sheet)
    assert [(tag["name"], tag["from"], tag["to"]) for tag in meta["frameTags"]] == [
        (name, 24 * index, 24 * index + 23) for index, name in enumerate(names)]
    assert frames[48]["filename"] == "by_hand_00"
    assert [animation.name for animation in read_godot(sheet)] == names
    assert window.statusBar().currentMessage() == f"exported 4 shots into one sprite sheet, {sheet}"
    assert json.loads(sheet.with_suffix(".json").read_text())["meta"]["scale"] == "4"


def test_sprites_one_sheet_per_shot_and_one_sheet_of_different_sizes_refused(window, qtbot, answers, tmp_path):
    out = tmp_path / "sheets"
    out.mkdir()
    answers.replies[SHEETS] = "One sheet per shot"
    export_all(window, qtbot, answers, out, SPRITES)
    assert sorted(path.name for path in out.iterdir()) == sorted(
        f"{name}{suffix}" for name in ("demo", "sway", "by hand", "duet") for suffix in (".json", ".png", ".tres"))

    window.document.edit("Output size", lambda project: setattr(project.shots[3], "output", doc.Output(160, 96)))
    one = tmp_path / "one"
    one.mkdir()
    answers.replies[SHEETS] = "All shots in one sheet"
    export_all(window, qtbot, answers, one, SPRITES)
    assert list(one.iterdir()) == []
    message = window.statusBar().currentMessage()
    assert message.startswith("nothing exported: ") and "'duet' 160×96 crisp" in message, message


def test_the_characters_alone_over_transparency_into_one_sheet_for_a_game(window, qtbot, answers, tmp_path):
    """A game engine draws its own backgrounds: Export All can write the Characters layer (issue 29)."""
    from tests.test_sprite_sheet_engines import read_aseprite

    out = tmp_path / "game"
    out.mkdir()
    answers.replies[SHEETS] = "All shots in one sheet"
    export_all(window, qtbot, answers, out, SPRITES, layer="Characters (alpha)")
    sheet = cv2.imread(str(out / f"{window.document.path.stem}.png"), cv2.IMREAD_UNCHANGED)
    assert sheet is not None and sheet.shape[2] == 4
    frames, _, _ = read_aseprite(out / f"{window.document.path.stem}.png")
    rect = frames[0]["frame"]
    cell = sheet[rect["y"]:rect["y"] + rect["h"], rect["x"]:rect["x"] + rect["w"]]
    assert (cell[..., 3] == 0).mean() > 0.5 and (cell[..., 3] == 255).any()  # the characters, no ground
    layer_question = next(question for question in answers.asked if question.title == LAYER)
    assert "layer" in layer_question.text


def test_a_format_without_alpha_offers_no_layer_that_needs_it(window, qtbot, answers, tmp_path):
    out = tmp_path / "videos"
    out.mkdir()
    export_all(window, qtbot, answers, out, MP4, layer="Characters (alpha)")  # not offered: nothing is written
    assert list(out.iterdir()) == []
    export_all(window, qtbot, answers, out, MP4, layer="Background")
    assert sorted(path.name for path in out.iterdir()) == ["by hand.mp4", "demo.mp4", "duet.mp4", "sway.mp4"]
