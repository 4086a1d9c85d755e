"""The render engine: a model bundle run with ONNX Runtime over a frame source. No Qt, no torch.
Design: docs/DESIGN.md, "The engine".

    engine = Engine(bundle_folder, frames=lambda clip, frame: image_float32_3xSxS)
    engine.device_line            -> "rendering on CPU (...)" for the status bar and the CLI
    engine.render_requests(requests, layer) -> [N, C, S, S] float32, one image per FrameRequest
    engine.with_frames(frames)    -> a new engine over other frames, sharing the loaded graphs

Layers (``LayerView``): "composite" (the frame, RGB), "background" (the plate, RGB), "characters"
(the characters alone over transparency, straight RGBA), "alpha" (their coverage, [N, 1, S, S])
and "parts" (the frame with the part masks of the characters named in ``parts_of``, all by default,
coloured over them, RGB); ``character=name`` draws that character alone. A request's characters
are drawn in its order, the first at the back.

The engine is the bundle's graphs with their cached encodings, thetas and placement (``Graphs``,
graphs.py) and one ``Renderer`` (renderer.py) chosen by the bundle's kind when it is made: a
layered bundle's ``LayeredRenderer`` (layered.py) decodes the plate and each character's RGB and
alpha once and composites them in numpy, so a drag re-runs one character decoder; a summed
bundle's ``SummedRenderer`` (summed.py; every format 1 bundle) draws each view through
renderer.onnx from summed features and reads its characters' alpha from where they change the
frame. The engine checks the request and delegates; the graph methods are the ``Graphs``'.

An engine is complete when made and never changed afterwards: when the clips behind the names
change, ``with_frames`` makes a new engine (cheap: the ONNX sessions are shared, the caches are
new) and its owner swaps it in, so no thread ever renders with a half-changed one. All methods are
safe to call from several threads (ONNX Runtime sessions are; the caches take a lock).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import IDENTITY_POSE, CharacterRequest, FrameRef, FrameRequest, MotionRequest
from workstation.render.bundle import Bundle, open_bundle
from workstation.render.framing import Framing
from workstation.render.graphs import FrameSource, Graphs, Placed
from workstation.render.layered import LayeredRenderer
from workstation.render.layers import LayerView
from workstation.render.renderer import Renderer
from workstation.render.shapes import CharacterShape
from workstation.render.sources import Sources
from workstation.render.summed import SummedRenderer, SummedView

__all__ = ["CACHE_BYTES", "CharacterShape", "Engine", "FrameSource", "Placed"]

# What an engine's caches hold together by default, chosen for a two-core laptop with 8 GB, beside the
# render service's frames (512 MiB) and each clip's decoded frames (256 MiB): with a 64x64 model, about
# 3,000 encodings (64 KiB each, the costly part to redo) and 2,000 character layers; at 720p, float32,
# still 9 character layers and 6 plates, enough for a drag among several characters.
CACHE_BYTES = 384 << 20


class Engine:
    """A bundle's graphs with cached encodings, thetas and decoded layers over one frame source.

    ``bundle`` is a bundle folder (opened here; raises BundleError) or an already opened Bundle.
    ``frames(clip, frame)`` gives a clip frame as float32 [3, S, S] fitted to the model; an engine
    made without one runs the graphs on arrays only (``h``, ``encode_*``, ``render_features``).
    ``cache_bytes`` bounds what its caches (``caches``) hold together: a layered bundle's encodings
    and thetas get half of it, its decoded layers the other half; a summed bundle has only the first."""

    def __init__(self, bundle: str | Path | Bundle, frames: FrameSource | None = None,
                 cache_bytes: int = CACHE_BYTES, prefer_cuda: bool = True):
        self.bundle = bundle if isinstance(bundle, Bundle) else open_bundle(bundle, prefer_cuda)
        self._cache_bytes = cache_bytes
        graphs_bytes = cache_bytes // 2 if self.bundle.layered else cache_bytes
        self.graphs = Graphs(self.bundle, frames, graphs_bytes)
        # what each request's output is drawn from: None without a frame source (graphs on arrays only)
        self.sources = Sources(frames, self.bundle.image_size) if frames is not None else None
        self.renderer: Renderer = (
            LayeredRenderer(self.graphs, self.sources, cache_bytes - graphs_bytes) if self.bundle.layered
            else SummedRenderer(self.graphs, self.sources))

    def with_frames(self, frames: FrameSource | None) -> Engine:
        """A new engine over ``frames`` sharing this one's loaded graphs and metadata, with empty
        caches: what replaces this one when the clips behind the names change."""
        return Engine(self.bundle, frames, cache_bytes=self._cache_bytes)

    @property
    def caches(self) -> dict[str, LRUCache[Any, Any]]:
        """The engine's caches by name, each within its ``max_bytes``, together within the
        ``cache_bytes`` the engine was made with."""
        caches: dict[str, LRUCache[Any, Any]] = {"encodings": self.graphs.encodings, "thetas": self.graphs.thetas}
        if isinstance(self.renderer, LayeredRenderer):
            caches |= {"plates": self.renderer.plates, "backgrounds": self.renderer.backgrounds,
                       "layers": self.renderer.layers}
        return caches

    @property
    def frames(self) -> FrameSource | None:
        return self.graphs.frames

    @property
    def folder(self) -> Path:
        return self.bundle.folder

    @property
    def metadata(self) -> dict[str, Any]:
        return self.bundle.metadata

    @property
    def device(self) -> str:
        return self.bundle.device

    @property
    def image_size(self) -> int:
        return self.bundle.image_size

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        return self.bundle.feature_shape

    @property
    def anchored(self) -> bool:
        return self.bundle.anchored

    @property
    def layered(self) -> bool:
        """Characters as RGB and alpha over a plate (format 2 "layered"); else the summed renderer."""
        return self.bundle.layered

    @property
    def centroid(self) -> Callable[[np.ndarray], np.ndarray]:
        """The centroid the renderer graph anchors on (model.json "centroid"), [N, C, h, w] -> [N, 2]."""
        return self.graphs.centroid

    @property
    def device_line(self) -> str:
        if self.device == "CUDA":
            return "rendering on CUDA (GPU)"
        return "rendering on CPU (no usable CUDA GPU found)"

    # -- the graphs, batched, on numpy: also the evaluation's SceneFunctions (graphs.py) ------------
    def encode_character(self, images: np.ndarray) -> np.ndarray:
        return self.graphs.encode_character(images)

    def encode_background(self, images: np.ndarray) -> np.ndarray:
        return self.graphs.encode_background(images)

    def motion(self, features_from: np.ndarray, features_to: np.ndarray) -> np.ndarray:
        return self.graphs.motion(features_from, features_to)

    def render_features(self, character: np.ndarray, theta: np.ndarray, background: np.ndarray,
                        source: np.ndarray | None = None) -> np.ndarray:
        """The frame of one character over a background: renderer.onnx, in every bundle. ``source``
        (the character's own frame) is for models that draw characters from it; formats 1 and 2 do not."""
        return self.graphs.render_features(character, theta, background, source)

    render = render_features  # the name evaluation's SceneFunctions uses

    def plate(self, background: np.ndarray) -> np.ndarray:
        """[N, 3, S, S]: the plate decoded from background features (layered bundles)."""
        return self.graphs.plate(background)

    def character_layer(self, character: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rgb [N, 3, S, S], alpha [N, 1, S, S]) of character features placed by theta (layered bundles)."""
        return self.graphs.character_layer(character, theta)

    def h(self, x_c: np.ndarray, x_t1: np.ndarray, x_t2: np.ndarray, x_b: np.ndarray) -> np.ndarray:
        """h(x_c, x_t1, x_t2, x_b) uncached; the three character encodings run as one batch."""
        return self.graphs.h(x_c, x_t1, x_t2, x_b)

    def drawn_h(self, x_c: np.ndarray, x_t1: np.ndarray, x_t2: np.ndarray, x_b: np.ndarray) -> np.ndarray:
        """h(x_c, x_t1, x_t2, x_b) as the workstation draws it at the model's square, crisp: each
        example one frame request over its frames, through this bundle's renderer (a layered
        model's matte, a format 3 character's own pixels on the square's grid, the background
        frame itself with the plate only where its own character is), as evaluated against ``h``."""
        clips = {"character": x_c, "motion": np.stack([x_t1, x_t2], axis=1).reshape(-1, *x_t1.shape[1:]),
                 "background": x_b}
        engine = self.with_frames(lambda clip, frame: clips[clip][frame])
        requests = [FrameRequest("h", i, FrameRef("background", i), (CharacterRequest(
            FrameRef("character", i), MotionRequest("motion", 2 * i, 2 * i + 1), IDENTITY_POSE),))
            for i in range(len(x_c))]
        return engine.render_requests(requests)

    def placed(self, character: CharacterRequest) -> Placed:
        """A character's features and the theta the renderer graphs place it with."""
        return self.graphs.placed(character)

    # -- frame requests, through the renderer -------------------------------------------------------
    def render_requests(self, requests: Sequence[FrameRequest], layer: LayerView | str = LayerView.COMPOSITE,
                        character: str | None = None, parts_of: Collection[str] | None = None) -> np.ndarray:
        """Images [N, C, H, W] of frame requests in one ``LayerView`` (C is its ``channels``) at
        their output size (``FrameRequest.output``; the model square, S x S, for a request without
        one or an engine whose frame source gives only fitted squares); with ``character``, the
        request's character of that name alone (none if it has none). ``parts_of``: the characters
        whose parts the Parts view colours (None: every character drawn)."""
        if layer not in tuple(LayerView):
            raise ValueError(f"layer={layer!r}: allowed values are {', '.join(LayerView)}")
        layer = LayerView(layer)
        if character is not None:
            requests = [replace(r, characters=tuple(c for c in r.characters if c.name == character)) for r in requests]
        if not requests:
            return np.zeros((0, layer.channels, self.image_size, self.image_size), np.float32)
        if len({None if r.output is None else r.output.size for r in requests}) > 1:
            raise ValueError("the requests of one render_requests call must share one output size")
        return self.renderer.render(requests, layer, parts_of)

    def framing(self, request: FrameRequest) -> Framing:
        """Where the model square lands in ``request``'s output (framing.py): as ``render_requests``
        draws it, the model square itself for a request without an output size."""
        return self.sources.framing(request) if self.sources is not None else Framing.square(self.image_size)

    def render_frame(self, request: FrameRequest, layer: LayerView | str = LayerView.COMPOSITE) -> np.ndarray:
        image: np.ndarray = self.render_requests([request], layer)[0]
        return image

    def render_view(self, requests: Sequence[FrameRequest], view: SummedView | str) -> np.ndarray:
        """A ``SummedView`` of the requests through renderer.onnx (any bundle has it): how format 1 drew."""
        if view not in tuple(SummedView):
            raise ValueError(f"view={view!r}: allowed values are {', '.join(SummedView)}")
        return SummedRenderer(self.graphs, self.sources).view(requests, SummedView(view))

    # -- where the characters are ---------------------------------------------------------------------
    def character_shapes(self, request: FrameRequest) -> list[CharacterShape]:
        """Each character of a frame request as it lands on the output image, for outlines,
        handles and hit tests: the centre and spread of its opaque alpha (layered), or of what the
        renderer draws for it alone on nothing (summed)."""
        return self.shapes_of_requests([request])[0]

    def shapes_of_requests(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """``character_shapes`` for several requests, with one decoder call for all of them."""
        return self.renderer.shapes(requests)
