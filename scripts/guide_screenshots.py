"""Every picture of the animator's guide (``docs/GUIDE.md``), made by driving the workstation the
way a user would: its menu commands (``QAction.trigger``), drags and drops on its widgets, and its
dialogs (file dialogs answered through ``workstation/ui/shell/dialogs.py``). First the panels, on the demo
project; then one whole workflow in a new project: import, drop, motion, keys, layers, export,
training; then, in the sprite demo, from a sprite sheet to a game engine: a sheet imported by its
grid, its clips in the Library, a shot of them, every shot exported into one sprite sheet. Run under
Xvfb with `make guide`, or offscreen:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/guide_screenshots.py docs/guide

``--only NAME`` makes only the pictures whose file names start with NAME (``--only sheets-``: the
sprite-sheet walkthrough; a walkthrough's pictures need the ones before them). The training form is
taken as it opens, while it measures how fast this computer trains; ``--estimate`` waits (up to 3
minutes) for it to say how long training takes, which depends on the computer and how busy it is.

A picture of a panel the window does not have yet is skipped with a note; any other picture that
cannot be made fails the run (exit status 1) after the others are written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from guide_driver import (  # noqa: E402
    Guide,
    MenuCommandMissing,
    PanelMissing,
    over_checkerboard,
    png_bytes,
    write_lpc_sheet,
)
from PySide6.QtCore import QPointF, QRect, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QImage, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox  # noqa: E402

from workstation.demos.digit_demo import write_demo_project  # noqa: E402
from workstation.demos.sprite_demo import SPRITE_DEMO_FOLDER  # noqa: E402
from workstation.kernel.safe_write import write_bytes  # noqa: E402
from workstation.output.formats import OutputFormat  # noqa: E402
from workstation.ui.shell import dialogs  # noqa: E402
from workstation.ui.shell.main_window import MainWindow  # noqa: E402

WINDOW_SIZE = (1360, 820)  # fits the 1440x900 screen of `make guide`
CLIPS = ROOT / "assets" / "demo" / "clips"
WORKFLOW_CLIPS = ("backdrop-1.png", "digit-2-sway", "digit-5-square")  # what the workflow imports
WARM_UP_TIMEOUT_S = 180.0  # the training form's measuring run: Python, PyTorch and a few steps


@dataclass(frozen=True)
class Picture:
    file: str  # under the output folder, and linked from docs/GUIDE.md as guide/<file>
    take: Callable[[Guide], QPixmap]


# -- the panels, on the demo project -----------------------------------------------------------------
def open_demo(guide: Guide) -> None:
    """The demo project as ``make screenshot`` shows it: the shot animated by keys, its character
    selected, a clip open in the Library, frame 8."""
    window = guide.window
    if not window.open_project(write_demo_project(guide.folder / "demo")):
        raise RuntimeError("the demo project did not open")
    guide.settle()
    window.inspector.shot_box.setCurrentText("by hand")
    window.inspector.shot_box.activated.emit(window.inspector.shot_box.currentIndex())
    guide.settle()
    window.layers.list.setCurrentRow(0)  # a click on the character's row of the Layers panel
    guide.library_media("digit-7-drift", 8)  # the clip clicked, its frame 8 picked under the list
    window.timeline.frame_requested.emit(8)  # a click on frame 8 of the Timeline
    guide.settle()


def overview(guide: Guide) -> QPixmap:
    return guide.whole_window()


def canvas(guide: Guide) -> QPixmap:
    return guide.canvas_image()


def dock_picture(title: str) -> Callable[[Guide], QPixmap]:
    def take(guide: Guide) -> QPixmap:
        guide.settle()
        return guide.dock(title).grab()

    return take


def shortcuts(guide: Guide) -> QPixmap:
    guide.trigger("Help", "Keyboard Shortcuts…")
    dialog = guide.dialog("Keyboard Shortcuts")
    dialog.resize(560, 420)
    guide.app.processEvents()
    picture = dialog.grab()
    dialog.close()
    return picture


# -- one workflow, in a new project ------------------------------------------------------------------
def workflow_import(guide: Guide) -> QPixmap:
    """File ▸ New Project, File ▸ Import Clip… with a backdrop and two clips of digits, and File ▸
    Save As… (so exports and models go beside the project)."""
    guide.replies["Unsaved changes"] = QMessageBox.StandardButton.Discard
    guide.trigger("File", "New Project")
    guide.wait_for_import([str(CLIPS / name) for name in WORKFLOW_CLIPS])
    film = guide.folder / "my-film"
    film.mkdir()
    guide.replies["Save project"] = str(film / "my-film")  # the extension is added
    guide.trigger("File", "Save As…")
    if guide.window.document.path is None:
        raise RuntimeError("File ▸ Save As… did not save the project")
    guide.window.statusBar().clearMessage()  # "saved /tmp/…": this run's folder, not the reader's
    guide.library_media("digit-2-sway", 0)  # the clip clicked: its frames under the list
    guide.settle()
    return guide.whole_window()


def workflow_drop(guide: Guide) -> QPixmap:
    """The backdrop dropped on the empty Canvas (a new shot), then frame 0 of the 2 Shift-dropped
    on it (a new character, selected)."""
    canvas = guide.window.canvas
    guide.drag(guide.library_media("backdrop-1"), QPointF(canvas.rect().center()))
    guide.settle()
    rect = canvas.image_rect()
    guide.drag(guide.library_media("digit-2-sway", 0), QPointF(rect.center()), shift=True)
    guide.settle()
    if guide.window.document.character_name is None:
        raise RuntimeError("the Shift-drop added no character")
    return guide.whole_window()


def workflow_motion(guide: Guide) -> QPixmap:
    """The 5's clip held over the character: the Canvas says what the drop will do. Then dropped."""
    window = guide.window
    name = window.document.character_name
    if name is None:
        raise RuntimeError("no character selected to give motion to")
    point = guide.point_on(name)
    media = guide.library_media("digit-5-square")
    guide.drag(media, point, drop=False)
    canvas = window.canvas
    top = max(0, int(canvas.image_rect().top()) - 4)  # down to the Canvas's foot: the line saying what the drop does
    picture = canvas.grab(QRect(0, top, canvas.width(), canvas.height() - top))
    guide.drag(media, point)
    guide.settle()
    character = window.document.character()
    if character is None or character.motion is None or character.motion.clip != "digit-5-square":
        raise RuntimeError("the drop gave the character no motion")
    return picture


