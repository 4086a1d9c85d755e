"""The project's own files, which no output may replace: each clip (a file or a folder of images),
the project file and its model bundle folder.

An output is refused when its target is one of them, holds one (a folder output around a clip or
the project) or lies inside one (a frame folder inside a clip's image folder or the bundle), even
with ``--force`` or after the GUI's "replace?": later renders would read the output as the input.
The rule and its comparison of real paths are the kernel's (``kernel/own_inputs.py``); this
module names a project's inputs.

    check_not_an_input(Path("clips/bg.png"), project)
    # FrameWriteError: clips/bg.png: is the project's clip 'bg' (clips/bg.png); choose another output
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from workstation import project as doc
from workstation.kernel.own_inputs import OwnInputError, real, refuse_inputs
from workstation.media.sprite_sheets import aseprite_picture
from workstation.output.formats import FrameWriteError


def project_inputs(project: doc.Project) -> list[tuple[str, Path]]:
    """What ``project`` reads, as (what it is, where): "clip 'bg' (clips/bg.png)" and its absolute
    path; then the project file (when it has one) and the model bundle folder (unless the bundled demo)."""
    inputs = [(f"clip {name!r} ({clip.path})", doc.clip_path(project, name)) for name, clip in project.clips.items()]
    for name, clip in project.clips.items():  # a clip cut by Aseprite's JSON reads the picture it names too
        picture = None if isinstance(clip.sheet, doc.SheetGrid) else aseprite_picture(doc.clip_path(project, name))
        if picture is not None:
            inputs.append((f"sprite sheet of clip {name!r} ({picture.name})", picture))
    if project.path is not None:
        inputs.append((f"file ({project.path.name})", project.path))
    model = doc.model_path(project)
    if model is not None:
        inputs.append((f"model bundle ({project.model})", model))
    return inputs


def check_not_an_input(targets: Iterable[Path], project: doc.Project, *, what: str = "output",
                       allowed: Iterable[Path] = ()) -> None:
    """Refuse, in one FrameWriteError line naming both, a target (every file an output writes: a
    sprite sheet's atlas, its JSON and its .tres) that is, holds or is inside one of the project's inputs;
    ``allowed`` paths are not counted (a project saved over its own file)."""
    exempt = {real(path) for path in allowed}
    inputs = [(f"the project's {name}", path) for name, path in project_inputs(project) if real(path) not in exempt]
    try:
        refuse_inputs(targets, inputs, what=what)
    except OwnInputError as error:
        raise FrameWriteError(error.problem, error.path) from None
