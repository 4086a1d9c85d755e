"""Regenerate the first-run demo clips in ``assets/demo/clips`` from the Moving MNIST test split.

Every frame comes from the generator in ``training/data/mmnist.py`` (hard ink mask, 64x64, the
digit blackened on a background), using test digits and test backgrounds the model never saw. The
output is deterministic: digits, backgrounds and motions are fixed below, nothing is random.

- ``digit-2-sway``, ``digit-5-square``, ``digit-7-drift``: folders of 24 PNGs ``frame_0000.png``...
  (``workstation.media`` reads a PNG folder as one clip, at its default 12 fps; it has no fps sidecar).
- ``backdrop-1.png``, ``backdrop-2.png``: a test background alone, as a still image.

The model was trained on pairs of frames at most four of the paper's moves apart (a rotation by
3..15 degrees or a translation by 2..10 px on both axes), so every frame of a clip stays within a
few such moves of frame 0; ``moves_needed`` counts them and the tests check it.

Usage: python scripts/make_demo_media.py [--data-dir DIR] [--out FOLDER]
(the data folder by the rule of ``workstation.kernel.locations``; the clips by default into the ``assets``
package's ``demo/clips``, i.e. the checkout's ``assets/demo/clips`` under the editable install of ``make``)
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from training.data.mmnist import MovingMNIST, Pose, background_specs, paint_background
from training.data.mnist import IMAGE_FILES, LABEL_FILES, DataError, load_labels
from workstation.kernel.locations import LocationError, asset_path, mnist_dir

DEFAULT_OUT = asset_path("demo", "clips")
CLIP_LENGTH = 24
MAX_MOVES = 4  # the farthest apart two training frames ever were


@dataclass(frozen=True)
class CharacterClip:
    name: str
    label: int  # the digit it shows (checked against the MNIST labels)
    digit: int  # index into the MNIST test digits
    background: int  # index into the test backgrounds
    start: Pose  # the pose of frame 0


# Bold, clearly legible test digits on light test backgrounds; the starting places leave room for
# each motion and keep the 2 (left) and the 7 (right) apart when the demo shot puts them together.
CHARACTER_CLIPS = (
    CharacterClip("digit-2-sway", 2, 35, 9, Pose(16.5, 20.5, 0.0)),
    CharacterClip("digit-5-square", 5, 15, 7, Pose(25.5, 25.5, 0.0)),
    CharacterClip("digit-7-drift", 7, 34, 17, Pose(46.5, 31.5, 0.0)),
)
BACKDROPS = (("backdrop-1", 12), ("backdrop-2", 0))  # (name, test background index)


def _triangle(k: int, quarter: int) -> int:
    """A triangle wave through whole numbers: 0, 1, ..., quarter, ..., 0, ..., -quarter, ..., -1, 0, ..."""
    phase = k % (4 * quarter)
    if phase <= quarter:
        return phase
    return 2 * quarter - phase if phase <= 3 * quarter else phase - 4 * quarter


SWAY = (0, 6, 12, 18, 24, 27, 30, 27, 24, 18, 12, 6)  # degrees, easing in and out at the turn


def clip_offsets(name: str) -> list[tuple[int, int, int]]:
    """Each frame's (rotation degrees, dx, dy) relative to frame 0 for a character clip of
    CLIP_LENGTH frames; every loop closes (the frame after the last would be frame 0 again). Degrees
    in steps of 3 and even pixels, like the paper's moves."""
    if name == "digit-2-sway":  # rock to 30 degrees one way, then the other
        return [(angle, 0, 0) for angle in SWAY] + [(-angle, 0, 0) for angle in SWAY]
    if name == "digit-5-square":  # right, down, left, up: a 12 px square, 2 px a frame
        side = CLIP_LENGTH // 4
        path = ([(2 * i, 0) for i in range(side)] + [(2 * side, 2 * i) for i in range(side)]
                + [(2 * (side - i), 2 * side) for i in range(side)] + [(0, 2 * (side - i)) for i in range(side)])
        return [(0, dx, dy) for dx, dy in path]
    if name == "digit-7-drift":  # bob 12 px down and up, swaying 6 px to the sides twice, leaning into it
        return [(3 * _triangle(k, 3), -2 * _triangle(k, 3), 2 * _triangle(k, 6)) for k in range(CLIP_LENGTH)]
    raise ValueError(f"no character clip named {name!r}")


def clip_poses(clip: CharacterClip) -> list[Pose]:
    return [clip.start.moved(rotation=r, dx=dx, dy=dy) for r, dx, dy in clip_offsets(clip.name)]


def moves_needed(rotation: int, dx: int, dy: int) -> int:
    """The fewest paper moves from one pose to another ``rotation`` degrees and (dx, dy) px away.

    Rotations (about the digit's centre) and translations commute, so they are counted apart: n
    rotations reach any multiple of 3 up to 15n degrees; n translations, each +-2..10 px on *both*
    axes, reach any even offset up to 10n px per axis, except that one alone cannot keep an axis still."""
    if rotation % 3 or dx % 2 or dy % 2:
        raise ValueError(f"({rotation}, {dx}, {dy}) is not reachable by the paper's moves")
    rotations = math.ceil(abs(rotation) / 15)
    translations = 0 if dx == dy == 0 else max(math.ceil(abs(dx) / 10), math.ceil(abs(dy) / 10), 1 + (0 in (dx, dy)))
    return rotations + translations


def _write_png(path: Path, image: np.ndarray) -> None:
    """Float [3, H, W] or [H, W, 3] RGB in [0, 1] -> 8-bit PNG (lossless)."""
    if image.shape[0] == 3:
        image = image.transpose(1, 2, 0)
    pixels = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    if not cv2.imwrite(str(path), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)):
        raise OSError(f"{path}: cannot write PNG")


def make_clips(data_dir: Path, out: Path, print_line=print) -> list[Path]:
    """Write every demo clip under ``out``; returns their paths. DataError when MNIST is missing."""
    data = MovingMNIST.from_mnist_dir(data_dir, "test")
    labels = load_labels(data_dir, "test")
    written = []
    for clip in CHARACTER_CLIPS:
        if labels[clip.digit] != clip.label:
            raise DataError(f"{data_dir}: test digit {clip.digit} is a {labels[clip.digit]}, expected {clip.label}")
        folder = out / clip.name
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("frame_*.png"):
            stale.unlink()
        poses = clip_poses(clip)
        for k, pose in enumerate(poses):
            if not data.ink_inside(clip.digit, pose):
                raise ValueError(f"{clip.name}: frame {k} would put ink outside the canvas ({pose})")
            _write_png(folder / f"frame_{k:04d}.png", data.render(clip.digit, pose, clip.background))
        print_line(f"{folder}: {len(poses)} frames, test digit {clip.digit} (a {clip.label}) "
                   f"on test background {clip.background}")
        written.append(folder)
    specs = background_specs("test")
    for name, background in BACKDROPS:
        path = out / f"{name}.png"
        _write_png(path, paint_background(specs[background]))
        print_line(f"{path}: 1 frame, test background {background}")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the shared data folder (holding mnist/) or the MNIST folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the clips go")
    args = parser.parse_args(argv)
    try:
        data_dir = mnist_dir(args.data_dir, "make_demo_media.py", (IMAGE_FILES["test"], LABEL_FILES["test"]))
        make_clips(data_dir, args.out)
    except (DataError, LocationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
