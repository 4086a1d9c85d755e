"""Writing a shot: the one function File ▸ Export Shot, File ▸ Export All Shots and ``stopframe
render`` (one shot or ``--all``) call to render an ``ExportRequest`` and write it through FrameWriter.

The engine renders every frame at the request's output size and the writer writes it as it comes;
the writer claims the output and checks that size (a side's limit, a GIF's memory, a sprite sheet's
atlas) before the first frame is rendered, so every refusal comes before any work; ``progress(0, total)``
says the output is claimed and rendering begins. No Qt and no torch: the GUI runs it on its thread
pool (``ui/export``), with a progress dialog and Cancel; the CLI with a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workstation.output.export_request import ExportRequest
from workstation.output.writer import FrameWriter
from workstation.render.engine import Engine
from workstation.render.shot_frames import render_shot


class ExportCancelled(Exception):
    """Raised by ``write_shot`` once ``cancelled()`` says so: the output being written is discarded."""


def write_shot(request: ExportRequest, engine: Engine,
               progress: Callable[[int, int], object] = lambda written, total: None,
               cancelled: Callable[[], bool] = lambda: False) -> Path:
    """Render ``request.frames`` of the shot in ``request.layer`` with ``engine`` and write them to
    ``request.target``; the path written. ``progress(written, total)`` once the output is claimed
    (written 0), then after each frame. Raises ExportCancelled, leaving nothing of the new output and
    the previous one as it was, once ``cancelled()``; an existing output without ``overwrite`` is
    refused (``OutputExists``), and so is any target that is one of the project's own files
    (``ExportRequest.check_target``)."""
    request.check_target()
    total, output = len(request.frames), request.output
    with FrameWriter(request.target, request.format, request.fps, total, force=request.overwrite,
                     frame_size=(output.height, output.width)) as writer:
        progress(0, total)
        frames = render_shot(engine, request.project, request.shot, request.frames, request.layer, output=output)
        for written, image in enumerate(frames, start=1):
            if cancelled():
                raise ExportCancelled
            writer.write(image)
            progress(written, total)
    return writer.path
