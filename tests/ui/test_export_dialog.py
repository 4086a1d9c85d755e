"""File ▸ Export Shot…, the form filled as a user fills it: opened from the menu or with Ctrl+E, its
combo boxes, spin boxes and file name set, Export clicked. It exports the timeline's in/out range
(frames numbered from 0, as the timeline shows them) at the shot's output size, any layer (the
Characters layer only to a format with alpha), asks before replacing anything and remembers where
the last export went."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtGui import QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.ui.conftest import menu_action
from workstation import project as doc
from workstation.media import probe
from workstation.output.formats import FORMAT_INFO, has_alpha
from workstation.render.shot_frames import open_engine
from workstation.ui.export.export_dialog import CUSTOM, IN_OUT, WHOLE, ExportDialog
from workstation.ui.view.timeline import RULER_HEIGHT

REPLACE = "Replace existing export?"


@pytest.fixture
def exports(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def open_export_dialog(window, qtbot, shortcut: bool = False) -> ExportDialog:
    """File ▸ Export Shot…, picked from the menu or with Ctrl+E."""
    before = window.export_shot_dialog
    if shortcut:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    else:
        menu_action(window, "File", "Export Shot…").trigger()
    dialog = window.export_shot_dialog
    assert dialog is not None and dialog is not before
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def choose(combo, data) -> None:
    """Pick the entry holding ``data``, as a click on it in the list does."""
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)


def fill(dialog: ExportDialog, fmt: str, path, layer: str = "composite") -> None:
    choose(dialog.format_combo, fmt)
    choose(dialog.layer_combo, layer)
    dialog.path_edit.setText(str(path))


def custom_range(dialog: ExportDialog, first: int, last: int) -> None:
    dialog.range_combo.setCurrentIndex(CUSTOM)
    dialog.last_spin.setValue(last)
    dialog.first_spin.setValue(first)


def click_export(window, qtbot, dialog: ExportDialog, finished: bool = True) -> str:
    """Click Export and wait for the export it starts; the status bar's line."""
    window.statusBar().clearMessage()
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    QThreadPool.globalInstance().waitForDone(60_000)
    if finished:
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() != "", timeout=10_000)
    return window.statusBar().currentMessage()


def go_to(window, frame: int) -> None:
    """Click frame ``frame``'s cell on the timeline."""
    timeline = window.timeline
    timeline.set_frame(frame)  # scrolled into view
    x = round(timeline.x_of(frame) + timeline.cell_width() / 2)
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, (RULER_HEIGHT + timeline.height()) // 2))
    assert window.document.frame == frame


def rendered(window, frames: range, layer: str) -> np.ndarray:
    """What the engine renders for ``frames`` of the current shot, in 8 bits [N, H, W, C] (RGB order)."""
    project = window.document.project
    engine = open_engine(project)  # the job's own kind of engine: the viewport's is busy on its thread
    images = engine.render_requests(doc.render_requests(project, window.document.shot_name, frames), layer)
    return np.rint(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8).transpose(0, 2, 3, 1)


