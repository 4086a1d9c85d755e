"""What File ▸ Import Clip… and File ▸ Import Image Folder… import.

A file dialog picks files or a folder, never both, so a folder of images is one clip by the second
command. Numbered images picked together in the first (``walk_01.png`` ... ``walk_24.png``: see
``media/image_sequence.py``) are offered as one clip, their folder: "Import the 24 numbered images
as one clip?" (Yes: one clip; No: one clip each, as any files; Cancel: none). Numbered images that
share their folder with other images cannot be one clip without those (a clip of images is its
folder): the question then says so and offers one clip each, and No imports none of them and says
in the status bar to move them into a folder of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QWidget

from workstation.media.image_sequence import ImageSequence, numbered_sequences
from workstation.ui.shell import dialogs
from workstation.ui.shell.dialogs import Button

MEDIA_FILTER = ("Clips (*.mp4 *.mov *.avi *.mkv *.webm *.gif *.apng *.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"
                ";;All files (*)")
IMPORT_CLIPS = "Import clips"  # the titles of the dialogs, by which tests answer them
IMPORT_FOLDER = "Import image folder"
ONE_CLIP = "Import as one clip"
SHARED_FOLDER = "Numbered images in a shared folder"
FOLDER, FILES, NOTHING = "folder", "files", "nothing"  # what a numbered sequence becomes


def pick_clips(parent: QWidget, folder: str, show_problem: Callable[[str], None]) -> list[str]:
    """File ▸ Import Clip…: the files picked, each numbered sequence among them as the user answers
    (its folder, its files, or nothing); none when cancelled."""
    return clips_to_import(parent, dialogs.open_files(parent, IMPORT_CLIPS, folder, MEDIA_FILTER), show_problem)


def pick_folder(parent: QWidget, folder: str) -> list[str]:
    """File ▸ Import Image Folder…: the folder picked (none when cancelled); its images are one clip."""
    picked = dialogs.open_folder(parent, IMPORT_FOLDER, folder)
    return [picked] if picked else []


def clips_to_import(parent: QWidget, picked: Sequence[str], show_problem: Callable[[str], None]) -> list[str]:
    """The paths to import for the files ``picked``, in the order picked: a numbered sequence becomes
    its folder (one clip, where its first file was picked) or stays its files (one clip each), as
    the user answers; none when the user cancels a question."""
    sequences, rest = numbered_sequences(picked)
    order = [str(Path(path)) for path in picked]
    chosen: dict[str, list[str]] = {str(path): [str(path)] for path in rest}  # a picked path -> what it becomes
    for sequence in sequences:
        answer = _ask(parent, sequence, show_problem)
        if answer is None:
            return []
        files = sorted(map(str, sequence.files), key=order.index)
        chosen.update({file: [file] if answer == FILES else [] for file in files})
        if answer == FOLDER:
            chosen[files[0]] = [str(sequence.folder)]
    return [path for picked_path in order for path in chosen.pop(picked_path, [])]


def _ask(parent: QWidget, sequence: ImageSequence, show_problem: Callable[[str], None]) -> str | None:
    """What ``sequence`` becomes: FOLDER, FILES or NOTHING; None for Cancel (nothing of this import)."""
    count = len(sequence.files)
    if sequence.own_folder:
        answer = dialogs.question(parent, ONE_CLIP, f"Import the {count} numbered images as one clip?\n\n"
                                  f"{sequence.describe()}, in this order: one clip, the folder {sequence.folder.name}. "
                                  "No: one clip each.", Button.Yes | Button.No | Button.Cancel, Button.Yes)
        return None if answer == Button.Cancel else FOLDER if answer == Button.Yes else FILES
    others = len(sequence.others)
    answer = dialogs.question(
        parent, SHARED_FOLDER,
        f"{sequence.describe()} share their folder with {others} other image{'s' if others > 1 else ''} "
        f"({_some(sequence.others)}), so they cannot be one clip: a clip of images is a whole folder.\n\n"
        f"Import them as {count} separate clips? No: none of them; move them into a folder of their own and "
        "use File ▸ Import Image Folder…", Button.Yes | Button.No | Button.Cancel, Button.No)
    if answer == Button.Cancel:
        return None
    if answer == Button.Yes:
        return FILES
    show_problem(f"{sequence.describe()}: not imported, their folder {sequence.folder} holds other images too; "
                 "move them into a folder of their own and use File ▸ Import Image Folder…")
    return NOTHING


def _some(names: Sequence[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
