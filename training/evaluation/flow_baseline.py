"""Classical optical-flow transfer: the baseline a user could write in ten lines, with no model.

To move a character's frame as a motion source moves from its first frame to its second, compute
dense optical flow from the source's *second* frame back to its *first* (for each pixel of the
second frame, where it was in the first) and sample the character's frame there, by nearest
neighbour (every output colour is one of the frame's own; outside the frame, its edge pixel).
The flow is OpenCV's DIS (Dense Inverse Search; Kroeger, Timofte, Dai and Van Gool, "Fast Optical
Flow using Dense Inverse Search", ECCV 2016) on 8-bit grey, at one of its three presets (``PRESETS``):
each evaluation names the one that did best on its validation split.

For the sprite analogy it predicts B_q from B_p moved as A moved from A_p to A_q; for the digits'
Transform manipulation, x2_j from x2_i moved as digit 1 moved from x1_i to x1_j. The character's
frame brings its own background along, as the model's prediction does there (x_b = x_c).
"""

from __future__ import annotations

import cv2
import numpy as np

# OpenCV's presets: ultrafast and fast stop at a quarter of the resolution (8x8 patches every 4
# pixels), fast adding variational refinement; medium goes down to half resolution (patches every
# 3 pixels) and refines. Each takes under a millisecond a 64x64 pair.
PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
           "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}
# Each chosen on its validation split (500 examples, seed 1; the transfer's mean PSNR against the
# truth, ultrafast / fast / medium): the sprite analogy 20.80 / 20.70 / 19.64 dB over the validation
# backgrounds (23.68 / 23.38 / 22.39 over grey); the digits' Transform manipulation 18.73 / 19.07 /
# 19.19 dB.
SPRITES_PRESET = "ultrafast"
DIGITS_PRESET = "medium"


def to_grey(images: np.ndarray) -> np.ndarray:
    """float32 RGB [N, 3, S, S] in [0, 1] -> uint8 grey [N, S, S], as the flow is computed on."""
    rgb = (np.clip(images, 0.0, 1.0).transpose(0, 2, 3, 1) * 255).round().astype(np.uint8)
    return np.stack([cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY) for image in rgb])


def backward_flow(first: np.ndarray, second: np.ndarray, preset: str) -> np.ndarray:
    """float32 [N, S, S, 2]: per pixel (x, y) of ``second``, the offset (dx, dy) to where it was in
    ``first`` (both float32 RGB [N, 3, S, S]), by DIS at ``preset`` (a name of ``PRESETS``)."""
    dis = cv2.DISOpticalFlow.create(PRESETS[preset])
    # None: no initial flow (DIS would start from a third argument of the frame's size; the stubs want one)
    return np.stack([dis.calc(to, back, None)  # type: ignore[call-overload]
                     for to, back in zip(to_grey(second), to_grey(first))])


def sample_nearest(images: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Each image [N, 3, S, S] sampled at (x + dx, y + dy) by nearest neighbour, edges replicated."""
    height, width = images.shape[-2:]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    out = np.empty_like(images)
    for k, (image, offsets) in enumerate(zip(images, flow)):
        channels_last = np.ascontiguousarray(image.transpose(1, 2, 0))
        moved = cv2.remap(channels_last, xs + offsets[..., 0], ys + offsets[..., 1], cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_REPLICATE)
        out[k] = moved.reshape(height, width, -1).transpose(2, 0, 1)
    return out


def flow_transfer(character: np.ndarray, motion_from: np.ndarray, motion_to: np.ndarray,
                  preset: str) -> np.ndarray:
    """``character`` [N, 3, S, S] moved as the motion source moves from ``motion_from`` to
    ``motion_to`` (the arguments x_c, x_t1, x_t2 of the model's h); float32 in [0, 1]."""
    character = np.asarray(character, np.float32)
    return sample_nearest(character, backward_flow(motion_from, motion_to, preset))
