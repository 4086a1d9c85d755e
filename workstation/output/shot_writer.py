"""Writing a shot: the one function File ▸ Export Shot, File ▸ Export All Shots and ``stopframe
render`` (one shot or ``--all``) call to render an ``ExportRequest`` and write it through FrameWriter;
and ``write_sheet``, several shots into one sprite sheet (``render --all --one-sheet``, Export All
Shots' "All shots in one sheet").

The engine renders every frame at the request's output size and the writer writes it as it comes;
the writer claims the output and checks that size (a side's limit, a GIF's memory, a sprite sheet's
atlas) before the first frame is rendered, so every refusal comes before any work; ``progress(0, total)``
says the output is claimed and rendering begins. A sprite sheet gets one animation per shot, its
frames named by the timeline's numbers, and its enlargement from the model's square as the engine
draws it (``engine_data.SheetPlan``). No Qt and no torch: the GUI runs it on its thread pool
(``ui/export``), with a progress dialog and Cancel; the CLI with a progress bar.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from workstation import project as doc
from workstation.output.engine_data import SheetAnimation, SheetPlan, scale_text
from workstation.output.export_request import ExportRequest
from workstation.output.formats import FrameWriteError, OutputFormat
from workstation.output.writer import FrameWriter
from workstation.render.engine import Engine
from workstation.render.shot_frames import render_shot

Progress = Callable[[int, int], object]


class ExportCancelled(Exception):
    """Raised by ``write_shot`` once ``cancelled()`` says so: the output being written is discarded."""


def write_shot(request: ExportRequest, engine: Engine, progress: Progress = lambda written, total: None,
               cancelled: Callable[[], bool] = lambda: False) -> Path:
    """Render ``request.frames`` of the shot in ``request.layer`` with ``engine`` and write them to
    ``request.target``; the path written. ``progress(written, total)`` once the output is claimed
    (written 0), then after each frame. Raises ExportCancelled, leaving nothing of the new output and
    the previous one as it was, once ``cancelled()``; an existing output without ``overwrite`` is
    refused (``OutputExists``), and so is any target that is one of the project's own files
    (``ExportRequest.check_target``)."""
    return _write([request], engine, progress, cancelled)


def write_sheet(requests: Sequence[ExportRequest], engine: Engine, progress: Progress = lambda written, total: None,
                cancelled: Callable[[], bool] = lambda: False) -> Path:
    """Every one of ``requests`` (shots of one project, as sprites to one target) into one sprite
    sheet, in order: one tag and one Godot animation per shot. As ``write_shot`` otherwise; shots
    that ``check_one_sheet`` refuses are refused before anything is claimed."""
    check_one_sheet(requests)
    return _write(requests, engine, progress, cancelled)


def check_one_sheet(requests: Sequence[ExportRequest]) -> None:
    """Refuse, in one line naming the sheet, shots that cannot share one sprite sheet: a sheet's
    cells are all one size, so its shots must share one output (size and scaling)."""
    if not requests:
        raise ValueError("a sheet needs at least one shot")
    first = requests[0]
    if any(request.format != OutputFormat.SPRITES or request.target != first.target for request in requests):
        raise FrameWriteError("only a sprite sheet holds several shots, all written to its one atlas", first.target)
    for other in requests[1:]:
        if other.output != first.output:
            raise FrameWriteError(f"one sheet's cells share one size and scaling, but shot {first.shot!r} is "
                                  f"{first.output.describe()} and shot {other.shot!r} {other.output.describe()}; "
                                  "export one sheet per shot, or give the shots one output size", first.target)


def enlargement(request: ExportRequest, engine: Engine) -> float:
    """Output pixels per pixel of the model's square in ``request``'s frames, as ``engine`` draws
    them (``framing.Framing.scale``: 4 for a 256-pixel frame of a 64-pixel square)."""
    first = doc.render_requests(request.project, request.shot, request.frames[:1])
    if not first:
        return 1.0
    return engine.framing(dataclasses.replace(first[0], output=request.output)).scale


def sheet_plan(requests: Sequence[ExportRequest], engine: Engine) -> SheetPlan:
    """One animation per request (its shot's name, the timeline's frame numbers, its fps) and the
    sheet's enlargement, which all its shots must share (``meta.scale`` is one number)."""
    scales = [enlargement(request, engine) for request in requests]
    for request, scale in zip(requests[1:], scales[1:], strict=True):
        if not math.isclose(scale, scales[0], rel_tol=1e-9):
            raise FrameWriteError(f"shot {requests[0].shot!r} enlarges the model's square {scale_text(scales[0])} "
                                  f"times and shot {request.shot!r} {scale_text(scale)} times (their backgrounds "
                                  "differ in size); one sheet has one scale: export one sheet per shot",
                                  requests[0].target)
    animations = tuple(SheetAnimation(request.shot, request.frames, request.fps) for request in requests)
    return SheetPlan(animations, scales[0], requests[0].output.scaling)


def _write(requests: Sequence[ExportRequest], engine: Engine, progress: Progress,
           cancelled: Callable[[], bool]) -> Path:
    """The frames of every request, in order, into the one output of the first."""
    for request in requests:
        request.check_target()
    first, output = requests[0], requests[0].output
    total = sum(len(request.frames) for request in requests)
    sheet = sheet_plan(requests, engine) if first.format == OutputFormat.SPRITES else None
    with FrameWriter(first.target, first.format, first.fps, total, force=first.overwrite,
                     frame_size=(output.height, output.width), sheet=sheet) as writer:
        progress(0, total)
        for request in requests:
            for image in render_shot(engine, request.project, request.shot, request.frames, request.layer,
                                     output=output):
                if cancelled():
                    raise ExportCancelled
                writer.write(image)
                progress(writer.frames_written, total)
    return writer.path
