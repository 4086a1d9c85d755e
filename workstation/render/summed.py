"""The summed renderer (the paper's, and every format 1 bundle's): one image ``g(warp(f_c) + f_b)``
from summed features, so what a layer shows is chosen by what is summed in. Layered bundles need
none of this: their characters and plate are separate images (layered.py).

A summed model's character features carry a field everywhere besides the character, which these
inputs keep from staining the picture (split_field, character_only), and it has no alpha: where a
character is, is read as where the frame departs from the shot rendered without its characters.
No Qt, no torch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from enum import StrEnum

import cv2
import numpy as np

from workstation.project import FrameRequest
from workstation.render.geometry import IDENTITY_THETA, character_only, split_field, warp
from workstation.render.graphs import Encoder, Graphs
from workstation.render.layers import LayerView
from workstation.render.matte import clean_matte, ramp
from workstation.render.output_layers import enlarge, frame_at_output, square_mask
from workstation.render.part_colours import part_colours, tint_frame
from workstation.render.shapes import CharacterShape, shape_of
from workstation.render.sources import Sources


class SummedView(StrEnum):
    """What the summed renderer is given to draw: the frame, the plate alone, the characters alone,
    or the shot as its frames show it without their characters (the plate with the field f_c
    carries everywhere, which the plate alone lacks)."""

    BOTH = "both"
    BACKGROUND = "background"
    CHARACTER = "character"
    EMPTY = "empty"


# A pixel belongs to a character when some channel departs from the "empty" render by more than
# NOISE; it counts fully from NOISE + RAMP. Below NOISE is the renderer's own noise.
NOISE, RAMP = 0.06, 0.2


def departure_coverage(image: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """[N, 1, H, W] in [0, 1]: how surely each pixel of ``image`` [N, 3, H, W] is character."""
    return ramp(np.abs(image - empty).max(axis=1, keepdims=True), NOISE, NOISE + RAMP)


def departure_alpha(image: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """The characters' alpha in every view: their coverage under the matte rule (matte.py), as a
    layered model's alpha is, so that exports are exactly 0 away from the characters here too."""
    return clean_matte(departure_coverage(image, empty))


def covered(departure: np.ndarray) -> np.ndarray:
    """bool: where a departure of ``drawn_alone`` makes a pixel at least half character."""
    return departure >= NOISE + 0.5 * RAMP


