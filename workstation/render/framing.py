"""Where the model square lands in the output rectangle, and where each clip's own pixels land in
both: the three frames of reference of a rendered frame, as 3x3 affine maps. No Qt, no torch.

* the *output rectangle*: W x H pixels, the shot's output size (``Output``);
* a clip's *source frame*: its own pixels, w x h;
* the *model square*: S x S, what the graphs see (``media.fit`` made it from the source frame).

Coordinates are pixel positions with pixel centres at whole numbers (OpenCV's convention: the
first pixel spans -0.5..0.5). ``fit_matrix`` maps a source frame into the square exactly as
``media.fit`` does (crop: the centred square of side min(w, h); letterbox: the whole frame scaled
into the square, centred, with bars). The output shows the *background* clip's frame scaled
uniformly to cover the rectangle, centred (``cover_matrix``), so the square lands in the output
where the background's fitted region lands; what of the output lies outside the square (the side
bands a crop leaves) shows the background frame alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from workstation.project import Output, Project

Matrix = np.ndarray  # float64 [3, 3]


class ClipGeometry(NamedTuple):
    """What places a clip's frames: their size and how they fit the model square."""

    width: int
    height: int
    fit: str  # "crop" or "letterbox" (media.FIT_MODES)


def _affine(scale_x: float, scale_y: float, shift_x: float, shift_y: float) -> Matrix:
    return np.array([[scale_x, 0.0, shift_x], [0.0, scale_y, shift_y], [0.0, 0.0, 1.0]])


def fit_matrix(clip: ClipGeometry, size: int) -> Matrix:
    """Source pixel -> square pixel, as ``media.fit`` resizes (a resize maps pixel centres
    ``(x + 0.5) * scale - 0.5``)."""
    width, height = clip.width, clip.height
    if clip.fit == "crop":
        side = min(width, height)
        x0, y0 = (width - side) // 2, (height - side) // 2
        scale = size / side
        return _affine(scale, scale, (0.5 - x0) * scale - 0.5, (0.5 - y0) * scale - 0.5)
    scale = size / max(width, height)  # letterbox: media.fit's rounding of the scaled sides, and its bars
    fitted_w = min(size, max(1, int(round(width * scale))))
    fitted_h = min(size, max(1, int(round(height * scale))))
    x0, y0 = (size - fitted_w) // 2, (size - fitted_h) // 2
    sx, sy = fitted_w / width, fitted_h / height
    return _affine(sx, sy, 0.5 * sx - 0.5 + x0, 0.5 * sy - 0.5 + y0)


def cover_matrix(source: tuple[int, int], output: tuple[int, int], whole: bool = False) -> Matrix:
    """Output pixel -> source pixel: the source (width, height) scaled uniformly to cover the
    output (width, height), centred (an output of another shape shows the source's middle). With
    ``whole`` (crisp pixels), an enlargement is by the next whole number, so every source pixel is
    a block of whole output pixels, all the same size (a little more of the source is cut off)."""
    (width, height), (out_w, out_h) = source, output
    scale = max(out_w / width, out_h / height)  # output pixels per source pixel
    if whole and scale > 1:
        scale = math.ceil(scale - 1e-9)
    return _affine(1 / scale, 1 / scale, (0.5 / scale - 0.5) + (width - out_w / scale) / 2,
                   (0.5 / scale - 0.5) + (height - out_h / scale) / 2)


def normalized(size: int) -> Matrix:
    """Square pixel -> the graphs' normalized units ([-1, 1], ``align_corners=False``)."""
    return _affine(2 / size, 2 / size, 1 / size - 1, 1 / size - 1)


def theta_matrix(theta: np.ndarray) -> Matrix:
    """A [2, 3] sampling theta as a 3x3 map (normalized units: where each drawn point samples from)."""
    return np.vstack([np.asarray(theta, np.float64), [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class Framing:
    """One output rectangle and the model square within it. The maps only scale and shift (no
    turn): the square's sides stay parallel to the output's."""

    width: int
    height: int
    size: int  # the model square's side, S
    output_to_square: Matrix

    @classmethod
    def square(cls, size: int) -> Framing:
        """The model square itself as the output (a request without an output size)."""
        return cls(size, size, size, np.eye(3))

    @classmethod
    def of_background(cls, background: ClipGeometry, output: tuple[int, int], size: int,
                      crisp: bool = False) -> Framing:
        """The output (width, height) showing the background clip's frame: the square lands where
        the background's fitted region does; ``crisp`` enlarges it by a whole number (``cover_matrix``)."""
        to_source = cover_matrix((background.width, background.height), output, whole=crisp)
        return cls(output[0], output[1], size, fit_matrix(background, size) @ to_source)

    @classmethod
    def of_output(cls, background: ClipGeometry, output: Output, size: int) -> Framing:
        """``of_background`` for a shot's ``output``: its size, crisp when its scaling is."""
        return cls.of_background(background, output.size, size, crisp=output.scaling == "crisp")

    @property
    def is_square(self) -> bool:
        """Whether the output is the model square, pixel for pixel."""
        return (self.width, self.height) == (self.size, self.size) and np.allclose(self.output_to_square, np.eye(3))

    @property
    def square_to_output(self) -> Matrix:
        return np.linalg.inv(self.output_to_square)

    @property
    def square_rect(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the model square in output pixels, edge to edge: where the
        views draw outlines and how far a drag moves a pose (a fraction of the square's side)."""
        (x0, y0), (x1, y1) = self.to_output([(-0.5, -0.5), (self.size - 0.5, self.size - 0.5)])
        return x0 + 0.5, y0 + 0.5, x1 - x0, y1 - y0

    @property
    def scale(self) -> float:
        """Output pixels per square pixel (the larger of the two axes')."""
        return float(1 / min(abs(self.output_to_square[0, 0]), abs(self.output_to_square[1, 1])))

    def to_output(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Square pixel positions -> output pixel positions."""
        matrix = self.square_to_output
        return [(float(matrix[0] @ (x, y, 1.0)), float(matrix[1] @ (x, y, 1.0))) for x, y in points]

    def output_box(self, square_box: tuple[int, int, int, int], margin: int = 1) -> tuple[int, int, int, int] | None:
        """The output pixels (x0, y0, x1, y1; ends exclusive) a box of square pixels (same form) covers,
        grown by ``margin`` output pixels and clipped to the output; None when nothing is left."""
        x0, y0, x1, y1 = square_box
        corners = self.to_output([(x0 - 0.5, y0 - 0.5), (x1 - 0.5, y1 - 0.5)])
        (a, b), (c, d) = corners
        left, right = int(np.floor(min(a, c))) - margin, int(np.ceil(max(a, c))) + margin
        top, bottom = int(np.floor(min(b, d))) - margin, int(np.ceil(max(b, d))) + margin
        box = max(0, left), max(0, top), min(self.width, right), min(self.height, bottom)
        return box if box[0] < box[2] and box[1] < box[3] else None


def framing_of(project: Project, shot: str, size: int) -> Framing:
    """The framing of ``shot``'s output for a model square of ``size``: from its background clip's
    size and fit and the shot's output size."""
    the_shot = project.shot(shot)
    clip = project.clips[the_shot.background.clip]
    return Framing.of_output(ClipGeometry(clip.width, clip.height, clip.fit), the_shot.output, size)
