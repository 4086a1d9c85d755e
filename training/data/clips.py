"""Training pairs from your own clips (videos, GIFs, image folders, sprite sheets, as the workstation
imports them): two frames of one clip at most ``max_gap`` frames apart, which is all the method needs.
A clip is named as ``train --clip`` takes it (``workstation.media.clip_specs``): a sheet's Aseprite
JSON is one clip per tag, ``sheet.png:grid=64x64`` one clip per row that is not empty.

A sheet whose cells are transparent somewhere holds a character alone: its frames keep their alpha,
and each pair is drawn over one of the training backgrounds (``training.data.sprites``), its two
frames moved apart by up to ``shift`` pixels, as the sprite model was trained; validation draws it
over the validation backgrounds where it stands. Without that, a character that stands on the same
spot in every cell over the same ground is learnt into the background plate (docs/RESULTS.md, 11).

Each clip's last tenth is held out for validation (at least ``max_gap + 1`` frames, or 2 in a clip
too short for that), so the frames validation reads were never trained on; a clip needs 2 more to
train on (a sprite sheet's row of 4 frames will do), and its pairs are as far apart as ``max_gap``
and its own length allow. Frames are fitted to the model's size once, when loaded, and kept in
memory as uint8 (12 KiB a frame at 64x64).
"""

from __future__ import annotations

import os
import stat

import numpy as np

from training.data.mnist import DataError
from training.data.sprites import EVALUATION_BACKGROUNDS, background_images, over, shifted
from workstation.media import Clip, MediaError, fit
from workstation.media.clip_specs import ClipSource, clip_sources, spec_path
from workstation.media.probe import sheet_cut
from workstation.media.sprite_sheets import cut_sheet

SPLITS = ("train", "val")
VALIDATION_SHARE = 0.1
MIN_HELD_OUT = MIN_TRAINED = 2  # frames of a clip: one pair each, at least
MIN_FRAMES = MIN_HELD_OUT + MIN_TRAINED


SPECIAL_FILES = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                 (stat.S_ISBLK, "a block device"))


def refuse_special_file(path: str | os.PathLike[str]) -> None:
    """DataError unless ``path`` is a regular file or a folder (or missing, which the reader says):
    a named pipe would block the decoder forever, beyond the reach of Ctrl-C."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise DataError(f"cannot read it ({error.strerror or error})", path) from None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = next((name for test, name in SPECIAL_FILES if test(mode)), "a special file")
    raise DataError(f"not a regular file or folder ({kind}): name a video, GIF, image or image folder", path)


class ClipPairs:
    def __init__(self, clips: list[np.ndarray], max_gap: int, backgrounds: np.ndarray | None = None, shift: int = 0):
        """``clips``: per clip, uint8 frames [n, 3, S, S] (n >= 2), or [n, 4, S, S] for a character
        alone (a sheet with transparency), which each pair draws over one of ``backgrounds``
        ([m, 3, S, S]), each frame moved by up to ``shift`` pixels, as the sprite data is drawn."""
        self.clips, self.max_gap, self.backgrounds, self.shift = clips, max_gap, backgrounds, shift
        self._weights = np.array([len(c) for c in clips], np.float64)
        self._weights /= self._weights.sum()

    @classmethod
    def splits(cls, paths: list[str], image_size: int, max_gap: int, fit_mode: str = "crop", shift: int = 0,
               backgrounds: int = EVALUATION_BACKGROUNDS) -> tuple[ClipPairs, ClipPairs]:
        """(training pairs, validation pairs) from the clips in ``paths``, each clip decoded once;
        DataError (one line naming the file) when one cannot be read or is too short to split. A
        character alone is drawn over ``backgrounds`` training backgrounds, moved by up to ``shift``
        pixels; validated over the validation backgrounds, where it stands."""
        if not paths:
            raise DataError("no clips to train on: name at least one with --clip")
        train, val = [], []
        for text in paths:
            refuse_special_file(spec_path(text))
            try:
                sources = clip_sources(text)
            except MediaError as error:
                raise DataError(str(error)) from None
            for source in sources:
                clip_train, clip_val = _split_clip(source, image_size, max_gap, fit_mode)
                train.append(clip_train)
                val.append(clip_val)
        if not any(clip.shape[1] == 4 for clip in train):
            return cls(train, max_gap), cls(val, max_gap)
        return (cls(train, max_gap, background_images("train", backgrounds, image_size), shift),
                cls(val, max_gap, background_images("val", EVALUATION_BACKGROUNDS, image_size)))

    @classmethod
    def load(cls, paths: list[str], split: str, image_size: int, max_gap: int,
             fit_mode: str = "crop") -> ClipPairs:
        """The ``split`` ("train" or "val") part of ``splits``."""
        if split not in SPLITS:
            raise ValueError(f"split={split!r}: allowed values are {', '.join(SPLITS)}")
        return cls.splits(paths, image_size, max_gap, fit_mode)[SPLITS.index(split)]

    def __len__(self) -> int:
        return sum(len(c) for c in self.clips)

    def random_pairs(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` pairs (x1, x2), float32 [count, 3, S, S]: two different frames of one clip
        (chosen in proportion to its length), at most ``max_gap`` frames apart, in either order; a
        character alone over one background drawn at random, each frame moved apart by up to ``shift``."""
        first, second = [], []
        scale = np.float32(1.0 / 255.0)
        for clip_index in rng.choice(len(self.clips), size=count, p=self._weights):
            frames = self.clips[clip_index]
            gap = int(rng.integers(1, min(self.max_gap, len(frames) - 1) + 1))
            start = int(rng.integers(0, len(frames) - gap))
            i, j = (start, start + gap) if rng.random() < 0.5 else (start + gap, start)
            pair = frames[[i, j]].astype(np.float32) * scale
            if pair.shape[1] == 4:
                assert self.backgrounds is not None  # splits gives backgrounds wherever a clip is a character alone
                if self.shift:
                    pair = shifted(pair, rng.integers(-self.shift, self.shift + 1, size=(2, 2)))
                pair = over(pair, self.backgrounds[rng.integers(len(self.backgrounds))])
            first.append(pair[0])
            second.append(pair[1])
        return np.stack(first), np.stack(second)


