"""2D game characters from the Liberated Pixel Cup layer sheets, made on the fly (the paper's
section 4.4). ``../shared/data/README.md`` describes the sheets: 832x1344 RGBA PNGs, 13 columns x
21 rows of 64x64 frames, one folder per layer.

Characters. A character is a (body, bottomwear, topwear, hair) tuple (7 x 7 x 7 x 10 = 3,430),
plus eyes and shoes picked from its own SHA-256 digest (bytes 1 and 2, mod 5 and mod 3), the same
in every frame. Its layers are alpha-composited (the "over" operator) in the order body,
bottomwear, topwear, hair, eyes, shoes.

The split (every tool that evaluates a sprite model must agree on it): the text
``f"{body}-{bottomwear}-{topwear}-{hair}"``, its SHA-256 digest, the first byte mod 10: 0 is
test, 1 is validation, anything else is train (2,742 / 332 / 356 characters).

Sequences. The 20 animation rows: five animations (spellcast 7 frames, thrust 8, walk 9, slash 6,
shoot 13) in four directions (back, left, front, right); the hurt row (front, 6 frames) is added
with ``hurt=True``. A training pair is two distinct frames of one sequence, any two, as the paper
draws them ("a random sequence and then two random frames"): a uniformly drawn character and
sequence, then two different frames of it, in either order.

Backgrounds. With backgrounds (the default) a frame is the character over a diamond background of
the Moving MNIST kind (``training.data.mmnist``), one background for both frames of a pair; each
split has its own seed (``BACKGROUND_SEEDS``): training takes ``backgrounds`` of them (the config
setting), validation and test ``EVALUATION_BACKGROUNDS`` (100) each. Without backgrounds
(``with_backgrounds=False``; the config's ``backgrounds = 0``) every frame is over one flat grey
canvas (``GREY``).

Images are float32 in [0, 1], channels first, at the dataset's ``image_size`` (the 64-pixel frames
scaled up by nearest neighbour for 128 and 256). Sheets are checked when loaded: a missing,
unreadable or malformed sheet (wrong size, not 8-bit RGBA) is a ``DataError``, one line naming the
file. No Qt and no torch here.

The public API:

- ``split_of(body, bottomwear, topwear, hair)`` -> "train" | "val" | "test"
- ``Character`` (``.key``, ``.eyes``, ``.shoes``, ``.split``), ``all_characters()``,
  ``characters(split)``
- ``Sequence`` (``.animation``, ``.direction``, ``.row``, ``.length``), ``sequences(hurt)``,
  ``sequence(animation, direction)``
- ``sprites_dir(given, command)``: where the sheets are (``--data-dir`` resolved as for MNIST)
- ``SpriteSheets.load(data_dir)``: the layer sheets; ``.rgba(character, sequence)`` -> [n, 4, 64, 64]
- ``over(rgba, background)``: an RGBA image (or a stack) composited over a [3, S, S] background
- ``background_images(split, count, image_size)``: the diamond backgrounds, [count, 3, S, S]
- ``Sprites``: one split (its characters, sequences and backgrounds), with ``rgba``, ``frames``,
  ``render``, ``random_pairs`` (training) and ``random_analogies`` (validation, evaluation)
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from training.data.mmnist import diamond_background_specs, paint_background
from training.data.mnist import DataError
from workstation.kernel import locations
from workstation.kernel.locations import DATA_DIR_VARIABLE, LocationError
from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped

__all__ = [
    "ANIMATIONS", "BACKGROUND_SEEDS", "CANVAS", "DIRECTIONS", "EVALUATION_BACKGROUNDS", "GREY", "HURT", "LAYERS",
    "SPLITS", "Analogies", "Character", "DataError", "Sequence", "SpriteSheets", "Sprites", "all_characters",
    "background_images", "characters", "over", "sequence", "sequences", "split_of", "sprites_dir",
]

CANVAS = 64
COLUMNS, ROWS = 13, 21
SHEET_SIZE = (COLUMNS * CANVAS, ROWS * CANVAS)  # width, height
# Layers bottom to top, with how many sheets (variants) each has.
LAYERS = {"body": 7, "bottomwear": 7, "topwear": 7, "hair": 10, "eyes": 5, "shoes": 3}
TUPLE_LAYERS = ("body", "bottomwear", "topwear", "hair")  # what a character is; eyes and shoes follow
ANIMATIONS = {"spellcast": 7, "thrust": 8, "walk": 9, "slash": 6, "shoot": 13}  # frames, rows 0-19
DIRECTIONS = ("back", "left", "front", "right")
HURT = ("hurt", "front", 20, 6)  # animation, direction, row, frames
SPLITS = ("train", "val", "test")
BACKGROUND_SEEDS = {"train": 11_000, "val": 12_000, "test": 13_000}  # not Moving MNIST's
EVALUATION_BACKGROUNDS = 100  # validation and test; training takes the config's ``backgrounds``
GREY = 0.5  # the flat canvas without backgrounds
SHEET_MAX_BYTES = 64 << 20  # a real sheet is a PNG of some 100 kB; even uncompressed RGBA is 4.4 MB


def split_of(body: int, bottomwear: int, topwear: int, hair: int) -> str:
    """The split of a character by the issue's rule (see the module docstring)."""
    first = hashlib.sha256(f"{body}-{bottomwear}-{topwear}-{hair}".encode()).digest()[0] % 10
    return "test" if first == 0 else "val" if first == 1 else "train"


