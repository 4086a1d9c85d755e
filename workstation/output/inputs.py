"""The project's own files, which no output may replace: each clip (a file or a folder of images),
the project file and its model bundle folder.

An output is refused when its target is one of them, holds one (a folder output around a clip or
the project) or lies inside one (a frame folder inside a clip's image folder or the bundle), even
with ``--force`` or after the GUI's "replace?": later renders would read the output as the input.
Paths are compared as real paths (``os.path.realpath``), so neither a link nor a relative path
slips past.

    check_not_an_input(Path("clips/bg.png"), project)
    # FrameWriteError: clips/bg.png: is the project's clip 'bg' (clips/bg.png); choose another output
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from workstation import project as doc
from workstation.output.formats import FrameWriteError


def project_inputs(project: doc.Project) -> list[tuple[str, Path]]:
    """What ``project`` reads, as (what it is, where): "clip 'bg' (clips/bg.png)" and its absolute
    path; then the project file (when it has one) and the model bundle folder (unless the bundled demo)."""
    inputs = [(f"clip {name!r} ({clip.path})", doc.clip_path(project, name)) for name, clip in project.clips.items()]
    if project.path is not None:
        inputs.append((f"file ({project.path.name})", project.path))
    model = doc.model_path(project)
    if model is not None:
        inputs.append((f"model bundle ({project.model})", model))
    return inputs


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _relation(target: Path, source: Path) -> str | None:
    """How the real path ``target`` meets the real path ``source``: "is", "holds", "is inside", or None."""
    if target == source:
        return "is"
    if target in source.parents:
        return "holds"
    if source in target.parents:
        return "is inside"
    return None


def check_not_an_input(targets: Iterable[Path], project: doc.Project, *, what: str = "output",
                       allowed: Iterable[Path] = ()) -> None:
    """Refuse, in one FrameWriteError line naming both, a target (every file an output writes: a
    sprite sheet's atlas and its JSON) that is, holds or is inside one of the project's inputs;
    ``allowed`` paths are not counted (a project saved over its own file)."""
    exempt = {_real(path) for path in allowed}
    sources = [(name, real) for name, path in project_inputs(project) if (real := _real(path)) not in exempt]
    for target in targets:
        real_target = _real(target)
        for name, source in sources:
            relation = _relation(real_target, source)
            if relation is not None:
                raise FrameWriteError(f"{relation} the project's {name}; choose another {what}", target)
