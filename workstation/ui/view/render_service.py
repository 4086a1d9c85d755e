"""Rendering off the UI thread: one worker renders frame requests with the engine and hands back
QImages at each request's output size (with where the model square lands in them, and a small
copy for the timeline's thumbnails); the UI never waits for it.

Interactive requests (the frame the Canvas shows) replace each other while they wait: only the
newest is rendered, so a scrub or a drag that outruns the renderer drops the frames in between.
Background requests (timeline thumbnails) run only when no interactive one waits.

Each job renders with the engine the service held when the job started; engines are never changed
after they are built (a new one replaces the old), so a job never sees one half-changed. Frames a
replaced engine finishes are dropped. The scheduling (which frames, when) is ``viewport.py``'s.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage

from workstation.kernel.logs import log_error
from workstation.kernel.lru import LRUCache
from workstation.project import FrameRequest
from workstation.render.engine import CharacterShape, Engine
from workstation.render.framing import Framing
from workstation.render.layers import LayerView
from workstation.ui.view.qimages import chw_to_qimage

BACKGROUND_TICKET = 0  # the ticket of background work: below every interactive request's (1, 2, ...)
# What the finished frames' images hold at most, by default (the least recently used go first): on a
# two-core laptop with 8 GB, beside the engine's caches; some 190 frames of 720p RGB, 680 of 512x512.
FRAME_CACHE_BYTES = 512 << 20
THUMBNAIL_SIDE = 160  # the longest side of a frame's copy for the timeline (its widest cell)


@dataclass(frozen=True)
class FrameKey:
    """What a rendered image is of: a frame of a shot as the document was at ``revision``, in one of
    the engine's layers (``LayerView``), of every character or of one alone (solo), and in the
    Parts view, whose parts are coloured."""

    revision: int
    shot: str
    frame: int
    layer: LayerView = LayerView.COMPOSITE
    character: str | None = None  # solo: this character alone
    parts_of: tuple[str, ...] | None = None  # the Parts view colours these characters' parts (None: all)


@dataclass(frozen=True)
class RenderedFrame:
    key: FrameKey
    ticket: int  # the order interactive requests were made in; BACKGROUND_TICKET for background work
    image: QImage  # at the request's output size
    shapes: tuple[CharacterShape, ...]  # one per character drawn, back to front (model-square pixels)
    names: tuple[str, ...]  # of the characters drawn (a hidden one is not), as ``shapes``
    milliseconds: float  # render time per frame
    framing: Framing  # where the model square lands in ``image``
    thumbnail: QImage  # ``image`` scaled down to THUMBNAIL_SIDE at most (``image`` itself if no larger)

    @property
    def frame(self) -> int:
        return self.key.frame

    @property
    def background(self) -> bool:
        """Rendered as background work (thumbnails, frames ahead), not as the Canvas asked."""
        return self.ticket == BACKGROUND_TICKET


class _Signals(QObject):
    finished = Signal(object)  # (the engine, list[RenderedFrame])
    failed = Signal(str)


Work = tuple[FrameKey, int, FrameRequest]  # key, ticket (BACKGROUND_TICKET: background work), request


class _Job(QRunnable):
    def __init__(self, engine: Engine, work: list[Work], signals: _Signals):
        super().__init__()
        self.engine, self.work, self.signals = engine, work, signals

    def run(self) -> None:
        try:
            start = time.perf_counter()
            images, shapes, names, framings = {}, {}, {}, {}
            for layer, parts_of in dict.fromkeys((key.layer, key.parts_of) for key, _, _ in self.work):  # a batch each
                items = [(key, _solo(request, key.character)) for key, _, request in self.work
                         if (key.layer, key.parts_of) == (layer, parts_of)]
                requests = [request for _, request in items]
                rendered = self.engine.render_requests(requests, layer, parts_of=parts_of)
                outlines = self.engine.shapes_of_requests(requests)
                for (key, request), image, outline in zip(items, rendered, outlines):
                    images[key], shapes[key] = chw_to_qimage(image), tuple(outline)
                    names[key] = tuple(c.name for c in request.characters)
                    framings[key] = self.engine.framing(request)  # as the engine framed it
            per_frame = (time.perf_counter() - start) * 1000.0 / len(self.work)
            frames = [RenderedFrame(key, ticket, images[key], shapes[key], names[key], per_frame,  # in order asked
                                    framings[key], thumbnail_of(images[key]))
                      for key, ticket, _ in self.work]
        except Exception as error:  # a damaged clip, a failing session, a bug: one line, never a crash
            self.signals.failed.emit(log_error("rendering failed", error))  # the traceback in the log
            return
        self.signals.finished.emit((self.engine, frames))


def thumbnail_of(image: QImage) -> QImage:
    """``image`` scaled down (smoothly, keeping its aspect) to THUMBNAIL_SIDE at most: the timeline
    draws many, at every repaint, so they are made once, here, off the UI thread."""
    if max(image.width(), image.height()) <= THUMBNAIL_SIDE:
        return image
    return image.scaled(THUMBNAIL_SIDE, THUMBNAIL_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def _image_bytes(frame: RenderedFrame) -> int:
    thumbnail = 0 if frame.thumbnail is frame.image else frame.thumbnail.sizeInBytes()
    return frame.image.sizeInBytes() + thumbnail


def _solo(request: FrameRequest, character: str | None) -> FrameRequest:
    if character is None:
        return request
    return replace(request, characters=tuple(c for c in request.characters if c.name == character))


class FrameRenderer(QObject):
    frame_ready = Signal(object)  # RenderedFrame, interactive or background
    failed = Signal(str)

    BATCH = 4  # background frames per job: short jobs, so an interactive request never waits long

    def __init__(self, cache_bytes: int = FRAME_CACHE_BYTES, parent: QObject | None = None):
        super().__init__(parent)
        self.engine: Engine | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._busy = False
        self._ticket = BACKGROUND_TICKET  # the latest interactive request's
        self._interactive: Work | None = None
        self._background: OrderedDict[FrameKey, FrameRequest] = OrderedDict()
        self._cache: LRUCache[FrameKey, RenderedFrame] = LRUCache(cache_bytes, _image_bytes)

    def set_engine(self, engine: Engine | None) -> None:
        self.engine = engine
        self._interactive = None
        self._background.clear()
        self._cache.clear()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def cached_bytes(self) -> int:
        """What the cached frames' images hold, at most the ``cache_bytes`` given."""
        return self._cache.nbytes

    def cached(self, key: FrameKey) -> RenderedFrame | None:
        return self._cache.get(key)

    def request(self, key: FrameKey, request: FrameRequest) -> int:
        """Render ``request`` for the Canvas, replacing any interactive request still waiting.
        Returns its ticket (newer requests have larger tickets)."""
        self._ticket += 1
        self._interactive = (key, self._ticket, request)
        self._start()
        return self._ticket

    def request_background(self, work: list[tuple[FrameKey, FrameRequest]]) -> None:
        """Queue frames to render when idle (thumbnails); replaces the queued ones."""
        self._background = OrderedDict((key, request) for key, request in work if key not in self._cache)
        self._start()

    def request_first(self, work: list[tuple[FrameKey, FrameRequest]]) -> None:
        """Queue frames to render when idle, ahead of the queued ones (which stay queued)."""
        for key, request in reversed(work):
            if key not in self._cache:
                self._background[key] = request
                self._background.move_to_end(key, last=False)
        self._start()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until the worker is idle (for tests and benchmarks)."""
        return self._pool.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Drop the queued work, start nothing new, and wait for the frame under way: a worker
        still running when the application exits aborts the process."""
        self.set_engine(None)
        return self.wait(timeout_ms)

    def _start(self) -> None:
        if self._busy or self.engine is None:
            return
        if self._interactive is not None:
            work, self._interactive = [self._interactive], None
        elif self._background:
            keys = list(self._background)[: self.BATCH]
            work = [(key, BACKGROUND_TICKET, self._background.pop(key)) for key in keys]
        else:
            return
        self._busy = True
        self._pool.start(_Job(self.engine, work, self._signals))

    def _on_finished(self, result: tuple[Engine, list[RenderedFrame]]) -> None:
        self._busy = False
        engine, frames = result
        if engine is not self.engine:  # rendered by an engine since replaced: stale
            self._start()
            return
        for frame in frames:
            self._cache.put(frame.key, frame)
        for frame in frames:
            self.frame_ready.emit(frame)
        self._start()

    def _on_failed(self, message: str) -> None:
        self._busy = False
        self.failed.emit(message)
        self._start()