@dataclass(frozen=True)
class Character:
    body: int
    bottomwear: int
    topwear: int
    hair: int

    @property
    def key(self) -> str:
        """The text the split is computed from, e.g. "3-1-4-1"."""
        return f"{self.body}-{self.bottomwear}-{self.topwear}-{self.hair}"

    @cached_property
    def _digest(self) -> bytes:
        return hashlib.sha256(self.key.encode()).digest()

    @property
    def eyes(self) -> int:
        return self._digest[1] % LAYERS["eyes"]

    @property
    def shoes(self) -> int:
        return self._digest[2] % LAYERS["shoes"]

    @property
    def split(self) -> str:
        return split_of(self.body, self.bottomwear, self.topwear, self.hair)

    def layers(self) -> tuple[int, ...]:
        """The sheet of each layer, in ``LAYERS`` order."""
        return (self.body, self.bottomwear, self.topwear, self.hair, self.eyes, self.shoes)


def all_characters() -> list[Character]:
    """Every (body, bottomwear, topwear, hair) tuple, in that lexicographic order."""
    ranges = (range(LAYERS[name]) for name in TUPLE_LAYERS)
    return [Character(*values) for values in itertools.product(*ranges)]


def characters(split: str) -> list[Character]:
    """The characters of ``split`` ("train", "val" or "test"), in ``all_characters`` order."""
    _check_split(split)
    return [c for c in all_characters() if c.split == split]


@dataclass(frozen=True)
class Sequence:
    animation: str
    direction: str
    row: int  # the sheet row
    length: int  # frames used (from the left)


def sequences(hurt: bool = False) -> tuple[Sequence, ...]:
    """The 20 animation rows in sheet order (and the hurt row last with ``hurt=True``)."""
    rows = [Sequence(animation, direction, 4 * a + d, length)
            for a, (animation, length) in enumerate(ANIMATIONS.items()) for d, direction in enumerate(DIRECTIONS)]
    if hurt:
        rows.append(Sequence(*HURT))
    return tuple(rows)


def sequence(animation: str, direction: str) -> Sequence:
    for candidate in sequences(hurt=True):
        if (candidate.animation, candidate.direction) == (animation, direction):
            return candidate
    allowed = ", ".join(f"{s.animation}/{s.direction}" for s in sequences(hurt=True))
    raise ValueError(f"no sequence {animation}/{direction}: allowed are {allowed}")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: allowed values are {', '.join(SPLITS)}")


# -- sheets -------------------------------------------------------------------------------------

# Where each used frame of a sheet sits in ``SpriteSheets.frames``: rows in order, used frames only.
_ROW_LENGTHS = [s.length for s in sequences(hurt=True)]
_ROW_START = np.concatenate([[0], np.cumsum(_ROW_LENGTHS)[:-1]]).astype(np.int64)
FRAMES_PER_SHEET = int(sum(_ROW_LENGTHS))


SPRITES_FOLDER = "lpc-sprites"  # the sheets' folder in the shared data folder


