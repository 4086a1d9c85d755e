"""Outputs never replace inputs: a file a command writes may not be, hold or lie inside one of the
files it reads (a project's clips, its bundle; a model being evaluated; a run's training data),
even with ``--force`` or after the GUI's "replace?": the next run would read the output as the input.
Paths are compared as real paths (``os.path.realpath``), so neither a link nor a relative path slips
past. No Qt and no torch here.

    refuse_inputs([Path("bundle/model.json")], [("the model bundle being evaluated", Path("bundle"))])
    # OwnInputError: bundle/model.json: is inside the model bundle being evaluated; choose another output
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from workstation.kernel.errors import StopframeError

__all__ = ["OwnInputError", "real", "relation", "refuse_inputs"]


class OwnInputError(StopframeError):
    """An output would replace (or sit inside) one of the inputs it is made from."""


def real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(path))


def relation(target: Path, source: Path) -> str | None:
    """How the real path ``target`` meets the real path ``source``: "is", "holds", "is inside", or None."""
    if target == source:
        return "is"
    if target in source.parents:
        return "holds"
    if source in target.parents:
        return "is inside"
    return None


def refuse_inputs(targets: Iterable[str | os.PathLike[str]], inputs: Iterable[tuple[str, str | os.PathLike[str]]],
                  *, what: str = "output") -> None:
    """Refuse, in one OwnInputError line naming both, a target that is, holds or is inside one of
    ``inputs`` ((what it is, where), e.g. ("the checkpoint being exported", path))."""
    sources = [(name, real(path)) for name, path in inputs]
    for target in targets:
        real_target = real(target)
        for name, source in sources:
            meets = relation(real_target, source)
            if meets is not None:
                raise OwnInputError(f"{meets} {name}; choose another {what}", target)
