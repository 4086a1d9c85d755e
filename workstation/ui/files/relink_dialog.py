"""Clips that moved, as the workstation offers to find them: after a project opens with clips
missing (``offer_relink``), and from File ▸ Relink Missing Clips… (``relink_missing_clips``).

One question names the missing clips; the user then shows where the first of them is now (a file
dialog through ``dialogs.py``; an image-folder clip by any of its frames), and every other missing
clip that the same folder holds under its old name is found with it (``workstation/project/relink.py``).
The relink is one undo step and leaves the project modified. Clips still missing are listed in the
status bar; the project stays open either way, its missing clips drawn as before (the render
reports them).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from workstation import project as doc
from workstation.project import relink
from workstation.ui.document import ProjectDocument
from workstation.ui.shell import dialogs

OFFER_TITLE = "Missing clips"


def locate_title(looked_for: Path) -> str:
    """The title of the file dialog that asks where the clip last seen at ``looked_for`` is now."""
    return f"Locate {looked_for.name}"


def offer_relink(document: ProjectDocument, parent: QWidget | None, message: Callable[[str], None]) -> None:
    """After a project opened: when clips are missing, say which and offer to find them."""
    missing = doc.missing_clips(document.project)
    if not missing:
        return
    line = relink.missing_line(missing)
    message(line)
    answer = dialogs.question(parent, OFFER_TITLE, f"{line}. Show where {'it is' if len(missing) == 1 else 'they are'} "
                              "now? (Picking one finds the others in the same folder.)")
    if answer == dialogs.Button.Yes:
        relink_missing_clips(document, parent, message)


def relink_missing_clips(document: ProjectDocument, parent: QWidget | None, message: Callable[[str], None]) -> int:
    """Ask where the first missing clip is now and relink it and the others found beside it (one undo
    step); the number relinked (0 when none is missing or the user cancelled)."""
    missing = doc.missing_clips(document.project)
    if not missing:
        message("no clips are missing: every clip of the project is where it was")
        return 0
    name, looked_for = missing[0]
    start = looked_for.parent
    while not start.is_dir() and start != start.parent:
        start = start.parent
    what = "any frame of the folder" if not looked_for.suffix else "the file"
    chosen = dialogs.open_file(parent, locate_title(looked_for), str(start),
                               f"{looked_for.name}: {what} (*);;All files (*)")
    if not chosen:
        message(relink.missing_line(missing))
        return 0
    try:
        found = relink.relink_from(document.project, name, chosen)
        document.edit(f"Relink {len(found)} Clip{'s' if len(found) != 1 else ''}",
                      lambda project: relink.relink_clips(project, found))
    except doc.ProjectError as problem:
        message(str(problem))
        return 0
    still = doc.missing_clips(document.project)
    relinked = f"relinked {len(found)} clip{'s' if len(found) != 1 else ''} from {Path(chosen).parent}"
    message(f"{relinked}; {relink.missing_line(still)}" if still else relinked)
    return len(found)
