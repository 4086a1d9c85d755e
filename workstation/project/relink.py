"""Clips that moved: finding a project's missing clips again.

When the files of a project's clips have moved (a renamed folder, a project copied without its
footage), the user shows where one of them is now; every other missing clip that the same folder
holds under the same file or folder name is found with it. The new paths are stored as the format
stores every clip path (``paths.stored_path``: relative to the project file once it has one).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .paths import missing_clips, stored_path
from .values import Project, ProjectError

__all__ = ["missing_line", "located_clip", "found_in_folder", "relink_from", "relink_clips"]


def missing_line(missing: list[tuple[str, Path]]) -> str:
    """One line naming the missing clips and where each was looked for."""
    if len(missing) == 1:
        name, path = missing[0]
        return f"clip {name!r} is missing: looked for {path}"
    listed = "; ".join(f"{name!r} ({path})" for name, path in missing)
    return f"{len(missing)} clips are missing: {listed}"


def located_clip(chosen: Path, looked_for: Path) -> Path:
    """Where the clip last seen at ``looked_for`` is now, given the file the user picked: that file,
    or, when it is a frame inside a folder of the clip's name, that folder (an image-folder clip is
    found by picking any of its frames)."""
    if chosen.name != looked_for.name and chosen.parent.name == looked_for.name:
        return chosen.parent
    return chosen


def found_in_folder(project: Project, folder: Path) -> dict[str, Path]:
    """The missing clips of ``project`` that ``folder`` holds under the name each had: clip -> path."""
    found = {}
    for name, looked_for in missing_clips(project):
        candidate = folder / looked_for.name
        if candidate.exists():
            found[name] = candidate
    return found


def relink_from(project: Project, name: str, chosen: str | Path) -> dict[str, Path]:
    """Where the missing clip ``name`` and the others found beside it are now, given the file the
    user picked for ``name``: clip -> new absolute path. Changes nothing."""
    missing = dict(missing_clips(project))
    if name not in missing:
        raise ProjectError(f"clip {name!r} is not missing", project.path)
    target = located_clip(Path(chosen).absolute(), missing[name])
    if not target.exists():
        raise ProjectError(f"cannot relink clip {name!r}: {target} does not exist", project.path)
    found = found_in_folder(project, target.parent)
    found[name] = target
    return found


def relink_clips(project: Project, found: dict[str, Path],
                 listed: dict[str, tuple[str, ...] | None] | None = None) -> None:
    """Point each clip of ``found`` at its new path (in place), stored as the project stores paths.
    ``listed`` (clip -> the image names its new path lists, None for a file) is recorded as each
    clip's ``image_names``: the folder as it is now. A folder listing another number of images than
    the clip's frames is recorded as none (it is then taken as it lists, as a folder of an old file)."""
    for name, path in found.items():
        if name not in project.clips:
            raise ProjectError(f"unknown clip {name!r}", project.path)
        clip = replace(project.clips[name], path=stored_path(project, str(path)))
        if listed is not None and name in listed:
            names = listed[name]
            clip = replace(clip, image_names=names if names is not None and len(names) == clip.frame_count else None)
        project.clips[name] = clip
