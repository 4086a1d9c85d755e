"""Clips that moved or whose images changed, as the workstation offers to relink them: after a
project opens with clips missing or with a clip folder that no longer lists the images the project
recorded (``offer_relink``), and from File ▸ Relink Missing Clips… (``relink_missing_clips``).

One question names the missing clips (or the changed folder); the user then shows where the first
of them is now (a file dialog through ``dialogs.py``; an image-folder clip by any of its frames), and
every other missing clip that the same folder holds under its old name is found with it
(``workstation/project/relink.py``). An image folder relinked, even where it was, is taken as it
lists now: its image names are recorded anew. The relink is one undo step and leaves the project
modified. Clips still missing are listed in the status bar; the project stays open either way, its
missing or changed clips drawn as before (the render reports them).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from workstation import project as doc
from workstation.media import MediaError
from workstation.media.probe import listed_names
from workstation.project import relink
from workstation.render.shot_frames import changed_clips
from workstation.ui.document import ProjectDocument
from workstation.ui.shell import dialogs

OFFER_TITLE = "Missing clips"
CHANGED_TITLE = "Clip images changed"


def locate_title(looked_for: Path) -> str:
    """The title of the file dialog that asks where the clip last seen at ``looked_for`` is now."""
    return f"Locate {looked_for.name}"


def _to_relink(project: doc.Project) -> tuple[list[tuple[str, Path]], str]:
    """The clips to relink, (name, path looked for), and the one line that says why: the missing
    clips, or else the image folders whose images changed (the first named); none: ([], "")."""
    missing = doc.missing_clips(project)
    if missing:
        return missing, relink.missing_line(missing)
    changed = changed_clips(project)
    if changed:
        _, folder, problem = changed[0]
        return [(name, path) for name, path, _ in changed], f"{folder}: {problem}"
    return [], ""


def offer_relink(document: ProjectDocument, parent: QWidget | None, message: Callable[[str], None]) -> None:
    """After a project opened: when clips are missing or a clip folder's images changed, say which
    and offer to relink them."""
    try:
        clips, line = _to_relink(document.project)
    except MediaError as problem:  # a clip folder that cannot be listed: the render says so too
        message(str(problem))
        return
    if not clips:
        return
    message(line)
    if doc.missing_clips(document.project):
        title = OFFER_TITLE
        ask = f"{line}. Show where {'it is' if len(clips) == 1 else 'they are'} now? (Picking one finds the " \
              "others in the same folder.)"
    else:
        title, ask = CHANGED_TITLE, f"{line}. Relink it now? (Pick any frame of the folder.)"
    if dialogs.question(parent, title, ask) == dialogs.Button.Yes:
        relink_missing_clips(document, parent, message)


def relink_missing_clips(document: ProjectDocument, parent: QWidget | None, message: Callable[[str], None]) -> int:
    """Ask where the first missing clip (or else the first clip folder whose images changed) is now
    and relink it and the others found beside it (one undo step); the number relinked (0 when none
    is missing or changed, or the user cancelled)."""
    try:
        clips, line = _to_relink(document.project)
    except MediaError as problem:
        message(str(problem))
        return 0
    if not clips:
        message("no clips are missing: every clip of the project is where it was")
        return 0
    missing = bool(doc.missing_clips(document.project))
    name, looked_for = clips[0]
    start = looked_for.parent if missing else looked_for
    while not start.is_dir() and start != start.parent:
        start = start.parent
    what = "any frame of the folder" if not looked_for.suffix else "the file"
    chosen = dialogs.open_file(parent, locate_title(looked_for), str(start),
                               f"{looked_for.name}: {what} (*);;All files (*)")
    if not chosen:
        message(line)
        return 0
    try:
        if missing:
            found = relink.relink_from(document.project, name, chosen)
        else:  # the folder is where it was: taken again, or another one picked instead
            found = {name: relink.located_clip(Path(chosen).absolute(), looked_for)}
            if not found[name].exists():
                raise doc.ProjectError(f"cannot relink clip {name!r}: {found[name]} does not exist")
        listed = {clip: listed_names(path) for clip, path in found.items()}
        document.edit(f"Relink {len(found)} Clip{'s' if len(found) != 1 else ''}",
                      lambda project: relink.relink_clips(project, found, listed))
        _, still = _to_relink(document.project)
    except (doc.ProjectError, MediaError) as problem:
        message(str(problem))
        return 0
    relinked = f"relinked {len(found)} clip{'s' if len(found) != 1 else ''} from {Path(chosen).parent}"
    message(f"{relinked}; {still}" if still else relinked)
    return len(found)
