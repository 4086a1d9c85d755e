"""Project files on disk: load, atomic save (paths rebased onto the file's folder) and autosave.

A save never leaves a half-written file: it goes through workstation/kernel/safe_write.py (a claimed
temporary beside the target, fsynced, renamed over it). The autosave of ``film.stopframe`` is
``film.stopframe.autosave`` beside it; the editor offers it back when it is newer than the project
file (a crash).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

from workstation.kernel.safe_write import OutputError, output_file

from .paths import clip_path, model_path, relative_path
from .schema import from_dict, to_dict
from .upgrade import model_square
from .values import Project, ProjectError

__all__ = [
    "PROJECT_SUFFIX", "AUTOSAVE_SUFFIX", "load_project", "save_project",
    "autosave_path", "save_autosave", "autosave_pending", "load_autosave", "discard_autosave",
]

PROJECT_SUFFIX = ".stopframe"
AUTOSAVE_SUFFIX = ".autosave"


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read, parse and validate a project file. Touches nothing on disk but that file and, when it
    is older than schema version 4, its model's ``model.json`` (for the side of the model's square,
    which ``Project.load_note`` says was assumed when that cannot be read: see ``upgrade``)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError("file not found", path) from None
    except IsADirectoryError:
        raise ProjectError("is a folder, not a project file", path) from None
    except OSError as error:
        raise ProjectError(f"cannot read: {_reason(error)}", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectError(f"not a Stopframe project (not UTF-8 text: byte {error.start})", path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                           path) from None
    except (ValueError, RecursionError) as error:
        raise ProjectError(f"not valid JSON: {error}", path) from None
    absolute = Path(os.path.abspath(path))
    model_size, note = model_square(data, absolute.parent)
    project = from_dict(data, source=path, model_size=model_size)
    project.path = absolute
    project.load_note = note
    return project


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` through the one safe writer (workstation/kernel/safe_write.py): a claimed,
    fresh temporary beside it, fsynced and renamed over it; on any failure ``path`` is as it was.
    A symbolic link is written through, and the replaced file's permissions are kept."""
    if path.is_symlink():  # write through the link rather than replacing it
        path = Path(os.path.realpath(path))
    try:
        with output_file(path, overwrite=True) as temporary:
            temporary.write_bytes(data)
            try:  # keep the permissions of the file being replaced
                os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
            except OSError:
                pass
    except OutputError as error:
        raise ProjectError(f"cannot save: {error.problem}", path) from error


def save_project(project: Project, path: str | os.PathLike[str], *, remember: bool = True) -> None:
    """Validate and write ``project`` to ``path`` atomically (temporary file in the same folder,
    fsync, rename), with clip and model paths rebased relative to ``path``'s folder.

    On failure raises ProjectError naming ``path``; the old file stays intact, nothing is left
    behind and the project is unchanged. With ``remember`` (default) the project adopts the new
    location: ``project.path`` becomes ``path`` (absolute) and its clip and model paths are
    rebased in place. ``remember=False`` (autosave, "save a copy") leaves the project untouched."""
    path = Path(path)
    try:
        data = to_dict(project)
    except ProjectError as error:
        raise ProjectError(f"cannot save an invalid project: {error.problem}", path) from None
    folder = Path(os.path.abspath(path.parent))
    rebased = {name: relative_path(clip_path(project, name), folder) for name in project.clips}
    model = model_path(project)
    data["model"] = None if model is None else relative_path(model, folder)
    for name, stored in rebased.items():
        data["clips"][name]["path"] = stored
    try:
        encoded = (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except ValueError as error:  # includes UnicodeEncodeError (lone surrogates in a name)
        raise ProjectError(f"cannot save: {error}", path) from None
    _atomic_write(path, encoded)
    if remember:
        for name, stored in rebased.items():
            project.clips[name] = replace(project.clips[name], path=stored)
        project.model = data["model"]
        project.path = Path(os.path.abspath(path))


def autosave_path(path: str | os.PathLike[str]) -> Path:
    """Where the autosave of the project file ``path`` goes: beside it, ``<name>.autosave``."""
    path = Path(path)
    return path.with_name(path.name + AUTOSAVE_SUFFIX)


def save_autosave(project: Project) -> Path:
    """Write the project to ``autosave_path(project.path)`` (never over the project itself);
    ``project`` is left untouched. Returns the autosave path."""
    if project.path is None:
        raise ProjectError("cannot autosave a project that has never been saved (no file name yet)")
    target = autosave_path(project.path)
    save_project(project, target, remember=False)
    return target


def autosave_pending(path: str | os.PathLike[str]) -> bool:
    """Whether an autosave of ``path`` exists that is newer than the project file (or the project
    file is gone): what the editor offers back after a crash."""
    try:
        saved = autosave_path(path).stat().st_mtime_ns
    except OSError:
        return False
    try:
        return saved >= Path(path).stat().st_mtime_ns
    except OSError:
        return True


def load_autosave(path: str | os.PathLike[str]) -> Project:
    """The autosave of project file ``path``, as the project at ``path`` (``project.path`` is
    ``path``; saving it then writes the project file)."""
    project = load_project(autosave_path(path))
    project.path = Path(os.path.abspath(path))
    return project


def discard_autosave(path: str | os.PathLike[str]) -> None:
    """Delete the autosave of project file ``path`` if there is one."""
    target = autosave_path(path)
    try:
        target.unlink(missing_ok=True)
    except OSError as error:
        raise ProjectError(f"cannot delete: {_reason(error)}", target) from None
