"""Moving MNIST with backgrounds, generated on the fly as in the paper (section 4.2 and 4.3).

A 64x64 background of one CSS4 colour (never black) carries five diamonds of distinct colours.
A 28x28 digit starts upright at a random place and moves M-1 times; each move is a rotation by
+-3..15 degrees (steps of 3) about its centre or a translation by +-2..10 pixels (steps of 2) on
each axis, redrawn when any ink would leave the canvas, applied cumulatively. A frame is the
background blackened where the (hard-masked) digit has ink. Every frame's true pose is kept so
evaluation can render ground truth for any pose on any background.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from training.data.css4_colors import CSS4_COLORS, rgb
from training.data.mnist import load_images

CANVAS = 64
DIGIT = 28
VIDEO_LENGTH = 5
BACKGROUNDS_PER_SPLIT = 64  # validation and test always use these many; training may use more
DIAMONDS = 5
DIAMOND_RADII = (7, 10)  # inclusive
ROTATIONS = tuple(a for a in range(-15, 16, 3) if a != 0)
TRANSLATIONS = tuple(t for t in range(-10, 11, 2) if t != 0)
SPLITS = ("train", "val", "test")
# Background seeds are fixed per split so the test backgrounds are the same everywhere.
BACKGROUND_SEEDS = {"train": 1_000, "val": 2_000, "test": 3_000}
VAL_DIGITS = 2_000  # the last digits of the MNIST train file are held out for validation

# Colours by value: some CSS4 names share one (aqua and cyan), and black is never used.
PALETTE = tuple(sorted({hex_ for name, hex_ in CSS4_COLORS.items() if name != "black"}))
_BOX_CENTRE = (DIGIT - 1) / 2.0


@dataclass(frozen=True)
class Pose:
    """Where a digit is: the centre of its 28x28 box in canvas pixels, and its angle in degrees
    (counterclockwise on screen)."""

    cx: float
    cy: float
    angle: float

    def moved(self, rotation: float = 0.0, dx: float = 0.0, dy: float = 0.0) -> Pose:
        return Pose(self.cx + dx, self.cy + dy, self.angle + rotation)


@dataclass(frozen=True)
class Video:
    digit: int  # index into the split's digits
    background: int  # index into the split's backgrounds
    poses: tuple[Pose, ...]


def _hex_rgb(value: str) -> np.ndarray:
    name = next(n for n, h in CSS4_COLORS.items() if h == value)
    return np.array(rgb(name), dtype=np.float32)


@dataclass(frozen=True)
class BackgroundSpec:
    color: str
    diamonds: tuple[tuple[int, int, int, str], ...]  # (cx, cy, radius, colour)


def background_specs(split: str, count: int = BACKGROUNDS_PER_SPLIT) -> list[BackgroundSpec]:
    return diamond_background_specs(BACKGROUND_SEEDS[split], count)


def diamond_background_specs(seed: int, count: int) -> list[BackgroundSpec]:
    """The first ``count`` backgrounds drawn from ``seed`` (the sprites use their own seeds)."""
    rng = np.random.default_rng(seed)
    specs = []
    for _ in range(count):
        colours = rng.choice(len(PALETTE), size=1 + DIAMONDS, replace=False)
        diamonds = tuple(
            (
                int(rng.integers(0, CANVAS)),
                int(rng.integers(0, CANVAS)),
                int(rng.integers(DIAMOND_RADII[0], DIAMOND_RADII[1] + 1)),
                PALETTE[c],
            )
            for c in colours[1:]
        )
        specs.append(BackgroundSpec(PALETTE[colours[0]], diamonds))
    return specs


def paint_background(spec: BackgroundSpec) -> np.ndarray:
    """A background as float32 [64, 64, 3] in [0, 1]."""
    image = np.empty((CANVAS, CANVAS, 3), dtype=np.float32)
    image[:] = _hex_rgb(spec.color)
    ys, xs = np.mgrid[0:CANVAS, 0:CANVAS]
    for cx, cy, radius, colour in spec.diamonds:
        image[np.abs(xs - cx) + np.abs(ys - cy) <= radius] = _hex_rgb(colour)
    return image


def digit_to_canvas(pose: Pose) -> np.ndarray:
    """The 2x3 pixel-space affine matrix taking digit-box coordinates onto the canvas."""
    matrix = cv2.getRotationMatrix2D((_BOX_CENTRE, _BOX_CENTRE), pose.angle, 1.0)
    matrix[0, 2] += pose.cx - _BOX_CENTRE
    matrix[1, 2] += pose.cy - _BOX_CENTRE
    return matrix


def relative_transform(start: Pose, end: Pose) -> np.ndarray:
    """T^X from one pose to another: [R(angle change) | centre displacement], 2x3, pixels."""
    radians = np.deg2rad(end.angle - start.angle)
    cos, sin = np.cos(radians), np.sin(radians)
    # Counterclockwise on screen with y pointing down.
    return np.array(
        [[cos, sin, end.cx - start.cx], [-sin, cos, end.cy - start.cy]], dtype=np.float64
    )


class MovingMNIST:
    """One split of the dataset: its digits and backgrounds, and a video/pair generator."""

    def __init__(self, digits: np.ndarray, split: str, image_size: int = CANVAS,
                 backgrounds: int = BACKGROUNDS_PER_SPLIT):
        if split not in SPLITS:
            raise ValueError(f"split={split!r}: allowed values are {', '.join(SPLITS)}")
        self.split = split
        self.image_size = image_size
        self.masks = (digits > 0).astype(np.float32)  # the hard ink mask of each digit
        self.ink_offsets = [
            np.argwhere(mask > 0)[:, ::-1].astype(np.float64) - _BOX_CENTRE for mask in self.masks
        ]
        self.background_specs = background_specs(split, backgrounds)
        self.backgrounds = np.stack([paint_background(s) for s in self.background_specs])

    @classmethod
    def from_mnist_dir(cls, data_dir, split: str, image_size: int = CANVAS,
                       backgrounds: int = BACKGROUNDS_PER_SPLIT) -> MovingMNIST:
        if split == "test":
            digits = load_images(data_dir, "test")
        else:
            digits = load_images(data_dir, "train")
            digits = digits[:-VAL_DIGITS] if split == "train" else digits[-VAL_DIGITS:]
        return cls(digits, split, image_size, backgrounds)

    def __len__(self) -> int:
        return len(self.masks)

    # -- poses -----------------------------------------------------------------------------
    def ink_inside(self, digit: int, pose: Pose) -> bool:
        radians = np.deg2rad(pose.angle)
        cos, sin = np.cos(radians), np.sin(radians)
        offsets = self.ink_offsets[digit]
        xs = pose.cx + cos * offsets[:, 0] + sin * offsets[:, 1]
        ys = pose.cy - sin * offsets[:, 0] + cos * offsets[:, 1]
        return bool(xs.min() >= 0 and ys.min() >= 0 and xs.max() <= CANVAS - 1 and ys.max() <= CANVAS - 1)

    def initial_pose(self, digit: int, rng: np.random.Generator) -> Pose:
        offsets = self.ink_offsets[digit]
        low_x, high_x = -offsets[:, 0].min(), CANVAS - 1 - offsets[:, 0].max()
        low_y, high_y = -offsets[:, 1].min(), CANVAS - 1 - offsets[:, 1].max()
        # Whole-pixel placements keep the upright digit pixel-aligned.
        cx = _BOX_CENTRE + rng.integers(np.ceil(low_x - _BOX_CENTRE), np.floor(high_x - _BOX_CENTRE) + 1)
        cy = _BOX_CENTRE + rng.integers(np.ceil(low_y - _BOX_CENTRE), np.floor(high_y - _BOX_CENTRE) + 1)
        return Pose(float(cx), float(cy), 0.0)

    def random_step(self, digit: int, pose: Pose, rng: np.random.Generator) -> Pose | None:
        for _ in range(200):
            if rng.random() < 0.5:
                candidate = pose.moved(rotation=float(rng.choice(ROTATIONS)))
            else:
                candidate = pose.moved(dx=float(rng.choice(TRANSLATIONS)), dy=float(rng.choice(TRANSLATIONS)))
            if self.ink_inside(digit, candidate):
                return candidate
        return None  # boxed in: the caller starts the video again

    def random_video(self, rng: np.random.Generator, digit: int | None = None, background: int | None = None,
                     length: int = VIDEO_LENGTH) -> Video:
        digit = int(rng.integers(len(self))) if digit is None else digit
        background = int(rng.integers(len(self.backgrounds))) if background is None else background
        while True:
            poses = [self.initial_pose(digit, rng)]
            while len(poses) < length:
                step = self.random_step(digit, poses[-1], rng)
                if step is None:
                    break
                poses.append(step)
            if len(poses) == length:
                return Video(digit, background, tuple(poses))

    # -- rendering ---------------------------------------------------------------------------
    def digit_mask(self, digit: int, pose: Pose) -> np.ndarray:
        """Where the digit's ink lands on the canvas: bool [64, 64]."""
        warped = cv2.warpAffine(self.masks[digit], digit_to_canvas(pose), (CANVAS, CANVAS),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return warped > 0.5

    def ink_mask(self, digit: int, pose: Pose) -> np.ndarray:
        """Where a frame is blackened by the digit, at the dataset's image size: bool [S, S]."""
        mask = self.digit_mask(digit, pose)
        if self.image_size != CANVAS:
            mask = cv2.resize(mask.astype(np.uint8), (self.image_size, self.image_size),
                              interpolation=cv2.INTER_NEAREST).astype(bool)
        return mask

    def render(self, digit: int | None, pose: Pose | None, background: int) -> np.ndarray:
        """A frame as float32 [3, S, S]: the background, blackened where the digit has ink.
        ``render(None, None, background)`` renders the background alone."""
        image = self.backgrounds[background].copy()
        if digit is not None and pose is not None:
            image[self.digit_mask(digit, pose)] = 0.0
        if self.image_size != CANVAS:
            image = cv2.resize(image, (self.image_size, self.image_size), interpolation=cv2.INTER_NEAREST)
        return np.ascontiguousarray(image.transpose(2, 0, 1))

    def frame(self, video: Video, index: int) -> np.ndarray:
        return self.render(video.digit, video.poses[index], video.background)

    def frames(self, video: Video) -> np.ndarray:
        return np.stack([self.frame(video, i) for i in range(len(video.poses))])

    def random_pairs(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` training pairs: two distinct random frames of one fresh video each."""
        first, second = [], []
        for _ in range(count):
            video = self.random_video(rng)
            i, j = rng.choice(VIDEO_LENGTH, size=2, replace=False)
            first.append(self.frame(video, int(i)))
            second.append(self.frame(video, int(j)))
        return np.stack(first), np.stack(second)
