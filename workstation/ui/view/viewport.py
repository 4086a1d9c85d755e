"""The Canvas's render scheduler: the one place that decides what is rendered, and when.
Design: docs/DESIGN.md, "The render path" and "Threading".

It owns the engine and the renderer (``render_service.py``, one worker thread) and keys every
rendered image by a ``FrameKey`` (document revision, shot, frame, layer, solo character), so a frame
rendered for an older state of the document is never mistaken for the current one. The layer the
Canvas shows (View > Layer) and the character shown alone (solo) are view state, here, never in
the document. What it asks for:

- the current frame, as an interactive request (the newest replaces any still waiting);
- while playing, the next ``PREFETCH`` frames behind it, so they are cached in time;
- after a pause in editing, every frame of the shot for the timeline's thumbnails (the composite,
  each kept with a copy scaled down to ``render_service.THUMBNAIL_SIDE``, whatever the output size);
- with the onion skin on (in the composite view), the characters alone (``LayerView.CHARACTERS``: RGBA)
  of the current frame and of its neighbours (``onion_style.frames`` on each side), ahead of the
  thumbnails; the ghosts are drawn once all are there.

The render device (Preferences: "auto", "cuda" or "cpu") decides which ONNX Runtime providers a
newly loaded model uses; changing it loads the model again.

The engine is never changed in place: another model builds a new engine, changed clips swap in
``engine.with_frames(...)``, and the renderer drops what an engine it no longer holds finishes. A
model that cannot be loaded leaves no engine (never the old one over the new project) and
``problem`` says why, in one line.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from workstation import project as doc
from workstation.kernel.logs import log_error
from workstation.preferences import CUDA_UNAVAILABLE
from workstation.project import FrameRequest
from workstation.render.bundle import BundleError, open_bundle
from workstation.render.engine import Engine
from workstation.render.layers import LayerView
from workstation.render.onion import OnionStyle, onion_skin
from workstation.render.shot_frames import ProjectFrames, bundle_for
from workstation.ui.document import ProjectDocument
from workstation.ui.view.canvas import Canvas
from workstation.ui.view.playback import Player
from workstation.ui.view.qimages import qimage_to_rgb8, qimage_to_rgba8, rgb8_to_qimage
from workstation.ui.view.render_service import BACKGROUND_TICKET, FrameKey, FrameRenderer, RenderedFrame
from workstation.ui.view.timeline import Timeline

PREFETCH = 8  # frames rendered ahead of the playhead while playing
THUMBNAIL_DELAY_MS = 250  # thumbnails wait for this long a pause in editing
THUMBNAIL_FRAMES = 600  # at most this many frames of a shot get thumbnails
CAPTIONS = {LayerView.COMPOSITE: "", LayerView.BACKGROUND: "Background", LayerView.CHARACTERS: "Characters",
            LayerView.ALPHA: "Alpha matte", LayerView.PARTS: "Parts"}


class Viewport(QObject):
    frame_shown = Signal(object)  # the RenderedFrame the Canvas now shows
    engine_changed = Signal()  # another engine (or none) renders the project
    failed = Signal(str)  # one line for the status bar

    def __init__(self, document: ProjectDocument, player: Player, canvas: Canvas, timeline: Timeline,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.document, self.player, self.canvas, self.timeline = document, player, canvas, timeline
        self.renderer = FrameRenderer(parent=self)
        self.engine: Engine | None = None
        self.problem: str | None = None  # why there is no engine (one line), while there is none
        self.onion_skin = False
        self.onion_style = OnionStyle()
        self.render_device = "auto"  # a key of workstation.preferences.RENDER_DEVICES
        self.layer = LayerView.COMPOSITE  # the engine's layer the Canvas shows
        self.solo: str | None = None  # the character shown alone, or None for all of them
        self._shown_ticket = BACKGROUND_TICKET  # none shown yet: every interactive frame is newer
        self._shown_times: deque[float] = deque(maxlen=120)
        self._thumbnail_timer = QTimer(self)
        self._thumbnail_timer.setSingleShot(True)
        self._thumbnail_timer.setInterval(THUMBNAIL_DELAY_MS)
        self._thumbnail_timer.timeout.connect(self._render_thumbnails)
        timeline.set_thumbnail_provider(self._thumbnail)
        self.renderer.frame_ready.connect(self._on_frame_ready)
        self.renderer.failed.connect(self.failed)
        document.replaced.connect(self._on_replaced)
        document.clips_changed.connect(self._update_engine)
        document.model_changed.connect(self._update_engine)
        document.changed.connect(self._on_changed)
        document.selection_changed.connect(self._on_changed)
        document.frame_changed.connect(self._on_frame_changed)
        player.state_changed.connect(self._on_play_state)

    # -- public ------------------------------------------------------------------------------------
    def key(self, frame: int, layer: LayerView | None = None) -> FrameKey | None:
        """The key of ``frame`` of the current shot as the document is now, as the Canvas shows it
        (or in ``layer``, of every character); None without a shot."""
        shot = self.document.shot()
        if shot is None:
            return None
        if layer is not None:
            return FrameKey(self.document.revision, shot.name, frame, layer)
        selected = self.document.character_name
        parts_of = (selected,) if self.layer is LayerView.PARTS and selected is not None else None
        return FrameKey(self.document.revision, shot.name, frame, self.layer, self.solo, parts_of)

    def cached(self, frame: int | None = None, layer: LayerView | None = None) -> RenderedFrame | None:
        """``frame`` (the current one by default) as the document is now, as the Canvas shows it
        (or in ``layer``), if it is rendered yet."""
        key = self.key(self.document.frame if frame is None else frame, layer)
        return None if key is None else self.renderer.cached(key)

    def refresh(self) -> None:
        """Show the current frame (rendering it if need be) and renew the thumbnails soon."""
        self._request_frame()
        self._thumbnail_timer.start()

    def set_onion_skin(self, on: bool) -> None:
        self.onion_skin = bool(on)
        self._request_frame()

    def set_onion_style(self, style: OnionStyle) -> None:
        """How many ghosts on each side, how strong, in which colours (shown at once)."""
        if style != self.onion_style:
            self.onion_style = style
            self._request_frame()

    def set_render_device(self, device: str) -> None:
        """Render on "auto", "cuda" or "cpu" (``workstation.preferences``): the model loads again."""
        if device != self.render_device:
            self.render_device = device
            if self.engine is not None:
                self._update_engine(reload=True)
                self.refresh()

    def set_layer(self, layer: LayerView) -> None:
        """Show another of the engine's layers on the Canvas."""
        self.layer = LayerView(layer)
        self._update_caption()
        self._request_frame()

    def set_solo(self, name: str | None) -> None:
        """Show the character ``name`` alone (None: every character)."""
        self.solo = name
        self._update_caption()
        self._request_frame()

    def _update_caption(self) -> None:
        alone = f"{self.solo} alone" if self.solo is not None else ""
        self.canvas.set_caption(" · ".join(part for part in (CAPTIONS[self.layer], alone) if part))

    def delivered_fps(self) -> int:
        """Frames shown in the last second."""
        now = time.perf_counter()
        return sum(1 for t in self._shown_times if now - t <= 1.0)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until the renderer is idle (for tests, benchmarks and scripts)."""
        return self.renderer.wait(timeout_ms)

    def shutdown(self) -> None:
        self.renderer.shutdown()

    # -- the engine --------------------------------------------------------------------------------
    def _update_engine(self, reload: bool = False) -> None:
        """A new engine when the project names another bundle (or ``reload``); otherwise the same
        loaded sessions over the project's clips as they are now, with fresh caches."""
        project, folder = self.document.project, None
        try:
            folder = Path(bundle_for(project))
            if self.engine is not None and self.engine.folder == folder and not reload:
                engine = self.engine.with_frames(ProjectFrames(project, self.engine.image_size))
            else:
                bundle = open_bundle(folder, prefer_cuda=self.render_device != "cpu")
                engine = Engine(bundle, ProjectFrames(project, bundle.image_size))
        except Exception as error:  # no engine rather than the old one over the wrong project
            line = str(error).splitlines()[0] if isinstance(error, BundleError) else log_error(
                f"{folder or 'the model'}: cannot load the model bundle", error)
            self._swap(None, line)
            self.failed.emit(line)
            return
        self._swap(engine)
        if self.render_device == "cuda" and engine.device != "CUDA":
            self.failed.emit(CUDA_UNAVAILABLE)

    def _swap(self, engine: Engine | None, problem: str | None = None) -> None:
        self.engine, self.problem = engine, problem
        self.renderer.set_engine(engine)
        self.engine_changed.emit()

    # -- the current frame -------------------------------------------------------------------------
    def _on_replaced(self) -> None:
        self._shown_ticket = BACKGROUND_TICKET
        self.solo = None
        self._update_caption()

    def _on_changed(self) -> None:
        shot = self.document.shot()
        if self.solo is not None and (shot is None or all(c.name != self.solo for c in shot.characters)):
            self.solo = None  # the character shown alone was removed, or the shot changed
            self._update_caption()
        output = shot.output if shot is not None else doc.Output()
        self.canvas.set_smooth(output.scaling == "smooth")  # the frames come at the output size
        self.refresh()

    def _on_frame_changed(self, frame: int) -> None:
        # While playing, the next frames render ahead (in batches) so they are cached in time.
        self._request_frame(self.player.upcoming(frame, PREFETCH) if self.player.playing else ())

    def _on_play_state(self, playing: bool) -> None:
        self._shown_times.clear()
        if not playing and self.onion_skin:
            self._request_frame()  # the ghosts come back

    def _requests(self, shot: str, frames: Iterable[int], report: bool = True) -> list[FrameRequest] | None:
        try:
            return doc.render_requests(self.document.project, shot, frames)
        except doc.ProjectError as problem:
            if report:
                self.failed.emit(str(problem))
            return None

    def _request_frame(self, ahead: Sequence[int] = ()) -> None:
        """Show the current frame (from the cache, else render it) and queue ``ahead`` behind it;
        the project is turned into render requests once for all of them."""
        key = self.key(self.document.frame)
        if key is None or self.engine is None:
            self.canvas.show_frame(None, (), [])
            return
        cached = self.renderer.cached(key)
        if cached is not None:
            self._display(cached)
        keys = [] if cached is not None else [key]
        keys += [k for k in (replace(key, frame=frame) for frame in ahead) if self.renderer.cached(k) is None]
        requests = self._requests(key.shot, [k.frame for k in keys]) if keys else None
        if requests is None:
            return
        work = list(zip(keys, requests))
        if cached is None:
            self.renderer.request(*work.pop(0))
        if work:
            self.renderer.request_background(work)

    def _on_frame_ready(self, frame: RenderedFrame) -> None:
        shown = self.key(self.document.frame)
        if frame.background:
            current = self.renderer.cached(shown) if shown is not None else None
            if frame.key == shown and self.canvas.image is not frame.image:
                self._display(frame)  # rendered ahead, and its time has come
            elif current is not None and self.onion_skin and frame.key in self._onion_parts(current.key):
                self._display(current)  # a ghost it waited for has come
            if shown is not None and (frame.key.revision, frame.key.shot) == (shown.revision, shown.shot):
                self.timeline.invalidate_thumbnails(frame.key.frame)
            return
        if frame.ticket > self._shown_ticket and frame.key.shot == self.document.shot_name:
            self._shown_ticket = frame.ticket  # the newest finished frame wins; older ones are stale
            self._display(frame)

    def _display(self, frame: RenderedFrame) -> None:
        image = frame.image
        # ghosts over the composite only, and not while playing: they would blur the playback
        if self.onion_skin and not self.player.playing and frame.key.layer is LayerView.COMPOSITE:
            image = self._ghosted(frame) or image
        self.canvas.show_frame(image, frame.shapes, frame.names, frame.framing)
        self._shown_times.append(time.perf_counter())
        self.frame_shown.emit(frame)

    # -- the onion skin ----------------------------------------------------------------------------
    def _onion_parts(self, key: FrameKey) -> list[FrameKey]:
        """The characters alone of the frame at ``key`` (their alpha keeps the ghosts under them)
        and of its neighbours within the shot: what the ghosts of that frame need."""
        shot = self.document.shot()
        if shot is None or shot.name != key.shot:
            return []
        ghosts = range(1, self.onion_style.frames + 1)
        frames = [key.frame, *(key.frame - d for d in ghosts), *(key.frame + d for d in ghosts)]
        return [replace(key, frame=k, layer=LayerView.CHARACTERS) for k in frames if 0 <= k < shot.length]

    def _request_ghosts(self, key: FrameKey | None) -> None:
        """Ask for what the ghosts of ``key`` still lack, before anything queued."""
        if not self.onion_skin or key is None or self.layer is not LayerView.COMPOSITE:
            return
        missing = [k for k in self._onion_parts(key) if self.renderer.cached(k) is None]
        requests = self._requests(key.shot, [k.frame for k in missing], report=False) if missing else None
        if requests is not None:
            self.renderer.request_first(list(zip(missing, requests)))

    def _ghosted(self, frame: RenderedFrame) -> QImage | None:
        """``frame`` with its neighbours' ghosts (``workstation/render/onion.py``); None (and the missing
        parts asked for) while a part is not rendered yet."""
        parts = {k: self.renderer.cached(k) for k in self._onion_parts(frame.key)}
        if not parts or any(part is None for part in parts.values()):
            self._request_ghosts(frame.key)
            return None
        own = parts[replace(frame.key, layer=LayerView.CHARACTERS)]
        assert own is not None
        def ghosts(direction: int) -> list[np.ndarray | None]:  # nearest first; None beyond the shot
            found = (parts.get(replace(frame.key, frame=frame.frame + direction * d, layer=LayerView.CHARACTERS))
                     for d in range(1, self.onion_style.frames + 1))
            return [_rgba(part.image) if part else None for part in found]

        image = onion_skin(_rgb(frame.image), _rgba(own.image)[..., 3], ghosts(-1), ghosts(1), self.onion_style)
        return rgb8_to_qimage((np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))

    # -- thumbnails --------------------------------------------------------------------------------
    def _thumbnail(self, frame: int) -> QImage | None:
        cached = self.cached(frame, LayerView.COMPOSITE)
        return cached.thumbnail if cached else None

    def _render_thumbnails(self) -> None:
        key = self.key(self.document.frame, LayerView.COMPOSITE)
        shot = self.document.shot()
        if key is None or shot is None or self.engine is None:
            return
        if self.player.playing:  # playback renders (and caches) every frame it can; thumbnails wait
            self._thumbnail_timer.start()
            return
        keys = [replace(key, frame=k) for k in range(min(shot.length, THUMBNAIL_FRAMES))]
        requests = self._requests(shot.name, [k.frame for k in keys], report=False)
        if requests is None:
            return
        self.renderer.request_background(list(zip(keys, requests)))
        self._request_ghosts(self.key(self.document.frame))  # ahead of the thumbnails


def _rgb(image: QImage) -> np.ndarray:
    return qimage_to_rgb8(image).astype(np.float32) / 255.0


def _rgba(image: QImage) -> np.ndarray:
    return qimage_to_rgba8(image).astype(np.float32) / 255.0