def _split_clip(source: ClipSource, image_size: int, max_gap: int, fit_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(training frames, validation frames) of one clip, fitted, as uint8 [n, C, S, S]: its last tenth
    held out, at least ``max_gap + 1`` frames where the clip is long enough for pairs that far apart
    on both sides, else at least ``MIN_HELD_OUT``."""
    try:
        fitted = _fitted_frames(source, image_size, fit_mode)
    except MediaError as error:
        raise DataError(str(error)) from None
    held_out = max(max_gap + 1, round(len(fitted) * VALIDATION_SHARE))  # pairs as far apart as in training
    if len(fitted) < held_out + max_gap + 1:  # too short for that: the least that still validates
        held_out = max(MIN_HELD_OUT, round(len(fitted) * VALIDATION_SHARE))
    if len(fitted) < held_out + MIN_TRAINED:
        raise DataError(f"{source.text()}: {len(fitted)} frames is too few to train on "
                        f"(needs at least {held_out + MIN_TRAINED}: {MIN_TRAINED} to learn from, {held_out} held out)")
    frames = (np.stack(fitted) * 255.0 + 0.5).astype(np.uint8)
    return frames[:-held_out], frames[-held_out:]


def _fitted_frames(source: ClipSource, image_size: int, fit_mode: str) -> list[np.ndarray]:
    """The clip's frames fitted to the square, float32 [3, S, S]; or [4, S, S] (straight RGB and
    alpha) for a sheet whose cells are transparent somewhere: the character alone. A sheet's picture
    is decoded once, as ``Clip`` would decode it."""
    cut = sheet_cut(source.path, source.cut)
    if cut is None:
        return [fit(frame, image_size, fit_mode) for frame in Clip(source.path, cache_bytes=0).frames()]
    frames = cut_sheet(source.path, cut).frames
    coverages = [coverage for i in range(len(frames)) if (coverage := frames.coverage(i)) is not None]
    if any(coverage.min() < 255 for coverage in coverages):  # (empty for a picture without alpha)
        return [_fitted_rgba(frame, coverage, image_size, fit_mode)
                for frame, coverage in zip(frames, coverages, strict=True)]
    return [fit(frame, image_size, fit_mode) for frame in frames]


def _fitted_rgba(rgb: np.ndarray, alpha: np.ndarray, image_size: int, fit_mode: str) -> np.ndarray:
    """A cell fitted with its alpha, premultiplied while resized so no hidden colour bleeds in."""
    premultiplied = (rgb.astype(np.float32) * (alpha[..., None] / np.float32(255.0)) + 0.5).astype(np.uint8)
    colour = fit(premultiplied, image_size, fit_mode)
    opacity = fit(np.repeat(alpha[..., None], 3, axis=2), image_size, fit_mode)[:1]
    straight = np.divide(colour, opacity, out=np.zeros_like(colour), where=opacity > 0)
    return np.concatenate([np.clip(straight, 0.0, 1.0), opacity])
