"""Autosaves of projects that were never saved (no file name yet): they go to the user data folder
(``workstation.kernel.locations.untitled_autosave_folder``), one file per window, written through the
project's atomic save (``workstation/project/files.py``), and are offered back at the next start;
one the user declines is renamed aside (``declined_path``), never offered again.

A file is named ``untitled-<pid>-<random>.stopframe`` after the process that writes it, so a start
never offers the autosave of another Stopframe still running. Clip and model paths are stored
relative to the autosave folder like any project's; ``load`` makes them absolute again, since the
restored project has no file of its own. No Qt here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path

from workstation import project as doc
from workstation.kernel.locations import untitled_autosave_folder

PREFIX = "untitled-"


def session_path() -> Path:
    """A fresh autosave path for one window of this process (nothing is written yet)."""
    return untitled_autosave_folder() / f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}{doc.PROJECT_SUFFIX}"


def write(project: doc.Project, target: Path) -> None:
    """Autosave ``project`` (never saved) to ``target`` atomically; ``project`` is left untouched.
    Raises ProjectError naming ``target``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise doc.ProjectError(f"cannot autosave: {error.strerror or error}", target.parent) from None
    doc.save_project(project, target, remember=False)


def _writer_alive(path: Path) -> bool:
    """Whether the process that wrote ``path`` (its pid is in the name) is another one still running."""
    try:
        pid = int(path.name[len(PREFIX):].split("-")[0])
    except ValueError:
        return False
    if pid == os.getpid() or os.name == "nt":  # os.kill(pid, 0) would stop a process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as someone else
        return True
    return True


def pending() -> list[Path]:
    """Autosaves left by sessions that did not close, newest first."""
    folder = untitled_autosave_folder()
    try:
        found = [p for p in folder.glob(f"{PREFIX}*{doc.PROJECT_SUFFIX}") if p.is_file() and not _writer_alive(p)]
        return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return []


def load(path: Path) -> doc.Project:
    """The project autosaved at ``path``, as a project never saved: no file name, absolute paths."""
    project = doc.load_project(path)
    for name in project.clips:
        project.clips[name] = replace(project.clips[name], path=doc.clip_path(project, name).as_posix())
    model = doc.model_path(project)
    project.model = None if model is None else model.as_posix()
    project.path = None
    return project


def adopt(path: Path, target: Path) -> None:
    """Make the restored autosave ``path`` this window's own (``target``), so it is kept until the
    next autosave replaces it and deleted once the project is saved or discarded."""
    if path != target:
        try:
            os.replace(path, target)
        except OSError:
            pass  # it stays under its old name, offered again next time: nothing is lost


def declined_path(path: Path) -> Path:
    """Where the autosave ``path`` is kept once the user declined to restore it: in the same folder
    (its relative clip paths still hold), under a name ``pending`` never offers.
    Stays a ``.stopframe`` file, so File ▸ Open reaches it."""
    return path.with_name(f"declined-{path.name}")


def discard(path: Path) -> None:
    """Delete the autosave ``path`` if it is there; raises ProjectError naming it."""
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise doc.ProjectError(f"cannot delete: {error.strerror or error}", path) from None
