"""File ▸ Import Sprite Sheet…: a picture of many frames, or Aseprite's JSON beside its sheet, as clips.

A file dialog (``dialogs.open_file``) picks the sheet; it is read at once (the picture decoded, an
Aseprite JSON checked and every tag cut, so any problem is one line in the status bar before a form
opens). The form (``sheet_dialog.py``, window-modal without blocking, kept as ``dialog``) sets the
grid over a picture or lists the JSON's tags, with a name per clip; its Import adds every clip
checked as one undo step (Ctrl+Z removes them together). The project records how each clip was cut
(``ClipRef.sheet``), so it opens as it was imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from workstation import project as doc
from workstation.media import MediaError
from workstation.media.aseprite_json import AsepriteSheet, read_aseprite
from workstation.media.readers import SHEET_EXTENSIONS
from workstation.media.sprite_sheets import SheetPicture, cut_tag, read_picture
from workstation.ui.document import ProjectDocument
from workstation.ui.files.sheet_dialog import SheetImportDialog
from workstation.ui.shell import dialogs

PICK_SHEET = "Import sprite sheet"  # the title of the file dialog, by which tests answer it
SHEET_FILTER = ("Sprite sheets (*.png *.json *.webp *.bmp *.tif *.tiff *.jpg *.jpeg);;Aseprite JSON (*.json);;"
                "All files (*)")


def read_sheet(path: Path) -> tuple[SheetPicture, AsepriteSheet | None]:
    """The picture picked, or the picture and the Aseprite JSON picked (each of its tags cut once,
    so that every problem is said now); MediaError in one line."""
    if path.suffix.lower() not in SHEET_EXTENSIONS:
        return read_picture(path), None
    sheet = read_aseprite(path)
    picture = read_picture(sheet.image)
    tags: list[str | None] = [tag.name for tag in sheet.tags]
    for tag in tags or [None]:
        cut_tag(sheet, picture, tag)
    return picture, sheet


def add_sheet_clips(document: ProjectDocument, sheet: Path, clips: list[tuple[str, doc.ClipRef]]) -> list[str]:
    """Add ``clips`` (name, clip) cut from ``sheet`` as one undo step; the names they got (made unique)."""
    return document.edit(f"Import sprite sheet {sheet.name}",
                         lambda project: [doc.add_clip(project, name, clip) for name, clip in clips])


class SheetImport:
    """File ▸ Import Sprite Sheet…: pick, read, ask (``dialog``), add."""

    def __init__(self, document: ProjectDocument, parent: QWidget, folder: Callable[[], Path],
                 show_message: Callable[[str], None]):
        """``folder``: where the file dialog starts; ``show_message``: a line for the status bar."""
        self.document, self.parent, self.folder, self.show_message = document, parent, folder, show_message
        self.dialog: SheetImportDialog | None = None  # the latest form opened

    def start(self) -> SheetImportDialog | None:
        picked = dialogs.open_file(self.parent, PICK_SHEET, str(self.folder()), SHEET_FILTER)
        if not picked:
            return None
        path = Path(picked)
        try:
            picture, aseprite = read_sheet(path)
        except MediaError as problem:
            self.show_message(str(problem))
            return None
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = SheetImportDialog(self.parent, path, picture, aseprite)
        dialog.accepted.connect(lambda: self.finish(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def finish(self, dialog: SheetImportDialog) -> list[str]:
        """Add the clips ``dialog`` was accepted with; the names added."""
        try:
            names = add_sheet_clips(self.document, dialog.path, dialog.clips())
        except doc.ProjectError as problem:
            self.show_message(str(problem))
            return []
        self.show_message(f"imported {', '.join(names)} from {dialog.path.name}")
        return names
