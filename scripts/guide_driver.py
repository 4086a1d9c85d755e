"""Driving the workstation as a user would, for the pictures of the guide
(``guide_screenshots.py``): its menu commands by their menu paths, drags from the Library onto the
Canvas, drags of characters, its dialogs answered, and waiting until it has drawn what it shows; and
the files a user brings to it (a sprite sheet)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QPointF, Qt
from PySide6.QtGui import QAction, QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QMenu, QMenuBar, QMessageBox

from workstation.kernel.safe_write import write_bytes
from workstation.output.formats import FORMAT_INFO, OutputFormat
from workstation.render.layers import LayerView
from workstation.ui.export import export_all
from workstation.ui.export.export_dialog import LAYER_LABELS
from workstation.ui.files.sheet_dialog import TITLE as SHEET_FORM_TITLE
from workstation.ui.files.sheet_dialog import SheetImportDialog
from workstation.ui.files.sheet_import import PICK_SHEET
from workstation.ui.shell.help import HELP_TEXT
from workstation.ui.shell.main_window import MainWindow

SETTLE_TIMEOUT_S = 20.0
EXPORT_TIMEOUT_S = 120.0  # File ▸ Export All Shots… of the sprite demo, on a busy processor


class PanelMissing(Exception):
    """The window has no such panel (or dialog) yet: its picture is skipped, with this note."""


class MenuCommandMissing(RuntimeError):
    def __init__(self, path: tuple[str, ...]):
        self.path = " ▸ ".join(path)
        super().__init__(f"no menu command {self.path}: the menus changed, update the guide")


class Guide:
    """The running workstation, and the ways a picture of it is made."""

    def __init__(self, app: QApplication, window: MainWindow, folder: Path, wait_for_estimate: bool = False):
        self.app, self.window, self.folder, self.wait_for_estimate = app, window, folder, wait_for_estimate
        self.replies: dict[str, object] = {}  # dialog title -> the answer a user would give

    # -- driving the app ---------------------------------------------------------------------------
    def answer(self, question) -> object:
        """Answers every file or message dialog as ``replies`` says (else as a user who cancels)."""
        defaults = {"open_file": "", "open_files": [], "save_file": "", "question": QMessageBox.StandardButton.No}
        return self.replies.get(question.title, defaults.get(question.kind))

    def action(self, *path: str) -> QAction:
        return menu_command(self.window.menuBar(), *path)

    def trigger(self, *path: str) -> None:
        action = self.action(*path)
        if not action.isEnabled():
            raise RuntimeError(f"{' ▸ '.join(path)} is greyed out")
        action.trigger()
        self.app.processEvents()

    def dock(self, title: str) -> QDockWidget:
        for dock in self.window.findChildren(QDockWidget):
            if _plain(dock.windowTitle()) == title:
                return dock
        raise PanelMissing(f"the window has no {title} panel yet")

    def dialog(self, title_part: str) -> QDialog:
        """The open dialog window whose title contains ``title_part``."""
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, QDialog) and widget.isVisible() and title_part in widget.windowTitle():
                    return widget
            self.app.processEvents()
            time.sleep(0.01)
        raise RuntimeError(f"no dialog titled '…{title_part}…' opened")

    def drag(self, media: QMimeData, point: QPointF, shift: bool = False, drop: bool = True) -> None:
        """Drag Library media over the Canvas to ``point`` and drop it there (or keep holding it)."""
        canvas = self.window.canvas
        modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
        actions, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
        QApplication.sendEvent(canvas, QDragEnterEvent(point.toPoint(), actions, media, button, modifiers))
        QApplication.sendEvent(canvas, QDragMoveEvent(point.toPoint(), actions, media, button, modifiers))
        if drop:
            QApplication.sendEvent(canvas, QDropEvent(point, actions, media, button, modifiers))
        self.app.processEvents()

    def library_media(self, clip: str, frame: int | None = None) -> QMimeData:
        """What the Library hands over when a clip's row is dragged out, or with ``frame``, the
        picture of that frame under the list (the clip's row clicked, the frame picked)."""
        library = self.window.library
        item = library.clip_item(clip)
        if item is None:
            raise RuntimeError(f"the Library has no clip {clip!r}")
        if frame is None:
            return library.mimeData([item])
        library.setCurrentItem(item)
        library.frames.spin.setValue(frame)
        media = library.frames.mime_data()
        if media is None:
            raise RuntimeError(f"the Library shows no frame {frame} of {clip!r}")
        return media

    def point_on(self, name: str) -> QPointF:
        """A point of the Canvas where a click takes the character ``name`` (one of its strokes,
        nearest its centre)."""
        canvas = self.window.canvas
        shape = canvas.shape_of(name)
        if shape is None:
            raise RuntimeError(f"{name!r} is not on the Canvas")
        reach = int(shape.radius) + 1
        offsets = sorted(((dx, dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)),
                         key=lambda d: d[0] ** 2 + d[1] ** 2)
        for dx, dy in offsets:
            point = canvas.to_widget(shape.x + dx, shape.y + dy)
            if canvas.character_at(point) == name:
                return point
        raise RuntimeError(f"no point of the Canvas takes a click on {name!r}")

    def drag_character(self, name: str, dx: float, dy: float) -> None:
        """Press on the character on the Canvas and drag it by (dx, dy) screen pixels."""
        canvas = self.window.canvas
        start = self.point_on(name)
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start.toPoint())
        for step in range(1, 6):
            QTest.mouseMove(canvas, (start + QPointF(dx * step / 5, dy * step / 5)).toPoint())
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           (start + QPointF(dx, dy)).toPoint())
        self.settle()

    def settle(self, timeline: bool = True) -> None:
        """Let the app finish what it is doing: the Canvas shows the current frame as the document
        is now and, with ``timeline``, every thumbnail of the shot is rendered; icons are loaded."""
        viewport, canvas = self.window.viewport, self.window.canvas
        shot = self.window.document.shot()

        def done() -> bool:
            if shot is None or viewport.engine is None:
                return True
            current = viewport.cached()
            if current is None or canvas.image is not current.image:
                return False
            return not timeline or all(viewport.cached(k, LayerView.COMPOSITE) is not None for k in range(shot.length))

        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while not done() and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.01)
        if not done():
            print(f"note: the frames were still rendering after {SETTLE_TIMEOUT_S:.0f} s", flush=True)
        self.window.library.load_all_icons()
        for _ in range(5):
            self.app.processEvents()

    def wait_for_import(self, paths: list[str]) -> None:
        """File ▸ Import Clip…, choosing ``paths``; returns when they are all read."""
        done: list[list[str]] = []
        self.window.clips_imported.connect(done.append)
        self.replies["Import clips"] = paths
        self.trigger("File", "Import Clip…")
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while not done and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.01)
        self.window.clips_imported.disconnect(done.append)
        if not done or len(done[0]) != len(paths):
            raise RuntimeError(f"importing {len(paths)} clips added {done[0] if done else 'nothing'}")

    def import_sprite_sheet(self, sheet: Path) -> SheetImportDialog:
        """File ▸ Import Sprite Sheet…, choosing ``sheet``: its form, open."""
        self.replies[PICK_SHEET] = str(sheet)
        self.trigger("File", "Import Sprite Sheet…")
        dialog = self.dialog(SHEET_FORM_TITLE)
        assert isinstance(dialog, SheetImportDialog)
        return dialog

    def export_all_shots(self, folder: Path, format: OutputFormat, one_sheet: bool = False,
                         layer: LayerView = LayerView.COMPOSITE) -> str:
        """File ▸ Export All Shots… into ``folder`` as ``format``, in ``layer`` (for sprite sheets,
        ``one_sheet`` or one per shot); returns, when the export has ended, what the status bar says
        (what was written, or why not)."""
        self.replies.update({export_all.TITLE: FORMAT_INFO[format].label, export_all.FOLDER_TITLE: str(folder),
                             export_all.LAYER_TITLE: LAYER_LABELS[layer],
                             export_all.SHEETS_TITLE: export_all.ONE_SHEET if one_sheet else export_all.PER_SHOT})
        self.trigger("File", "Export All Shots…")
        exporter = self.window.all_shots
        deadline = time.monotonic() + EXPORT_TIMEOUT_S
        while exporter.running and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.02)
        if exporter.running:
            raise RuntimeError(f"File ▸ Export All Shots… was still running after {EXPORT_TIMEOUT_S:.0f} s")
        return self.window.statusBar().currentMessage()

    # -- pictures ----------------------------------------------------------------------------------
    def whole_window(self) -> QPixmap:
        self.app.processEvents()
        return self.window.grab()

    def canvas_image(self) -> QPixmap:
        """The Canvas, cut to the square of the frame (with the room its handles need)."""
        canvas = self.window.canvas
        rect = canvas.image_rect().toAlignedRect().adjusted(-4, -4, 4, 4)
        return canvas.grab(rect.intersected(canvas.rect()))