def sprites_dir(given: str | Path | None, command: str) -> Path:
    """The folder of the layer sheets: ``lpc-sprites/`` in the data folder (``--data-dir``, else
    $STOPFRAME_DATA_DIR, else ../shared/data beside a checkout), or the data folder itself when it
    has none (so ``--data-dir`` may name the sheets' folder directly). LocationError when there is
    no data folder at all."""
    base = locations.data_dir(given)
    if base is None:
        raise LocationError(f"{command} needs the sprite layer sheets (body/0.png ... shoes/2.png): put the "
                            f"{SPRITES_FOLDER} folder in DIR and pass --data-dir DIR or set {DATA_DIR_VARIABLE}=DIR")
    nested = base / SPRITES_FOLDER
    return nested if nested.is_dir() else base


def sheet_path(data_dir: str | Path, layer: str, variant: int) -> Path:
    return Path(data_dir) / layer / f"{variant}.png"


def read_sheet(path: Path) -> np.ndarray:
    """One layer sheet as uint8 RGBA [rows, columns, 64, 64, 4]; DataError naming the file."""
    try:
        raw = np.frombuffer(read_bytes_capped(path, SHEET_MAX_BYTES, "a sprite layer sheet"), np.uint8)
    except InputMissing:
        raise DataError("sprite layer sheet not found (expected an 832x1344 RGBA PNG; pass the "
                        "lpc-sprites folder as the data folder)", path) from None
    except InputError as error:
        raise DataError(error.problem, path) from None
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    if image is None:
        raise DataError("not a readable PNG image (a sprite layer sheet is an 832x1344 RGBA PNG)", path)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 4:
        channels = 1 if image.ndim == 2 else image.shape[2]
        raise DataError(f"not an 8-bit RGBA image ({channels} channels of {image.dtype}; a sprite layer sheet "
                        "is an 832x1344 RGBA PNG)", path)
    if (image.shape[1], image.shape[0]) != SHEET_SIZE:
        raise DataError(f"is {image.shape[1]}x{image.shape[0]} pixels; a sprite layer sheet is "
                        f"{SHEET_SIZE[0]}x{SHEET_SIZE[1]} (13 x 21 frames of 64x64)", path)
    rgba = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return rgba.reshape(ROWS, CANVAS, COLUMNS, CANVAS, 4).transpose(0, 2, 1, 3, 4)


class SpriteSheets:
    """Every layer sheet, as the used frames only: ``frames[layer][variant, k]`` is uint8 RGBA
    [64, 64, 4] (straight alpha), ``k`` counting the used frames row by row."""

    def __init__(self, frames: dict[str, np.ndarray]):
        self.frames = frames

    @classmethod
    def load(cls, data_dir: str | Path) -> SpriteSheets:
        """The sheets of ``data_dir`` (the lpc-sprites folder); DataError naming the first bad file."""
        frames = {}
        for layer, count in LAYERS.items():
            variants = []
            for variant in range(count):
                sheet = read_sheet(sheet_path(data_dir, layer, variant))
                variants.append(np.concatenate([sheet[s.row, : s.length] for s in sequences(hurt=True)]))
            frames[layer] = np.stack(variants)
        return cls(frames)

    def composite(self, layer_variants: np.ndarray, frame_indices: np.ndarray) -> np.ndarray:
        """Characters composited from their layers: ``layer_variants`` int [n, 6] (``Character.layers``),
        ``frame_indices`` int [n] (used-frame numbers). Float32 [n, 4, 64, 64]: straight RGB (0 where
        nothing is drawn) and alpha."""
        premultiplied = np.zeros((len(frame_indices), CANVAS, CANVAS, 3), np.float32)
        alpha = np.zeros((len(frame_indices), CANVAS, CANVAS, 1), np.float32)
        scale = np.float32(1.0 / 255.0)
        for position, layer in enumerate(LAYERS):
            source = self.frames[layer][layer_variants[:, position], frame_indices].astype(np.float32) * scale
            source_alpha = source[..., 3:]
            premultiplied = source[..., :3] * source_alpha + premultiplied * (1 - source_alpha)
            alpha = source_alpha + alpha * (1 - source_alpha)
        rgb = np.divide(premultiplied, alpha, out=np.zeros_like(premultiplied), where=alpha > 0)
        rgba = np.concatenate([np.clip(rgb, 0, 1), alpha], axis=-1)
        return np.ascontiguousarray(rgba.transpose(0, 3, 1, 2))

    def rgba(self, character: Character, sequence: Sequence, frames: list[int] | None = None) -> np.ndarray:
        """The character's frames of ``sequence`` (all, or those listed) as float32 [n, 4, 64, 64]."""
        indices = np.arange(sequence.length) if frames is None else np.asarray(frames, np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= sequence.length):
            raise ValueError(f"frames {frames}: {sequence.animation}/{sequence.direction} has {sequence.length}")
        layers = np.tile(np.array(character.layers(), np.int64), (len(indices), 1))
        return self.composite(layers, _ROW_START[sequence.row] + indices)


