"""One export of a shot, as File ▸ Export Shot, File ▸ Export All Shots and ``stopframe render`` ask
for it: which frames of which shot, in which layer and format, at which rate and size, to where.

    request = ExportRequest.of_shot(project, "walk", Path("walk.mov"), OutputFormat.MOV,
                                    layer=LayerView.CHARACTERS, scale=2)
    write_shot(request, engine)  # shot_writer.py

``of_shot`` fills in what is not given from the shot itself: every frame, its fps and its output
size and scaling (Shot ▸ Output Size). A request that cannot be written as asked is never made: an
RGBA layer (the characters) needs a format with alpha, and says so in one line naming the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workstation import project as doc
from workstation.kernel.safe_write import OutputExists
from workstation.output.formats import ALPHA_FORMATS, FORMAT_INFO, FrameWriteError, OutputFormat
from workstation.output.writer import output_exists
from workstation.render.layers import LayerView


@dataclass(frozen=True)
class ExportRequest:
    """What to write and where, carried unchanged from the asking to ``write_shot``."""

    project: doc.Project = field(repr=False)
    shot: str  # the shot's name
    frames: range  # the shot's frames, numbered from 0 as the timeline shows them
    layer: LayerView
    format: OutputFormat
    fps: float
    scale: int  # the model's square scaled up by this whole factor
    smooth: bool  # bicubic scaling; False: crisp pixels (nearest neighbour)
    target: Path  # a folder for png, a file otherwise (a sprite sheet's atlas)
    overwrite: bool = False  # replace what is at ``target``; without it an existing output is refused

    def __post_init__(self) -> None:
        if self.layer.has_alpha and not FORMAT_INFO[self.format].alpha:
            raise FrameWriteError(f"{self.format} has no alpha channel; write the {self.layer} layer as one of "
                                  f"{', '.join(ALPHA_FORMATS)}", self.target)

    @classmethod
    def of_shot(cls, project: doc.Project, shot: str, target: str | Path, format: OutputFormat, *,
                frames: range | None = None, layer: LayerView = LayerView.COMPOSITE, fps: float | None = None,
                scale: int | None = None, smooth: bool | None = None, overwrite: bool = False) -> ExportRequest:
        """The request for ``shot`` of ``project``: what is None is the shot's own (every frame, its
        fps, its output size and scaling)."""
        own = project.shot(shot)
        return cls(project, own.name, range(own.length) if frames is None else frames, layer, format,
                   own.fps if fps is None else fps, own.output.scale if scale is None else scale,
                   own.output.scaling == "smooth" if smooth is None else smooth, Path(target), overwrite)

    def check_target(self) -> None:
        """Refuse now, before any model loads, what the writer will refuse: an output already at the
        target (``writer.output_exists``) when the request does not overwrite it (``OutputExists``)."""
        if not self.overwrite and output_exists(self.target, self.format):
            raise OutputExists("already exists", self.target)
