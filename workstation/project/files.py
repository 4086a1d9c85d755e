"""Project files on disk: load, atomic save (paths rebased onto the file's folder) and autosave.

A save never leaves a half-written file: it goes through workstation/kernel/safe_write.py (a claimed
temporary beside the target, fsynced, renamed over it). The autosave of ``film.stopframe`` is
``film.stopframe.autosave`` beside it; the editor offers it back when it is newer than the project
file (a crash).

A load reads only a regular file of at most ``PROJECT_MAX_BYTES`` (workstation/kernel/reading.py: a
FIFO or a device is refused unopened) and refuses a key written twice in one object.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from workstation.kernel.reading import InputError, read_bytes_capped
from workstation.kernel.safe_write import OutputError, output_file

from .paths import clip_path, model_path, project_folder, relative_path
from .problems import location
from .schema import from_dict, to_dict
from .upgrade import model_square
from .values import Project, ProjectError

__all__ = [
    "PROJECT_SUFFIX", "AUTOSAVE_SUFFIX", "load_project", "save_project",
    "autosave_path", "save_autosave", "autosave_pending", "load_autosave", "discard_autosave",
]

PROJECT_SUFFIX = ".stopframe"
AUTOSAVE_SUFFIX = ".autosave"
PROJECT_MAX_BYTES = 64 << 20  # some 600,000 keys pretty-printed; anything larger is not a project


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


class _RepeatedKeys(dict):
    """A JSON object in which the key ``repeated`` came more than once (json keeps the last)."""

    repeated: str


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's ``object_pairs_hook``: the object, marked when a key came twice (found in ``_parsed``)."""
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            break
        seen.add(key)
    marked = _RepeatedKeys(result)
    marked.repeated = key
    return marked


def _repeated_key(data: object) -> tuple[tuple[int | str, ...], str] | None:
    """The JSON location of the first object (in file order) holding a key twice, and the key."""
    stack: list[tuple[tuple[int | str, ...], object]] = [((), data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, _RepeatedKeys):
            return at, value.repeated
        if isinstance(value, dict):
            stack.extend((at + (key,), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((at + (i,), item) for i, item in reversed(list(enumerate(value))))
    return None


def _parsed(raw: bytes, path: Path) -> object:
    """The JSON document of a project file; ProjectError for anything that is not UTF-8 JSON with
    each key once in each object (json would keep the last of two silently)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectError(f"not a Stopframe project (not UTF-8 text: byte {error.start})", path) from None
    try:
        data = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as error:
        raise ProjectError(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                           path) from None
    except (ValueError, RecursionError) as error:
        raise ProjectError(f"not valid JSON: {error}", path) from None
    repeated = _repeated_key(data)
    if repeated is not None:
        at, key = repeated
        shown = json.dumps(key, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
        raise ProjectError(f"{location(at) or 'top level'}: key {shown} appears more than once "
                           "(each key once per object)", path)
    return data


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read, parse and validate a project file. Touches nothing on disk but that file and, when it
    is older than schema version 4, its model's ``model.json`` (for the side of the model's square,
    which ``Project.load_note`` says was assumed when that cannot be read: see ``upgrade``). A file
    that is not a regular file or is over ``PROJECT_MAX_BYTES`` is refused before it is read."""
    path = Path(path)
    try:
        raw = read_bytes_capped(path, PROJECT_MAX_BYTES, "a project file")
    except InputError as error:
        raise ProjectError(error.problem, path) from None
    data = _parsed(raw, path)
    model_size, note = model_square(data, project_folder(path))
    project = from_dict(data, source=path, model_size=model_size)
    project.path = Path(os.path.abspath(path))
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


def _rebased(project: Project, path: Path) -> tuple[dict[str, str], str | None]:
    """The clip paths and the model path of ``project`` as a file at ``path`` stores them."""
    folder = project_folder(path)
    model = model_path(project)
    clips = {name: relative_path(clip_path(project, name), folder) for name in project.clips}
    return clips, None if model is None else relative_path(model, folder)


def _adopt(project: Project, path: Path, clips: dict[str, str], model: str | None) -> None:
    """``project`` becomes the project of the file ``path``, holding the paths it stores (``_rebased``)."""
    for name, stored in clips.items():
        project.clips[name] = replace(project.clips[name], path=stored)
    project.model = model
    project.path = Path(os.path.abspath(path))


def save_project(project: Project, path: str | os.PathLike[str], *, remember: bool = True) -> None:
    """Validate and write ``project`` to ``path`` atomically (temporary file in the same folder,
    fsync, rename), with clip and model paths rebased relative to ``path``'s folder (the real
    file's, when ``path`` is a symbolic link: it is written through).

    On failure raises ProjectError naming ``path``; the old file stays intact, nothing is left
    behind and the project is unchanged. With ``remember`` (default) the project adopts the new
    location: ``project.path`` becomes ``path`` (absolute) and its clip and model paths are
    rebased in place. ``remember=False`` (autosave, "save a copy") leaves the project untouched."""
    path = Path(path)
    try:
        data = to_dict(project)
    except ProjectError as error:
        raise ProjectError(f"cannot save an invalid project: {error.problem}", path) from None
    clips, model = _rebased(project, path)
    data["model"] = model
    for name, stored in clips.items():
        data["clips"][name]["path"] = stored
    try:
        encoded = (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except ValueError as error:  # includes UnicodeEncodeError (lone surrogates in a name)
        raise ProjectError(f"cannot save: {error}", path) from None
    _atomic_write(path, encoded)
    if remember:
        _adopt(project, path, clips, model)


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
    ``path``; saving it then writes the project file). Its paths are rebased from the autosave's
    folder onto the project file's (they differ when ``path`` is a symbolic link)."""
    project = load_project(autosave_path(path))
    _adopt(project, Path(path), *_rebased(project, Path(path)))
    return project


def discard_autosave(path: str | os.PathLike[str]) -> None:
    """Delete the autosave of project file ``path`` if there is one."""
    target = autosave_path(path)
    try:
        target.unlink(missing_ok=True)
    except OSError as error:
        raise ProjectError(f"cannot delete: {_reason(error)}", target) from None