def over(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """``rgba`` ([4, S, S] or [n, 4, S, S], straight alpha) over ``background`` [3, S, S]: where
    alpha is 0 the result is the background exactly."""
    alpha = rgba[..., 3:4, :, :]
    return (rgba[..., :3, :, :] * alpha + background * (1 - alpha)).astype(np.float32)


def background_images(split: str, count: int = EVALUATION_BACKGROUNDS, image_size: int = CANVAS) -> np.ndarray:
    """The first ``count`` diamond backgrounds of ``split``'s seed, float32 [count, 3, S, S]."""
    _check_split(split)
    images = np.stack([paint_background(s) for s in diamond_background_specs(BACKGROUND_SEEDS[split], count)])
    return _resize(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), image_size)


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """[n, C, 64, 64] -> [n, C, size, size] by nearest neighbour (each pixel a square block)."""
    if size == CANVAS:
        return images
    factor = size // CANVAS
    return np.ascontiguousarray(images.repeat(factor, axis=-2).repeat(factor, axis=-1))


@dataclass
class Analogies:
    """Analogy examples, arrays over ``count`` examples: character A's frames p and q (over A's
    background), character B's frames p and q (over B's background), the background alone, and
    where B is drawn in frame q. The model's analogy is h(x_c=b_p, x_t1=a_p, x_t2=a_q, x_b=b_p),
    to be compared with b_q."""

    a_p: np.ndarray  # float32 [count, 3, S, S]
    a_q: np.ndarray
    b_p: np.ndarray
    b_q: np.ndarray
    background: np.ndarray  # B's background alone, float32 [count, 3, S, S]
    b_q_mask: np.ndarray  # bool [count, S, S]: alpha > 0 in b_q
    sequences: list[Sequence]