def workflow_keys(guide: Guide) -> QPixmap:
    """Keys at 0, 12 and the last frame: drag the character at the first two (each drag keys the
    frame) and Edit ▸ Set Key at the last; then back to frame 12 to look."""
    window = guide.window
    name = window.document.character_name
    assert name is not None
    guide.trigger("Playback", "First Frame")
    guide.settle()
    guide.drag_character(name, -60, -40)
    window.timeline.frame_requested.emit(12)
    guide.settle()
    guide.drag_character(name, 80, 30)
    guide.trigger("Playback", "Last Frame")
    guide.trigger("Edit", "Set Key")
    window.timeline.frame_requested.emit(12)
    guide.settle()
    keys = window.timeline.keys()
    if len(keys) != 3:
        raise RuntimeError(f"expected 3 keys on the Timeline, found frames {keys}")
    return guide.whole_window()


LAYER_VIEWS = (("Composite", "Ctrl+1"), ("Background", "Ctrl+2"), ("Characters", "Ctrl+3"),
               ("Alpha Matte", "Ctrl+4"))


def workflow_layers(guide: Guide) -> QPixmap:
    """View ▸ Layer ▸ each of the four, side by side, then back to the composite."""
    side, label, gap = 240, 24, 8
    sheet = QImage(len(LAYER_VIEWS) * (side + gap) - gap, side + label, QImage.Format.Format_RGB32)
    sheet.fill(guide.window.palette().window().color())
    painter = QPainter(sheet)
    painter.setPen(guide.window.palette().text().color())
    for column, (name, keys) in enumerate(LAYER_VIEWS):
        guide.trigger("View", "Layer", name)
        guide.settle(timeline=False)
        picture = guide.canvas_image().scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        x = column * (side + gap)
        painter.drawPixmap(x + (side - picture.width()) // 2, 0, picture)
        painter.drawText(QRect(x, side, side, label), Qt.AlignmentFlag.AlignCenter, f"{name} ({keys})")
    painter.end()
    guide.trigger("View", "Layer", "Composite")
    guide.settle(timeline=False)
    return QPixmap.fromImage(sheet)


def workflow_export(guide: Guide) -> QPixmap:
    guide.trigger("File", "Export Shot…")
    dialog = guide.dialog("Export")
    guide.app.processEvents()
    picture = dialog.grab()
    dialog.reject()
    return picture


def preferences(guide: Guide) -> QPixmap:
    try:
        guide.trigger("Edit", "Preferences…")
    except MenuCommandMissing as missing:
        raise PanelMissing(f"the app has no {missing.path} yet") from None
    dialog = guide.dialog("Preferences")
    guide.app.processEvents()
    picture = dialog.grab()
    dialog.reject()
    return picture


def workflow_train(guide: Guide) -> QPixmap:
    """The training form before Train is pressed (a run takes minutes), with ``wait_for_estimate``
    once it has measured how long a run would take (a warm-up of a few steps)."""
    guide.trigger("File", "Train Model on Clips…")
    dialog = guide.dialog("Train")
    warm_up = getattr(dialog, "warm_up", None)  # the measuring run, where the form has one
    deadline = time.monotonic() + (WARM_UP_TIMEOUT_S if guide.wait_for_estimate else 0)
    while warm_up is not None and warm_up.running() and time.monotonic() < deadline:
        guide.app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        guide.app.processEvents()
    picture = dialog.grab()
    dialog.close()
    return picture


# -- from sprite sheet to game engine, in the sprite demo -----------------------------------------------
SHEET_ROWS = (("walk", "walk-right"), ("slash", "slash-right"), ("spellcast", "cast-front"))  # demo clip, name
SHEET_CELL = 64  # the LPC cell, and the sprite model's square
GODOT_SPRITES = ("my-game", "godot", "sprites")  # res://sprites/ of a Godot project, under the run's folder


def sheets_import(guide: Guide) -> QPixmap:
    """File ▸ Open Demo ▸ Sprites; File ▸ Import Sprite Sheet… with the LPC sheet: the form with its
    grid over the picture, each row named; then Import."""
    guide.replies["Unsaved changes"] = QMessageBox.StandardButton.Discard
    guide.trigger("File", "Open Demo", "Sprites")
    guide.settle()
    game = guide.folder / GODOT_SPRITES[0]
    game.mkdir(exist_ok=True)
    rows = [SPRITE_DEMO_FOLDER / "clips" / clip for clip, _ in SHEET_ROWS]
    dialog = guide.import_sprite_sheet(write_lpc_sheet(game / "hero.png", rows, SHEET_CELL))
    for row, (_, name) in enumerate(SHEET_ROWS):
        dialog.set_name(row, name)  # the name typed into the row
    dialog.resize(980, 560)
    guide.app.processEvents()
    picture = dialog.grab()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # Import
    guide.settle()
    missing = [name for _, name in SHEET_ROWS if guide.window.library.clip_item(name) is None]
    if missing:
        raise RuntimeError(f"Import Sprite Sheet… added no clip {', '.join(missing)}")
    return picture


def sheets_library(guide: Guide) -> QPixmap:
    """The walk row's clip clicked in the Library, its frame 3 under the list."""
    guide.library_media(SHEET_ROWS[0][1], 3)
    guide.window.library.scrollToBottom()  # the sheet's three clips, the last in the list
    guide.settle()
    return guide.dock("Library").grab()


def sheets_shot(guide: Guide) -> QPixmap:
    """Shot ▸ New Shot, renamed "hero", at the demo's output size; frame 0 of the walk Shift-dropped
    (a character), the slash's clip dropped on it (its motion); at frame 3."""
    window = guide.window
    guide.trigger("Shot", "New Shot")
    guide.replies["Rename shot"] = "hero"
    guide.trigger("Shot", "Rename Shot…")
    guide.trigger("Shot", "Output Size", "256×256")  # the other shots' size: one sheet's cells share it
    guide.settle()
    guide.drag(guide.library_media(SHEET_ROWS[0][1], 0), QPointF(window.canvas.image_rect().center()), shift=True)
    guide.settle()
    name = window.document.character_name
    if name is None:
        raise RuntimeError("the Shift-drop added no character")
    guide.drag(guide.library_media(SHEET_ROWS[1][1]), guide.point_on(name))
    window.timeline.frame_requested.emit(3)
    guide.settle()
    character = window.document.character()
    if character is None or character.motion is None or character.motion.clip != SHEET_ROWS[1][1]:
        raise RuntimeError("the drop gave the character no motion")
    return guide.whole_window()


def sheets_export(guide: Guide) -> QPixmap:
    """File ▸ Export All Shots… as a sprite sheet, all shots in one sheet, into the sprites folder of
    a Godot project; the atlas it wrote, a quarter size (the model's own pixels), over a checkerboard."""
    folder = guide.folder.joinpath(*GODOT_SPRITES)
    folder.mkdir(parents=True, exist_ok=True)
    said = guide.export_all_shots(folder, OutputFormat.SPRITES, one_sheet=True)
    atlas = folder / "sprites.png"  # named after the project
    written = [atlas.with_suffix(suffix) for suffix in (".png", ".json", ".tres")]
    if not all(path.is_file() for path in written):
        raise RuntimeError(f"Export All Shots… wrote {sorted(p.name for p in folder.iterdir())}: {said}")
    return over_checkerboard(QImage(str(atlas)), shrink=4)  # crisp 4x frames: a quarter is the model's own pixels


PICTURES = (
    Picture("window.png", overview),
    Picture("canvas.png", canvas),
    Picture("library.png", dock_picture("Library")),
    Picture("timeline.png", dock_picture("Timeline")),
    Picture("inspector.png", dock_picture("Inspector")),
    Picture("layers-panel.png", dock_picture("Layers")),
    Picture("shots.png", dock_picture("Shots")),
    Picture("shortcuts.png", shortcuts),
    Picture("workflow-1-import.png", workflow_import),
    Picture("workflow-2-drop.png", workflow_drop),
    Picture("workflow-3-motion.png", workflow_motion),
    Picture("workflow-4-keys.png", workflow_keys),
    Picture("workflow-5-layers.png", workflow_layers),
    Picture("workflow-6-export.png", workflow_export),
    Picture("workflow-7-train.png", workflow_train),
    Picture("preferences.png", preferences),
    Picture("sheets-1-import.png", sheets_import),
    Picture("sheets-2-library.png", sheets_library),
    Picture("sheets-3-shot.png", sheets_shot),
    Picture("sheets-4-export.png", sheets_export),
)


def main() -> int:
    parser = argparse.ArgumentParser(description="Make every picture of docs/GUIDE.md.")
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/guide"), help="the folder to write them to")
    parser.add_argument("--estimate", action="store_true",
                        help="wait for the training form to say how long training takes (a few training steps)")
    parser.add_argument("--only", default="", metavar="NAME",
                        help="make only the pictures whose file names start with NAME (and the steps they need)")
    arguments = parser.parse_args()
    out = arguments.out
    folder = Path(tempfile.mkdtemp(prefix="stopframe-guide-"))
    # The app's user folders (autosaves of the untitled workflow project, the log) are in here: the
    # locations are read when used, so setting them before the window is made is enough.
    os.environ["XDG_DATA_HOME"] = str(folder / "user-data")
    os.environ["XDG_STATE_HOME"] = str(folder / "user-state")
    app = QApplication(sys.argv[:1])
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(*WINDOW_SIZE)
    window.show()
    window.activateWindow()
    guide = Guide(app, window, folder, arguments.estimate)
    dialogs.answerer = guide.answer
    out.mkdir(parents=True, exist_ok=True)
    pictures = [picture for picture in PICTURES if picture.file.startswith(arguments.only)]
    start, failed = time.perf_counter(), []
    slot_errors: list[str] = []  # Qt only prints an exception raised in a slot; here it fails the picture
    sys.excepthook = lambda kind, value, trace: slot_errors.append("".join(traceback.format_exception(kind, value,
                                                                                                      trace)))
    try:
        open_demo(guide)
        for picture in pictures:
            try:
                image = picture.take(guide)
                if slot_errors:
                    raise RuntimeError(f"the app raised while making it:\n{slot_errors[0]}")
                path = out / picture.file
                write_bytes(path, png_bytes(image))
                print(f"{path}: {image.width()}x{image.height()}, {path.stat().st_size // 1024} KiB", flush=True)
            except PanelMissing as missing:
                print(f"skipped {picture.file}: {missing}; run `make guide` again once it is there", flush=True)
            except Exception:  # the other pictures are still made; the run fails at the end
                print(f"FAILED {picture.file}:\n{traceback.format_exc()}", flush=True)
                failed.append(picture.file)
            finally:
                slot_errors.clear()
    finally:
        guide.window.document.undo_stack.setClean()  # no unsaved-changes question on closing
        guide.window.close()
        app.processEvents()
    print(f"{len(pictures) - len(failed)} of {len(pictures)} pictures handled in {time.perf_counter() - start:.1f} s "
          f"on platform {app.platformName()}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
