"""Rendering a project's shots headlessly: the frame source over its clips and the shot renderer.

The GUI's exports and `stopframe render` reach it through ``workstation.output.write_shot``; it
knows nothing of Qt.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from workstation import project as document
from workstation.kernel.locations import asset_path
from workstation.media import Clip, MediaError, fit
from workstation.media.clip import folder_change
from workstation.project.relink import missing_line
from workstation.render.bundle import BundleError, open_bundle
from workstation.render.engine import Engine
from workstation.render.framing import ClipGeometry
from workstation.render.layers import LayerView

DEMO_BUNDLE = asset_path("models", "demo")  # package data (workstation.kernel.locations)
RENDER_BATCH = 16


class ProjectFrames:
    """The frame source an Engine reads (a ``sources.ClipFrames``): (clip name, frame) -> float32
    [3, S, S] fitted to the model, each clip its own way (``ClipRef.fit``: cropped or letterboxed),
    or all by ``fit_mode`` if given; and each clip's frames at their own size."""

    def __init__(self, project: document.Project, image_size: int, fit_mode: str | None = None):
        self.project = project
        self.image_size = image_size
        self.fit_mode = fit_mode
        self._clips: dict[str, Clip] = {}
        self._lock = threading.Lock()

    def clip(self, name: str) -> Clip:
        with self._lock:
            if name not in self._clips:
                self._clips[name] = Clip(document.clip_path(self.project, name), known=self.project.clips[name])
            return self._clips[name]

    def __call__(self, name: str, frame: int) -> np.ndarray:
        return fit(self.original(name, frame), self.image_size, self.geometry(name).fit)

    def original(self, name: str, frame: int) -> np.ndarray:
        """The clip's frame at its own size, uint8 RGB [h, w, 3] (the clip caches it)."""
        return self.clip(name).frame(frame)

    def geometry(self, name: str) -> ClipGeometry:
        clip = self.project.clips[name]
        return ClipGeometry(clip.width, clip.height, self.fit_mode or clip.fit)


def bundle_for(project: document.Project) -> Path:
    """The project's model bundle, or the bundled demo model when it names none."""
    path = document.model_path(project)
    if path is not None:
        return path
    if not (DEMO_BUNDLE / "model.json").is_file():
        raise BundleError(f"{DEMO_BUNDLE}: the project names no model bundle and the bundled demo model is missing")
    return DEMO_BUNDLE


def changed_clips(project: document.Project) -> list[tuple[str, Path, str]]:
    """The image-folder clips whose folder no longer lists the images the project recorded (their
    frames would shift): (name, folder, what is wrong, in one line). Lists folders, decodes nothing."""
    changed = []
    for name, clip in project.clips.items():
        folder = document.clip_path(project, name)
        problem = folder_change(folder, clip.image_names)
        if problem is not None:
            changed.append((name, folder, problem))
    return changed


def check_clips(project: document.Project) -> None:
    """One line naming every missing clip and where it was looked for, if any is missing; else one
    line naming the first clip folder whose images changed (``changed_clips``), if any did."""
    missing = document.missing_clips(project)
    if missing:
        raise document.ProjectError(missing_line(missing), project.path)
    changed = changed_clips(project)
    if changed:
        _, folder, problem = changed[0]
        others = ", ".join(repr(name) for name, _, _ in changed[1:])
        also = f"; the images of clip{'s' if len(changed) > 2 else ''} {others} changed too" if others else ""
        raise MediaError(problem + also, folder)


def open_engine(project: document.Project, fit_mode: str | None = None) -> Engine:
    """An engine over the project's bundle and clips (each fitted its own way, or all by
    ``fit_mode``); every clip is opened first, so a missing or damaged one is reported before any
    rendering starts."""
    check_clips(project)
    bundle = open_bundle(bundle_for(project))
    frames = ProjectFrames(project, bundle.image_size, fit_mode)
    for name in project.clips:
        frames.clip(name)
    return Engine(bundle, frames)


def render_shot(engine: Engine, project: document.Project, shot: str, frames: Sequence[int] | None = None,
                layer: LayerView = LayerView.COMPOSITE, output: document.Output | None = None) -> Iterator[np.ndarray]:
    """The shot's frames (all, or ``frames``: a range or any sequence of frame numbers) in one of the
    engine's layers, as float32 [C, H, W] (``LayerView.channels``) at the shot's output size, or at
    ``output``'s (``render --size``: it replaces the shot's own output in every request), yielded in order.

    Lazy: the requests are built a batch of RENDER_BATCH at a time, so a shot of 10^9 frames costs
    no more memory than one of 16. The first and last frame numbers are checked before the first frame is rendered."""
    indices = range(project.shot(shot).length) if frames is None else frames
    if len(indices):
        document.render_requests(project, shot, [indices[0], indices[-1]])  # raises if out of range
    for start in range(0, len(indices), RENDER_BATCH):
        requests = document.render_requests(project, shot, indices[start : start + RENDER_BATCH])
        if output is not None:
            requests = [dataclasses.replace(request, output=output) for request in requests]
        yield from engine.render_requests(requests, layer)