def shifted(rgba: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each image of ``rgba`` [n, 4, S, S] moved by its ``offsets`` [n, 2] (dx, dy, whole pixels),
    transparent where it uncovers the canvas. Training moves the two frames of a pair apart this
    way (the paper's Figure 15): a sprite stands at the centre of every frame of its sheet, so
    without it the background plate can keep the character and still equal the other frame's."""
    out = np.zeros_like(rgba)
    size = rgba.shape[-1]
    for image, target, (dx, dy) in zip(rgba, out, offsets, strict=True):
        dx, dy = int(dx), int(dy)
        target[:, max(dy, 0) : size + min(dy, 0), max(dx, 0) : size + min(dx, 0)] = \
            image[:, max(-dy, 0) : size + min(-dy, 0), max(-dx, 0) : size + min(-dx, 0)]
    return out


class Sprites:
    """One split: its characters, sequences and backgrounds, and the frames, pairs and analogies
    made from them. ``backgrounds`` is the training count (validation and test always have
    ``EVALUATION_BACKGROUNDS``); ``with_backgrounds=False`` draws every frame over flat grey."""

    def __init__(self, sheets: SpriteSheets, split: str, image_size: int = CANVAS, backgrounds: int = 1000,
                 with_backgrounds: bool = True, hurt: bool = False, shift: int = 0):
        _check_split(split)
        if image_size % CANVAS:
            raise ValueError(f"image_size={image_size}: must be a multiple of {CANVAS}")
        self.sheets, self.split, self.image_size = sheets, split, image_size
        self.with_backgrounds, self.shift = with_backgrounds, shift
        self.characters = characters(split)
        self._layers = np.array([c.layers() for c in self.characters], np.int64)  # [characters, 6]
        self.sequences = sequences(hurt)
        if with_backgrounds:
            count = backgrounds if split == "train" else EVALUATION_BACKGROUNDS
            self.backgrounds = background_images(split, count, image_size)
        else:
            self.backgrounds = np.full((1, 3, image_size, image_size), GREY, np.float32)

    @classmethod
    def from_dir(cls, data_dir: str | Path, split: str, image_size: int = CANVAS, backgrounds: int = 1000,
                 with_backgrounds: bool = True, hurt: bool = False) -> Sprites:
        return cls(SpriteSheets.load(data_dir), split, image_size, backgrounds, with_backgrounds, hurt)

    def __len__(self) -> int:
        return len(self.characters)

    def rgba(self, character: Character, sequence: Sequence, frames: list[int] | None = None) -> np.ndarray:
        """The character alone: float32 [n, 4, S, S], straight RGB and alpha (its true mask)."""
        return _resize(self.sheets.rgba(character, sequence, frames), self.image_size)

    def frames(self, character: Character, sequence: Sequence, background: int,
               frames: list[int] | None = None) -> np.ndarray:
        """The character's frames over ``self.backgrounds[background]``: float32 [n, 3, S, S]."""
        return over(self.rgba(character, sequence, frames), self.backgrounds[background])

    def render(self, character: Character, sequence: Sequence, frame: int, background: int) -> np.ndarray:
        """One frame: float32 [3, S, S]."""
        return self.frames(character, sequence, background, [frame])[0]

    def _draw(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per example: a character, a sequence, a background and two distinct frames p, q."""
        who = rng.integers(len(self.characters), size=count)
        which = rng.integers(len(self.sequences), size=count)
        where = rng.integers(len(self.backgrounds), size=count)
        lengths = np.array([self.sequences[s].length for s in which])
        p = rng.integers(0, lengths)
        q = (p + rng.integers(1, lengths)) % lengths  # any other frame of the sequence
        return who, which, where, np.stack([p, q], axis=1)

    def _composite(self, who: np.ndarray, which: np.ndarray, frames: np.ndarray) -> np.ndarray:
        """RGBA [len(who), 4, S, S] of character ``who[i]``, sequence ``which[i]``, frame ``frames[i]``."""
        layers = self._layers[who]
        starts = _ROW_START[[self.sequences[s].row for s in which]]
        return _resize(self.sheets.composite(layers, starts + frames), self.image_size)

    def random_pairs(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` training pairs (x1, x2), float32 [count, 3, S, S]: two different frames of one
        uniformly drawn character and sequence, over one background."""
        who, which, where, pq = self._draw(rng, count)
        rgba = self._composite(np.repeat(who, 2), np.repeat(which, 2), pq.reshape(-1))
        if self.shift:
            rgba = shifted(rgba, rng.integers(-self.shift, self.shift + 1, size=(len(rgba), 2)))
        images = over(rgba, np.repeat(self.backgrounds[where], 2, axis=0))
        return images[0::2], images[1::2]

    def random_analogies(self, rng: np.random.Generator, count: int) -> Analogies:
        """``count`` analogy examples: two different characters A and B of the split, one sequence
        and two distinct frames p, q for both, each character over its own background."""
        a, which, a_background, pq = self._draw(rng, count)
        b = (a + rng.integers(1, max(2, len(self.characters)), size=count)) % len(self.characters)
        b_background = rng.integers(len(self.backgrounds), size=count)
        rgba_a = self._composite(np.repeat(a, 2), np.repeat(which, 2), pq.reshape(-1))
        rgba_b = self._composite(np.repeat(b, 2), np.repeat(which, 2), pq.reshape(-1))
        images_a = over(rgba_a, np.repeat(self.backgrounds[a_background], 2, axis=0))
        images_b = over(rgba_b, np.repeat(self.backgrounds[b_background], 2, axis=0))
        return Analogies(images_a[0::2], images_a[1::2], images_b[0::2], images_b[1::2],
                         self.backgrounds[b_background].copy(), rgba_b[1::2, 3] > 0,
                         [self.sequences[s] for s in which])