def _plain(text: str) -> str:
    return text.replace("&", "")


def menu_command(bar: QMenuBar, *path: str) -> QAction:
    """The command at the menu ``path``, e.g. ("View", "Layer", "Alpha Matte"), as the menus name
    it (Undo and Redo by their plain names, whatever they would undo)."""
    actions = bar.actions()
    for depth, name in enumerate(path):
        found = next((a for a in actions if _plain(a.property(HELP_TEXT) or a.text()) == name), None)
        if found is None:
            raise MenuCommandMissing(path)
        if depth == len(path) - 1:
            return found
        menu = found.menu()
        if not isinstance(menu, QMenu):
            raise RuntimeError(f"{' ▸ '.join(path[:depth + 1])} is not a menu")
        menu.aboutToShow.emit()  # menus filled as they open (Open Recent)
        actions = menu.actions()
    raise RuntimeError("an empty menu path")


def write_lpc_sheet(path: Path, rows: Sequence[Path], cell: int) -> Path:
    """A sprite sheet laid out as an LPC sheet: the frames of each folder in ``rows`` one row of
    ``cell``-pixel square cells, the cells after a row's last frame transparent."""
    frames = [sorted(folder.glob("*.png")) for folder in rows]
    sheet = np.zeros((cell * len(frames), cell * max(map(len, frames)), 4), np.uint8)
    for row, files in enumerate(frames):
        for column, file in enumerate(files):
            pixels = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if pixels is None or pixels.shape[:2] != (cell, cell):
                raise RuntimeError(f"{file} is not a {cell}x{cell} picture")
            sheet[row * cell:(row + 1) * cell, column * cell:(column + 1) * cell] = np.dstack(
                [pixels, np.full((cell, cell), 255, np.uint8)])
    encoded, png = cv2.imencode(".png", sheet)
    if not encoded:
        raise RuntimeError(f"OpenCV could not encode the sprite sheet {path.name}")
    write_bytes(path, png.tobytes())
    return path


def over_checkerboard(image: QImage, shrink: int = 1, square: int = 8) -> QPixmap:
    """``image`` over a grey and white checkerboard, where it is see-through, as painting programs show it;
    ``shrink`` times smaller, every ``shrink``-th pixel kept (a crisp enlargement undone)."""
    image = image.scaled(image.width() // shrink, image.height() // shrink, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.FastTransformation)
    board = QImage(image.size(), QImage.Format.Format_RGB32)
    board.fill(QColor(204, 204, 204))
    painter = QPainter(board)
    for y in range(0, board.height(), square):
        for x in range((y // square) % 2 * square, board.width(), 2 * square):
            painter.fillRect(x, y, square, square, QColor(255, 255, 255))
    painter.drawImage(0, 0, image)
    painter.end()
    return QPixmap.fromImage(board)


def png_bytes(picture: QPixmap) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not picture.save(buffer, "PNG"):
        raise ValueError("Qt could not encode the picture as PNG")
    buffer.close()
    return bytes(data.data())
