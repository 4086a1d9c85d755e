"""One export of a shot, as File ▸ Export Shot, File ▸ Export All Shots and ``stopframe render`` ask
for it: which frames of which shot, in which layer and format, at which rate and size, to where.

    request = ExportRequest.of_shot(project, "walk", Path("walk.mov"), OutputFormat.MOV,
                                    layer=LayerView.CHARACTERS, size=(1280, 720))
    write_shot(request, engine)  # shot_writer.py

``of_shot`` fills in what is not given from the shot itself: every frame, its fps and its output
(size and scaling, Shot ▸ Output Size). A request that cannot be written as asked is never made: an
RGBA layer (the characters) needs a format with alpha, and an output has 1 to MAX_SIDE pixels a
side; each refusal is one line naming the target. ``check_target`` (which ``write_shot`` calls too)
refuses a target that is one of the project's own files, ``--force`` or not (``inputs.py``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from pathlib import Path

from workstation import project as doc
from workstation.kernel.safe_write import OutputExists
from workstation.output.formats import ALPHA_FORMATS, FORMAT_INFO, MAX_SIDE, FrameWriteError, OutputFormat
from workstation.output.inputs import check_not_an_input
from workstation.output.sprite_sheet import sheet_paths
from workstation.output.writer import output_exists
from workstation.render.layers import LayerView


def check_output_size(width: int, height: int, target: Path) -> None:
    """Refuse an output whose sides are not whole numbers of 1 to MAX_SIDE pixels."""
    if not all(isinstance(side, numbers.Integral) and not isinstance(side, bool) for side in (width, height)):
        raise FrameWriteError(f"an output size is whole pixels, got {width!r}x{height!r}", target)
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise FrameWriteError(f"an output of {width}x{height} cannot be written; each side must be 1 to {MAX_SIDE} "
                              "pixels", target)


@dataclass(frozen=True)
class ExportRequest:
    """What to write and where, carried unchanged from the asking to ``write_shot``."""

    project: doc.Project = field(repr=False)
    shot: str  # the shot's name
    frames: range  # the shot's frames, numbered from 0 as the timeline shows them
    layer: LayerView
    format: OutputFormat
    fps: float
    output: doc.Output  # the frames' size (width x height) and scaling
    target: Path  # a folder for png, a file otherwise (a sprite sheet's atlas: its JSON and .tres beside it)
    overwrite: bool = False  # replace what is at ``target``; without it an existing output is refused

    def __post_init__(self) -> None:
        if self.layer.has_alpha and not FORMAT_INFO[self.format].alpha:
            raise FrameWriteError(f"{self.format} has no alpha channel; write the {self.layer} layer as one of "
                                  f"{', '.join(ALPHA_FORMATS)}", self.target)
        check_output_size(self.output.width, self.output.height, self.target)

    @classmethod
    def of_shot(cls, project: doc.Project, shot: str, target: str | Path, format: OutputFormat, *,
                frames: range | None = None, layer: LayerView = LayerView.COMPOSITE, fps: float | None = None,
                size: tuple[int, int] | None = None, scale: int | None = None, smooth: bool | None = None,
                overwrite: bool = False) -> ExportRequest:
        """The request for ``shot`` of ``project``: what is None is the shot's own (every frame, its
        fps, its output size and scaling). ``size`` (width, height) replaces the shot's output size;
        ``scale`` k asks for k times it (not both); ``smooth`` replaces its scaling."""
        own = project.shot(shot)
        path = Path(target)
        width, height = own.output.size
        if size is not None and scale is not None:
            raise FrameWriteError(f"asked for both a size ({size[0]}x{size[1]}) and a scale ({scale}); give one",
                                  path)
        if size is not None:
            width, height = size
        elif scale is not None:
            if isinstance(scale, bool) or not isinstance(scale, numbers.Integral) or scale < 1:
                raise FrameWriteError(f"a scale is a whole number of at least 1, got {scale!r}", path)
            width, height = width * scale, height * scale
        check_output_size(width, height, path)  # before Output(...) takes the numbers
        scaling = own.output.scaling if smooth is None else "smooth" if smooth else "crisp"
        return cls(project, own.name, range(own.length) if frames is None else frames, layer, format,
                   own.fps if fps is None else fps, doc.Output(int(width), int(height), scaling), path, overwrite)

    def check_target(self) -> None:
        """Refuse now, before any model loads, a target that is (holds, is inside) one of the
        project's own files, even with ``overwrite`` (``inputs.py``), and what the writer will refuse:
        an output already there (``writer.output_exists``) when the request does not overwrite it
        (``OutputExists``)."""
        written = sheet_paths(self.target) if self.format == OutputFormat.SPRITES else (self.target,)
        check_not_an_input(written, self.project)
        if not self.overwrite and output_exists(self.target, self.format):
            raise OutputExists("already exists", self.target)
