"""Drawing the model square's layers into the output rectangle at the output's own resolution: the
background is the background clip's own frame, a character's colour and alpha are its decoder's,
enlarged through the square's placement (framing.py), and only the boxes the characters cover are
touched. No Qt, no torch.

Sampling is ``cv2.warpAffine`` with the inverse map (about a millisecond for a 720p frame), never
ONNX GridSample. A character's alpha is enlarged edge-aware where its source frame holds more detail
than the model square: bilinear, then refined by the guided filter (guided.py) against the source's
own pixels brought to the same place, so the edge follows the picture, not the square's grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from workstation.render.fields import source_maps
from workstation.render.framing import Framing, Matrix
from workstation.render.guided import edge_aware_alpha
from workstation.render.matte import ramp

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels; ends exclusive

# The guided filter's regularisation: small enough that an edge of the source moves the matte's edge.
GUIDE_EPS = 1e-3


@dataclass(frozen=True)
class Guide:
    """A clip's frame (its own, uint8 [h, w, 3], or the fitted square, float32 [S, S, 3]) and the
    map from output pixels to its pixels."""

    image: np.ndarray
    output_to_image: Matrix


@dataclass(frozen=True)
class SourceColour:
    """Format 3: a character's colour from its own frame, where ``visibility`` says the frame shows it."""

    visibility: np.ndarray  # [1, S, S], the decoder's
    field: np.ndarray  # [2, S, S], where each pixel of the square samples the source square (grid units)
    image: np.ndarray  # the character's source frame (its own, uint8 [h, w, 3], or the fitted square)
    square_to_image: Matrix  # source square pixel -> ``image`` pixel

    @property
    def art_pixels(self) -> bool:
        """Whether the source frame is no finer than the square (pixel art fitted one to one, or
        smaller): crisp, its pixels are then drawn on the square's grid, as the background's are."""
        return math.sqrt(abs(np.linalg.det(self.square_to_image[:2, :2]))) <= ART_PIXELS


# The visibility rule: at or above VISIBLE_HIGH the source's pixel alone, at or below VISIBLE_LOW the
# decoder's colour alone, a ramp between; so a confident v draws the source's own pixels exactly.
VISIBLE_LOW, VISIBLE_HIGH = 0.1, 0.9
ART_PIXELS = 1.01  # source pixels per square pixel, at most, for ``SourceColour.art_pixels``


@dataclass(frozen=True)
class OutputLayer:
    """A character at the output size, within the box it covers (elsewhere its alpha is 0)."""

    box: Box
    rgb: np.ndarray  # [3, h, w] straight
    alpha: np.ndarray  # [1, h, w]


