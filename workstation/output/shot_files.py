"""Where File ▸ Export All Shots and ``stopframe render --all`` write each shot: one file (or one
folder of PNG frames) per shot in one folder, named after the shot.

A shot's name may hold anything a user typed; its file name is that name made safe for every file
system (slashes, colons and the other characters Windows or macOS refuse become ``_``, as do control
characters; no leading dot, no trailing dot or space; never a name Windows reserves). Two shots
whose safe names are the same (ignoring case, since macOS and Windows do) get ``-2``, ``-3``, ...
"""

from __future__ import annotations

import re
from pathlib import Path

from workstation.output.formats import extension
from workstation.output.writer import output_exists
from workstation.project import Project

__all__ = ["safe_file_name", "shot_file_names", "shot_outputs", "existing_outputs"]

UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_NAME = 120  # characters of the name before its suffix and extension


def safe_file_name(name: str) -> str:
    """``name`` as a file name every file system takes (without extension); "shot" if nothing is left."""
    safe = UNSAFE.sub("_", name).strip().lstrip(".").rstrip(". ")[:MAX_NAME].rstrip(". ")
    if not safe:
        return "shot"
    if safe.split(".")[0].lower() in RESERVED:
        safe = "_" + safe
    return safe


def shot_file_names(names: list[str]) -> list[str]:
    """A safe file name for each shot name, in order, no two the same (ignoring case)."""
    used: set[str] = set()
    chosen = []
    for name in names:
        base = candidate = safe_file_name(name)
        number = 2
        while candidate.casefold() in used:
            candidate = f"{base}-{number}"
            number += 1
        used.add(candidate.casefold())
        chosen.append(candidate)
    return chosen


def shot_outputs(project: Project, folder: str | Path, fmt: str) -> list[tuple[str, Path]]:
    """(shot name, output path in ``folder`` with ``fmt``'s extension) for every shot, in order."""
    names = [shot.name for shot in project.shots]
    return [(name, Path(folder) / (file_name + extension(fmt)))
            for name, file_name in zip(names, shot_file_names(names), strict=True)]


def existing_outputs(outputs: list[tuple[str, Path]], fmt: str) -> list[Path]:
    """The outputs that writing would replace (``writer.output_exists``)."""
    return [path for _, path in outputs if output_exists(path, fmt)]