def read_png(path: Path) -> np.ndarray:
    """A PNG's pixels in RGB(A) order."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB)


def test_the_form_proposes_the_shot_in_the_project_folder(window, qtbot, project_path):
    dialog = open_export_dialog(window, qtbot, shortcut=True)
    assert dialog.fmt() == "mp4" and dialog.layer() == "composite" and dialog.export_size() == (256, 256)
    assert [dialog.format_combo.itemText(i) for i in range(dialog.format_combo.count())] == \
        [info.label for info in FORMAT_INFO.values()]
    assert Path(dialog.path_edit.text()) == Path(project_path).parent / "demo.mp4"
    assert dialog.range_combo.currentIndex() == IN_OUT
    assert dialog.range_combo.itemText(IN_OUT) == "In/out (frames 0–23)"
    assert dialog.range_combo.itemText(WHOLE) == "Whole shot (24 frames)"
    assert not dialog.first_spin.isEnabled()
    assert dialog.size_label.text() == "256×256, the shot's output size — Shot ▸ Output Size"

    choose(dialog.format_combo, "png")  # a folder: no extension
    assert Path(dialog.path_edit.text()).name == "demo"
    choose(dialog.format_combo, "gif")
    assert Path(dialog.path_edit.text()).name == "demo.gif"
    choose(dialog.format_combo, "sprites")
    assert Path(dialog.path_edit.text()).name == "demo.png"

    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert window.settings.value("export/folder") is None  # nothing exported, nothing remembered


def test_the_export_honours_the_in_and_out_points(window, qtbot, exports):
    go_to(window, 4)
    QTest.keyClick(window.timeline, Qt.Key.Key_I)
    go_to(window, 15)
    QTest.keyClick(window.timeline, Qt.Key.Key_O)
    assert window.timeline.range() == (4, 15) and (window.player.first, window.player.last) == (4, 15)

    dialog = open_export_dialog(window, qtbot)
    assert dialog.range_combo.currentIndex() == IN_OUT
    assert dialog.range_combo.currentText() == "In/out (frames 4–15)"  # as the timeline numbers them
    folder = exports / "frames"
    fill(dialog, "png", folder)
    assert dialog.frame_count_label.text() == "12 frames"
    assert "exported 12 frames" in click_export(window, qtbot, dialog)
    assert not dialog.isVisible()

    written = sorted(folder.glob("frame_*.png"))
    assert len(written) == 12 and sorted(p.name for p in folder.iterdir()) == [p.name for p in written]
    expected = rendered(window, range(4, 16), "composite")
    for path, frame in zip(written, expected, strict=True):
        assert np.array_equal(read_png(path), frame), path.name


def test_a_sprite_sheet_of_the_in_out_range_names_and_tags_the_timelines_frames(window, qtbot, exports):
    """The sheet's frames are named by the timeline's numbers (demo_04 ... demo_15), its one tag spans
    them, and the Godot resource beside it holds the same frames."""
    from tests.test_sprite_sheet_engines import read_aseprite, read_godot

    go_to(window, 4)
    QTest.keyClick(window.timeline, Qt.Key.Key_I)
    go_to(window, 15)
    QTest.keyClick(window.timeline, Qt.Key.Key_O)
    dialog = open_export_dialog(window, qtbot)
    fill(dialog, "sprites", exports / "demo")
    assert "exported 12 frames" in click_export(window, qtbot, dialog)
    sheet = exports / "demo.png"
    frames, meta, atlas = read_aseprite(sheet)
    assert [entry["filename"] for entry in frames] == [f"demo_{number:02d}" for number in range(4, 16)]
    assert meta["frameTags"] == [{"name": "demo", "from": 0, "to": 11, "direction": "forward"}]
    [animation] = read_godot(sheet)
    assert (animation.name, animation.speed, len(animation.regions)) == ("demo", 12.0, 12)
    for entry, frame in zip(frames, rendered(window, range(4, 16), "composite"), strict=True):
        rect = entry["frame"]
        assert np.array_equal(atlas[rect["y"]:rect["y"] + rect["h"], rect["x"]:rect["x"] + rect["w"], :3], frame)


def test_the_characters_layer_exports_its_alpha(window, qtbot, exports):
    dialog = open_export_dialog(window, qtbot)
    folder = exports / "cutout"
    fill(dialog, "png", folder, layer="characters")
    assert dialog.fmt() == "png" and not dialog.note.isVisible()  # PNG keeps alpha: nothing to switch
    custom_range(dialog, 2, 4)
    assert dialog.frame_count_label.text() == "3 frames"
    assert "exported 3 frames" in click_export(window, qtbot, dialog)

    written = sorted(folder.glob("frame_*.png"))
    expected = rendered(window, range(2, 5), "characters")
    assert len(written) == 3
    for path, frame in zip(written, expected, strict=True):
        image = read_png(path)
        assert image.shape[2] == 4
        assert np.array_equal(image[..., 3], frame[..., 3]), path.name
        assert np.array_equal(image, frame), path.name
    assert expected[..., 3].max() == 255 and expected[..., 3].min() == 0  # characters, and clear around them


def test_a_custom_range_keeps_from_before_to(window, qtbot):
    dialog = open_export_dialog(window, qtbot)
    custom_range(dialog, 5, 9)
    assert dialog.frames() == range(5, 10)
    dialog.first_spin.setValue(12)  # past To: To follows
    assert dialog.frames() == range(12, 13) and dialog.frame_count_label.text() == "1 frame"
    dialog.last_spin.setValue(3)  # before From: From follows
    assert dialog.frames() == range(3, 4)
    assert dialog.last_spin.maximum() == 23
    dialog.range_combo.setCurrentIndex(WHOLE)
    assert dialog.frames() == range(24) and not dialog.last_spin.isEnabled()
    dialog.reject()


def test_an_existing_output_is_replaced_only_after_asking(window, qtbot, answers, exports):
    existing = exports / "demo.gif"
    existing.write_bytes(b"my only copy")
    dialog = open_export_dialog(window, qtbot)
    fill(dialog, "gif", exports / "demo")  # typed without the extension
    custom_range(dialog, 0, 1)
    click_export(window, qtbot, dialog, finished=False)
    assert [q.title for q in answers.asked] == [REPLACE] and str(existing) in answers.asked[-1].text
    assert existing.read_bytes() == b"my only copy"  # the default answer is No
    assert dialog.isVisible() and dialog.path_edit.text() == str(existing)
    assert [p.name for p in exports.iterdir()] == ["demo.gif"]  # no temporary, no lock
    assert window.settings.value("export/folder") is None

    answers.replies[REPLACE] = QMessageBox.StandardButton.Yes
    assert "exported 2 frames" in click_export(window, qtbot, dialog)
    assert not dialog.isVisible()
    info = probe(existing)
    assert (info.frame_count, info.width, info.height) == (2, 256, 256)
    assert [p.name for p in exports.iterdir()] == ["demo.gif"]


def test_the_characters_layer_never_goes_to_a_format_without_alpha(window, qtbot, exports):
    dialog = open_export_dialog(window, qtbot)
    choose(dialog.format_combo, "mp4")
    choose(dialog.layer_combo, "characters")
    assert dialog.fmt() == "mov"  # switched, and said so
    assert dialog.note.isVisible() and "H.264 video (.mp4) has no alpha channel" in dialog.note.text()
    assert Path(dialog.path_edit.text()).name == "demo.mov"
    model = dialog.format_combo.model()
    assert isinstance(model, QStandardItemModel)
    enabled = {model.item(row).data(Qt.ItemDataRole.UserRole): model.item(row).isEnabled()
               for row in range(model.rowCount())}
    assert enabled == {name: has_alpha(name) for name in FORMAT_INFO}

    seen = set()  # the keyboard skips the disabled entries
    dialog.format_combo.setFocus()
    for key in [Qt.Key.Key_Up] * 10 + [Qt.Key.Key_Down] * 10:
        QTest.keyClick(dialog.format_combo, key)
        seen.add(dialog.fmt())
    assert {"png", "sprites"} <= seen and not seen & {"mp4", "gif"}

    choose(dialog.format_combo, "gif")  # even set directly, it does not stay
    assert dialog.fmt() == "apng" and "Animated GIF (.gif) has no alpha channel" in dialog.note.text()
    dialog.path_edit.setText(str(exports / "cutout"))
    custom_range(dialog, 0, 1)
    assert "exported 2 frames" in click_export(window, qtbot, dialog)
    assert [p.name for p in exports.iterdir()] == ["cutout.png"]  # an animated PNG, never mp4 nor gif

    dialog = open_export_dialog(window, qtbot)  # remembered: characters, apng
    assert (dialog.layer(), dialog.fmt()) == ("characters", "apng")
    choose(dialog.layer_combo, "composite")
    assert all(dialog.format_combo.model().item(row).isEnabled() for row in range(dialog.format_combo.count()))
    choose(dialog.format_combo, "mp4")
    assert dialog.fmt() == "mp4" and not dialog.note.isVisible()
    dialog.reject()


def test_the_dialog_remembers_the_last_folder_and_choices(window, qtbot, answers, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    dialog = open_export_dialog(window, qtbot)
    answers.replies["Export shot 'demo'"] = str(first / "walk")  # Browse…, a name typed without extension
    QTest.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.path_edit.text() == str(first / "walk")
    choose(dialog.format_combo, "gif")
    assert dialog.path_edit.text() == str(first / "walk.gif")
    choose(dialog.scaling_combo, "smooth")  # for this export only
    custom_range(dialog, 0, 1)
    assert "exported 2 frames" in click_export(window, qtbot, dialog)
    assert window._export[0].request.output == doc.Output(256, 256, "smooth")  # the job writing it
    assert probe(first / "walk.gif").width == 256

    second = open_export_dialog(window, qtbot, shortcut=True)
    assert second is not dialog
    assert Path(second.path_edit.text()) == first / "demo.gif"  # the folder of the last export, the shot's name
    assert (second.fmt(), second.layer()) == ("gif", "composite")
    assert not second.smooth()  # the shot's scaling (Shot ▸ Output Size), never the last export's
    assert second.range_combo.currentIndex() == IN_OUT  # the range is the timeline's, never remembered
    second.reject()


def with_output(window, width: int, height: int) -> None:
    window.document.edit_shot("Output size", lambda shot: setattr(shot, "output", doc.Output(width, height)))


def test_a_size_the_writer_would_refuse_cannot_be_exported(window, qtbot, monkeypatch):
    for module in ("writer", "sprite_sheet"):  # a smaller limit than 16384, for small frames
        monkeypatch.setattr(f"workstation.output.{module}.MAX_SIDE", 512)
    with_output(window, 512, 300)
    dialog = open_export_dialog(window, qtbot)
    assert dialog.size_label.text() == "512×300, the shot's output size — Shot ▸ Output Size"
    assert dialog.export_button.isEnabled()
    dialog.reject()
    with_output(window, 513, 300)
    dialog = open_export_dialog(window, qtbot)
    assert "the limit is 512 a side" in dialog.size_label.text() and not dialog.export_button.isEnabled()
    choose(dialog.format_combo, "sprites")  # an atlas of 24 frames is far over the limit
    assert "512" in dialog.size_label.text() and not dialog.export_button.isEnabled()
    dialog.reject()

    with_output(window, 200, 120)
    dialog = open_export_dialog(window, qtbot)
    choose(dialog.format_combo, "sprites")  # 24 frames of 200 x 120: at most 2 x 4 fit in 512 x 512
    assert "sprite sheet of 24 frames of 200x120" in dialog.size_label.text()
    assert not dialog.export_button.isEnabled()
    custom_range(dialog, 0, 3)  # 4 frames fit
    assert dialog.size_label.text() == "200×120, the shot's output size — Shot ▸ Output Size"
    assert dialog.export_button.isEnabled()
    dialog.reject()


def test_an_odd_sized_video_is_padded_to_even_sides_and_says_so(window, qtbot, exports):
    with_output(window, 101, 61)
    dialog = open_export_dialog(window, qtbot)
    fill(dialog, "mp4", exports / "odd")
    assert dialog.size_label.text() == "102×62: 101×61, the shot's output size, padded to even sides — " \
        "Shot ▸ Output Size"
    choose(dialog.format_combo, "png")
    assert dialog.size_label.text() == "101×61, the shot's output size — Shot ▸ Output Size"
    choose(dialog.format_combo, "mp4")
    custom_range(dialog, 0, 1)
    assert "exported 2 frames" in click_export(window, qtbot, dialog)
    info = probe(exports / "odd.mp4")
    assert (info.frame_count, info.width, info.height) == (2, 102, 62)


def test_the_demo_and_untitled_projects_never_export_into_stopframes_own_folder(window, qtbot, project_path):
    """After File ▸ Open Demo ▸ Digits (written into Stopframe's hidden data folder), Export Shot…
    proposed that hidden folder (and an untitled project, the folder of the latest project: the
    demo's). It proposes the folder of the latest project of the user's own."""
    from tests.ui.test_sprite_demo_ui import open_demo_action
    from workstation.kernel.locations import is_stopframes_own

    open_demo_action(window, "Digits").trigger()
    qtbot.waitUntil(lambda: window.document.path is not None and is_stopframes_own(window.document.path.parent))
    dialog = open_export_dialog(window, qtbot)
    proposed = Path(dialog.path_edit.text())
    assert not is_stopframes_own(proposed.parent) and proposed.parent == Path(project_path).parent
    assert window.files.last_folder() == Path(project_path).parent
    dialog.close()