def sample(image: np.ndarray, output_to_image: Matrix, box: Box, interpolation: int) -> np.ndarray:
    """The pixels of ``image`` ([h, w] or [h, w, C], float32 or uint8) that the output box shows,
    float32 [bh, bw(, C)]; zero outside the image. A source shown smaller than its own size is
    first averaged down (``INTER_AREA``), so detail finer than an output pixel does not alias."""
    x0, y0, x1, y1 = box
    matrix = output_to_image @ np.array([[1.0, 0, x0], [0, 1.0, y0], [0, 0, 1.0]])
    shrink = math.sqrt(abs(np.linalg.det(matrix[:2, :2])))  # image pixels per output pixel
    if shrink > 1.01:
        height, width = image.shape[:2]
        smaller = (max(1, round(width / shrink)), max(1, round(height / shrink)))
        image = cv2.resize(image, smaller, interpolation=cv2.INTER_AREA)
        to_smaller = np.array([[smaller[0] / width, 0, 0.5 * smaller[0] / width - 0.5],
                               [0, smaller[1] / height, 0.5 * smaller[1] / height - 0.5], [0, 0, 1.0]])
        matrix = to_smaller @ matrix
    if image.dtype != np.float32:
        image = image.astype(np.float32) / np.float32(255.0)
    out: np.ndarray = cv2.warpAffine(image, matrix[:2], (x1 - x0, y1 - y0), flags=interpolation | cv2.WARP_INVERSE_MAP,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def enlarge(square: np.ndarray, framing: Framing, box: Box, interpolation: int) -> np.ndarray:
    """[C, S, S] of the model square -> [C, bh, bw]: what the output box shows of it."""
    planes = np.ascontiguousarray(square.transpose(1, 2, 0), dtype=np.float32)
    out = sample(planes, framing.output_to_square, box, interpolation)
    return out.reshape(box[3] - box[1], box[2] - box[0], -1).transpose(2, 0, 1)


def covered_box(alpha: np.ndarray) -> Box | None:
    """(x0, y0, x1, y1) of the square pixels where ``alpha`` [1, S, S] is above 0; None if nowhere."""
    rows, cols = np.flatnonzero(alpha[0].any(axis=1)), np.flatnonzero(alpha[0].any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def layer_at_output(framing: Framing, rgb: np.ndarray, alpha: np.ndarray, smooth: bool,
                    guide: Guide | None, source: SourceColour | None = None) -> OutputLayer | None:
    """One square layer (rgb [3, S, S], alpha [1, S, S] under the matte rule) at the output size:
    the colour crisp (nearest) or smooth (bicubic), or with ``source`` (format 3) the source frame's
    own pixels sampled through the field where the visibility says (``from_source``: at the output's
    pixels, or crisp from pixel art at the square's, then enlarged like the rest); the alpha
    crisp or smooth too, or edge-aware when ``guide`` (the layer's source frame, placed) is given
    and the output enlarges the square."""
    square_box = covered_box(alpha)
    box = None if square_box is None else framing.output_box(square_box, margin=math.ceil(framing.scale) + 1)
    if box is None:
        return None
    colour = cv2.INTER_CUBIC if smooth else cv2.INTER_NEAREST
    if source is not None and not smooth and source.art_pixels:  # one source colour per square pixel, enlarged
        whole = (0, 0, framing.size, framing.size)  # whole: a crisp export at k times is k x k blocks
        rgb = from_source(source, Framing.square(framing.size), whole, smooth, rgb)
        source = None
    rgb_out = np.clip(enlarge(rgb, framing, box, colour), 0.0, 1.0)
    if source is not None:
        rgb_out = from_source(source, framing, box, smooth, rgb_out)
    if guide is not None and framing.scale >= 2.0:
        coarse = enlarge(alpha, framing, box, cv2.INTER_LINEAR)[0]
        grey = sample(cv2.cvtColor(guide.image, cv2.COLOR_RGB2GRAY), guide.output_to_image, box, cv2.INTER_LINEAR)
        alpha_out = edge_aware_alpha(coarse, grey, math.ceil(framing.scale), GUIDE_EPS)[None]
    else:
        alpha_out = np.clip(enlarge(alpha, framing, box, cv2.INTER_LINEAR if smooth else cv2.INTER_NEAREST), 0, 1)
    if not framing.is_square:  # a smooth enlargement would spill half a square pixel past the square
        alpha_out = np.where(square_mask(framing, box), alpha_out, np.float32(0.0))
    return OutputLayer(box, rgb_out, alpha_out.astype(np.float32, copy=False))


def from_source(source: SourceColour, framing: Framing, box: Box, smooth: bool, rgb: np.ndarray) -> np.ndarray:
    """[3, bh, bw]: ``v * sample(source, field) + (1 - v) * rgb`` within the box, the source frame
    sampled at its own resolution through the field enlarged to output pixels (nearest when crisp,
    so every colour is one of the source's; bilinear when smooth), v under the visibility rule."""
    visibility = ramp(enlarge(source.visibility, framing, box, cv2.INTER_LINEAR), VISIBLE_LOW, VISIBLE_HIGH)
    field = enlarge(source.field, framing, box, cv2.INTER_LINEAR)
    map_x, map_y = source_maps(field, framing.size, source.square_to_image)
    image = source.image if source.image.dtype == np.float32 else source.image.astype(np.float32) / np.float32(255)
    sampled = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR if smooth else cv2.INTER_NEAREST,
                        borderMode=cv2.BORDER_CONSTANT, borderValue=0).transpose(2, 0, 1)
    return visibility * sampled + (1 - visibility) * rgb


def frame_at_output(guide: Guide, framing: Framing, smooth: bool) -> np.ndarray:
    """[3, H, W]: a clip's own frame as the output rectangle shows it: pixel for pixel when the
    output is the frame's own size; else enlarged crisp (nearest) or smooth (bicubic), or averaged
    down."""
    image = guide.image
    if image.shape[:2] == (framing.height, framing.width) and np.allclose(guide.output_to_image, np.eye(3)):
        out = image.astype(np.float32) / np.float32(255.0) if image.dtype == np.uint8 else image.astype(np.float32)
    else:
        interpolation = cv2.INTER_CUBIC if smooth else cv2.INTER_NEAREST
        out = np.clip(sample(image, guide.output_to_image, (0, 0, framing.width, framing.height), interpolation), 0, 1)
    return np.ascontiguousarray(out.transpose(2, 0, 1))


def over(below: np.ndarray, layer: OutputLayer) -> None:
    """Draw ``layer`` over ``below`` [3, H, W] in place (straight colour, "over")."""
    x0, y0, x1, y1 = layer.box
    region = below[:, y0:y1, x0:x1]
    region += layer.alpha * (layer.rgb - region)


def composite_at_output(background: np.ndarray, layers: Sequence[OutputLayer], out: np.ndarray) -> np.ndarray:
    """The frame into ``out`` [3, H, W]: each layer over ``background`` (unchanged) and what is below
    it, the first at the back."""
    np.copyto(out, background)
    for layer in layers:
        over(out, layer)
    return out


def flatten_at_output(layers: Sequence[OutputLayer], out: np.ndarray) -> np.ndarray:
    """The layers alone over transparency into ``out``: straight RGBA [4, H, W] (RGB 0 where
    nothing is), or their coverage alone when ``out`` has one channel."""
    out.fill(0.0)
    colour, coverage = out[:-1], out[-1:]
    for layer in layers:
        x0, y0, x1, y1 = layer.box
        below = coverage[:, y0:y1, x0:x1]
        if len(colour):  # premultiplied "over": a * rgb + (1 - a) * below
            region = colour[:, y0:y1, x0:x1]
            region += layer.alpha * (layer.rgb - region)
        below += layer.alpha * (1.0 - below)
    if len(colour) and layers:  # back to straight colour, within the boxes drawn
        x0, y0 = min(each.box[0] for each in layers), min(each.box[1] for each in layers)
        x1, y1 = max(each.box[2] for each in layers), max(each.box[3] for each in layers)
        region, cover = colour[:, y0:y1, x0:x1], coverage[:, y0:y1, x0:x1]
        np.divide(region, cover, out=region, where=cover > 1e-6)
        region[:, (cover[0] <= 1e-6)] = 0.0
        np.clip(region, 0.0, 1.0, out=region)
    return out


def square_mask(framing: Framing, box: Box | None = None) -> np.ndarray:
    """bool [bh, bw]: the output pixels of ``box`` (the whole output when None) whose centres lie
    in the model square. A framing never turns the square, so the mask is a band of rows crossed
    with a band of columns."""
    x0, y0, x1, y1 = box or (0, 0, framing.width, framing.height)
    matrix = framing.output_to_square
    limit = framing.size - 0.5
    qx = matrix[0, 0] * np.arange(x0, x1) + matrix[0, 2]
    qy = matrix[1, 1] * np.arange(y0, y1) + matrix[1, 2]
    return np.asarray(((qy >= -0.5) & (qy < limit))[:, None] & ((qx >= -0.5) & (qx < limit))[None, :])
