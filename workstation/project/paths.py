"""Where a project's files are: clip and model paths as stored, resolved, rebased.

Paths (clips and model) are stored relative to the project file's folder with POSIX separators
whenever possible, absolute otherwise (another drive). In memory, a relative path is relative to
the folder of ``Project.path``, or to the current directory while the project has never been saved.
The folder is the real file's (``project_folder``): a project opened through a symbolic link in
another folder finds its clips where the file the link points to has them.
"""

from __future__ import annotations

import os
from pathlib import Path

from .values import Project, ProjectError

__all__ = ["clip_path", "model_path", "missing_clips", "clip_users", "relative_path", "stored_path", "resolved_path",
           "project_folder"]


def project_folder(path: str | os.PathLike[str]) -> Path:
    """The folder that the relative paths of the project file ``path`` start from: the folder of
    the file itself, symbolic links followed (the file need not exist yet)."""
    return Path(os.path.realpath(path)).parent


def _base_folder(project: Project) -> Path:
    return project_folder(project.path) if project.path is not None else Path.cwd()


def resolved_path(stored: str, folder: Path) -> Path:
    """The absolute path of a clip or model path as stored, a relative one taken from ``folder``
    (absolute: the project file's folder)."""
    path = Path(stored)
    if not path.is_absolute():
        path = folder / path
    return Path(os.path.normpath(path))


def _resolve(project: Project, stored: str) -> Path:
    return resolved_path(stored, _base_folder(project))


def relative_path(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` with POSIX separators, or absolute if that is impossible."""
    try:
        return Path(os.path.relpath(target, folder)).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(target).as_posix()


def stored_path(project: Project, path: str) -> str:
    """How ``path`` (absolute, or relative to the project's folder) is kept in ``project``:
    relative to its folder once it has a file, absolute before."""
    target = _resolve(project, path)
    return relative_path(target, _base_folder(project)) if project.path is not None else target.as_posix()


def clip_path(project: Project, name: str) -> Path:
    """The absolute path of a clip, resolved against the folder of ``project.path`` (``project_folder``)."""
    clip = project.clips.get(name)
    if clip is None:
        raise ProjectError(f"unknown clip {name!r}", project.path)
    return _resolve(project, clip.path)


def model_path(project: Project) -> Path | None:
    """The absolute path of the model bundle folder, or None for the bundled demo model."""
    return None if project.model is None else _resolve(project, project.model)


def missing_clips(project: Project) -> list[tuple[str, Path]]:
    """Clips whose file or folder does not exist: (name, absolute path looked for)."""
    return [(name, path) for name in project.clips if not (path := clip_path(project, name)).exists()]


def clip_users(project: Project, name: str) -> list[str]:
    """Where clip ``name`` is referenced, as JSON locations (``shots[0].background`` ...)."""
    users = []
    for i, shot in enumerate(project.shots):
        if shot.background.clip == name:
            users.append(f"shots[{i}].background")
        for j, character in enumerate(shot.characters):
            if character.source.clip == name:
                users.append(f"shots[{i}].characters[{j}].source")
            if character.motion is not None and character.motion.clip == name:
                users.append(f"shots[{i}].characters[{j}].motion")
    return users