class SummedRenderer:
    """Frames drawn through renderer.onnx from summed features: a ``Renderer`` for summed bundles.
    Its views draw with any bundle, every one having renderer.onnx."""

    def __init__(self, graphs: Graphs, sources: Sources | None = None):
        """``sources``: what a request at an output size is drawn from; None draws the model square only."""
        self.graphs = graphs
        self.sources = sources

    def render(self, requests: Sequence[FrameRequest], layer: LayerView,
               parts_of: Collection[str] | None = None) -> np.ndarray:
        """The square views, each enlarged into its request's output (``at_output``)."""
        if layer in (LayerView.COMPOSITE, LayerView.BACKGROUND):
            square = self.view(requests, SummedView.BOTH if layer is LayerView.COMPOSITE else SummedView.BACKGROUND)
        elif layer is LayerView.PARTS:
            square = self.parts(requests, parts_of)
        else:
            frame, empty = self.view(requests, SummedView.BOTH), self.view(requests, SummedView.EMPTY)
            alpha = departure_alpha(frame, empty)
            square = np.concatenate([frame, alpha], axis=1) if layer is LayerView.CHARACTERS else alpha
        if self.sources is None or not any(self.sources.at_output_size(r) for r in requests):
            return square
        return np.stack([self.at_output(r, image, layer) for r, image in zip(requests, square)])

    def at_output(self, request: FrameRequest, image: np.ndarray, layer: LayerView) -> np.ndarray:
        """A square view [C, S, S] at the request's output size: renderer.onnx draws the whole
        square, so it is enlarged whole (colour crisp or bicubic, alpha crisp or bilinear); the
        side bands outside the square show the background frame (no character is drawn there)."""
        assert self.sources is not None
        framing = self.sources.framing(request)
        smooth = request.output is not None and request.output.scaling == "smooth"
        whole = (0, 0, framing.width, framing.height)
        colours = 0 if layer is LayerView.ALPHA else 3
        planes = []
        if colours:
            planes.append(enlarge(image[:colours], framing, whole, cv2.INTER_CUBIC if smooth else cv2.INTER_NEAREST))
        if layer.channels != 3:
            planes.append(enlarge(image[colours:], framing, whole, cv2.INTER_LINEAR if smooth else cv2.INTER_NEAREST))
        enlarged = np.clip(np.concatenate(planes), 0.0, 1.0)
        if layer in (LayerView.COMPOSITE, LayerView.BACKGROUND, LayerView.PARTS):
            outside = frame_at_output(self.sources.background(request, framing), framing, smooth)
        else:
            outside = np.zeros_like(enlarged)
        return np.where(square_mask(framing), enlarged, outside).astype(np.float32, copy=False)

    def parts(self, requests: Sequence[FrameRequest], parts_of: Collection[str] | None) -> np.ndarray:
        """[N, 3, S, S]: the frame with the characters named in ``parts_of`` (None: all) in one colour
        where their alpha is (a summed bundle has no parts); their alpha is read as the alpha view's,
        from the frame of those characters alone against its "empty" render."""
        frame = self.view(requests, SummedView.BOTH)
        chosen = requests if parts_of is None else [
            replace(r, characters=tuple(c for c in r.characters if c.name in parts_of)) for r in requests]
        drawn = frame if parts_of is None else self.view(chosen, SummedView.BOTH)
        alpha = departure_alpha(drawn, self.view(chosen, SummedView.EMPTY))
        return np.stack([tint_frame(f, part_colours(None, f.shape[1:]), a) for f, a in zip(frame, alpha)])

    def shapes(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """The strongest 5% of where each character changes the frame, and where it is opaque."""
        return [[shape_of(np.maximum(d - np.quantile(d, 0.95), 0.0), covered(d)) for d in frame]
                for frame in self.drawn_alone(requests)]

    def view(self, requests: Sequence[FrameRequest], view: SummedView) -> np.ndarray:
        """[N, 3, S, S]: ``view`` of each request, through renderer.onnx."""
        character, theta, background = zip(*(self.inputs(r, view) for r in requests))
        return self.graphs.render_features(np.stack(character), np.stack(theta), np.stack(background))

    def inputs(self, request: FrameRequest, view: SummedView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(character features, theta, background features) for renderer.onnx to draw ``view``."""
        graphs = self.graphs
        channels, height, width = graphs.bundle.feature_shape
        background = np.zeros((channels, height, width), np.float32)
        if view in (SummedView.BOTH, SummedView.BACKGROUND, SummedView.EMPTY):
            background = graphs.features(request.background.clip, request.background.frame, Encoder.BACKGROUND).copy()
        if view == SummedView.EMPTY:
            if request.characters:  # the field is the first character's, as in "both"
                source = request.characters[0].source
                field = split_field(graphs.features(source.clip, source.frame, Encoder.CHARACTER))[1]
                background = background + field
            return np.zeros_like(background), IDENTITY_THETA, background
        drawn = view in (SummedView.BOTH, SummedView.CHARACTER)
        placed = [graphs.placed(c) for c in request.characters] if drawn else []
        if not placed:
            return np.zeros_like(background), IDENTITY_THETA, background
        first, others = placed[0], placed[1:]
        character = first.features
        if first.motion is not None and graphs.anchors_on_character_part:
            # A hand pose moves the character, not the field f_c carries everywhere: warped with a
            # shrink or a turn, that field would pull the warp's zero padding into view and stain
            # the background. So the field follows the motion alone, as in training, and the
            # renderer warps the character part by motion and pose. With an identity pose the sum
            # is warp(f_c, motion) exactly. (The character centroid ignores the field, so the
            # renderer anchors the character part where it anchors f_c.)
            character, field = split_field(first.features)
            background = background + warp(field[None], first.motion[None])[0]
        if others:  # the renderer warps one character; the others are warped here and added in
            features = character_only(np.stack([p.features for p in others]))
            thetas = np.stack([graphs.absolute(p) for p in others])
            background = background + warp(features, thetas).sum(axis=0)
        return character, first.theta, background

    def drawn_alone(self, requests: Sequence[FrameRequest]) -> list[list[np.ndarray]]:
        """For each request, each character's departure [H, W] from an empty render when drawn alone
        on nothing, with one renderer call: where the renderer puts it (for outlines and hit tests)."""
        placed = [[self.graphs.placed(c) for c in request.characters] for request in requests]
        flat = [p for frame in placed for p in frame]
        if not flat:
            return [[] for _ in requests]
        features = np.stack([p.features for p in flat])
        nothing = np.zeros_like(features[:1])
        images = self.graphs.render_features(
            np.concatenate([features, nothing]),
            np.concatenate([np.stack([p.theta for p in flat]), IDENTITY_THETA[None]]),
            np.zeros((len(flat) + 1, *features.shape[1:]), np.float32))
        drawn = iter(np.abs(image - images[-1]).sum(axis=0) for image in images[:-1])
        return [[next(drawn) for _ in frame] for frame in placed]
