"""The clips' own frames behind a render, and where they land in the output: the framing of a
frame request and the guides (a clip frame and its map from output pixels) the output stage draws
from (output_layers.py). No Qt, no torch.

A frame source that gives the clips' own frames (``ClipFrames``: the project's, shot_frames.py)
renders each request at its output size. A plain ``FrameSource`` (a function giving fitted squares,
as tests and evaluations use) and a request without an output size render the model square itself,
with the fitted squares standing for the clips' frames.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from workstation.project import FrameRef, FrameRequest
from workstation.render.framing import ClipGeometry, Framing, Matrix, fit_matrix, normalized, theta_matrix
from workstation.render.graphs import FrameSource
from workstation.render.output_layers import Guide

# A clip's frame guides a character's edges only where it holds this much more detail than the square.
DETAIL = 1.25


@runtime_checkable
class ClipFrames(Protocol):
    """A frame source that also gives the clips' own frames and how they fit the square."""

    def __call__(self, clip: str, frame: int) -> np.ndarray:
        """float32 [3, S, S]: the frame fitted to the model square."""
        ...

    def original(self, clip: str, frame: int) -> np.ndarray:
        """uint8 RGB [h, w, 3]: the frame at its own size."""
        ...

    def geometry(self, clip: str) -> ClipGeometry:
        ...


class Sources:
    """What a request's output is drawn from, over a frame source and a model square of ``size``."""

    def __init__(self, frames: FrameSource, size: int):
        self.frames = frames
        self.size = size
        self.full = isinstance(frames, ClipFrames)

    def at_output_size(self, request: FrameRequest) -> bool:
        return self.full and request.output is not None

    def framing(self, request: FrameRequest) -> Framing:
        if not self.at_output_size(request):
            return Framing.square(self.size)
        assert isinstance(self.frames, ClipFrames) and request.output is not None
        return Framing.of_output(self.frames.geometry(request.background.clip), request.output, self.size)

    def own(self, request: FrameRequest, ref: FrameRef) -> tuple[np.ndarray, Matrix]:
        """A clip frame as the request draws from it (its own, uint8 [h, w, 3], or the fitted
        square, float32 [S, S, 3]) and its map from the square's pixels to that frame's."""
        if self.at_output_size(request):
            assert isinstance(self.frames, ClipFrames)
            return (self.frames.original(ref.clip, ref.frame),
                    np.linalg.inv(fit_matrix(self.frames.geometry(ref.clip), self.size)))
        fitted = self.frames(ref.clip, ref.frame)  # float32 [3, S, S]
        return np.ascontiguousarray(fitted.transpose(1, 2, 0), dtype=np.float32), np.eye(3)

    def background(self, request: FrameRequest, framing: Framing) -> Guide:
        """The background frame and where each output pixel shows of it."""
        image, square_to_image = self.own(request, request.background)
        return Guide(image, square_to_image @ framing.output_to_square)

    def guide(self, request: FrameRequest, framing: Framing, source: FrameRef, theta: np.ndarray) -> Guide | None:
        """A character's source frame brought to where the character is drawn (through its absolute
        sampling ``theta`` [2, 3]), or None when that frame holds no more detail than the square."""
        if not self.at_output_size(request):
            return None  # the fitted square holds no more than the square
        image, square_to_image = self.own(request, source)
        if abs(square_to_image[0, 0]) < DETAIL and abs(square_to_image[1, 1]) < DETAIL:
            return None
        to_normalized = normalized(self.size)
        sampling = np.linalg.inv(to_normalized) @ theta_matrix(theta) @ to_normalized
        return Guide(image, square_to_image @ sampling @ framing.output_to_square)
