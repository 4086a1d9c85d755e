"""Training pairs from your own clips (videos, GIFs, image folders, sprite sheets, as the workstation
imports them): two frames of one clip at most ``max_gap`` frames apart, which is all the method needs.
A clip is named as ``train --clip`` takes it (``workstation.media.clip_specs``): a sheet's Aseprite
JSON is one clip per tag, ``sheet.png:grid=64x64`` one clip per row that is not empty.

Each clip's last tenth (at least ``max_gap + 1`` frames) is held out for validation, so the
frames validation reads were never trained on. Frames are fitted to the model's size once, when
loaded, and kept in memory as uint8 (12 KiB a frame at 64x64).
"""

from __future__ import annotations

import os
import stat

import numpy as np

from training.data.mnist import DataError
from workstation.media import Clip, MediaError, fit
from workstation.media.clip_specs import ClipSource, clip_sources, spec_path

SPLITS = ("train", "val")
VALIDATION_SHARE = 0.1


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
    def __init__(self, clips: list[np.ndarray], max_gap: int):
        """``clips``: per clip, uint8 frames [n, 3, S, S] (n >= 2)."""
        self.clips, self.max_gap = clips, max_gap
        self._weights = np.array([len(c) for c in clips], np.float64)
        self._weights /= self._weights.sum()

    @classmethod
    def splits(cls, paths: list[str], image_size: int, max_gap: int,
               fit_mode: str = "crop") -> tuple[ClipPairs, ClipPairs]:
        """(training pairs, validation pairs) from the clips in ``paths``, each clip decoded once;
        DataError (one line naming the file) when one cannot be read or is too short to split."""
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
        return cls(train, max_gap), cls(val, max_gap)

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
        (chosen in proportion to its length), at most ``max_gap`` frames apart, in either order."""
        first, second = [], []
        for clip_index in rng.choice(len(self.clips), size=count, p=self._weights):
            frames = self.clips[clip_index]
            gap = int(rng.integers(1, min(self.max_gap, len(frames) - 1) + 1))
            start = int(rng.integers(0, len(frames) - gap))
            i, j = (start, start + gap) if rng.random() < 0.5 else (start + gap, start)
            first.append(frames[i])
            second.append(frames[j])
        scale = np.float32(1.0 / 255.0)
        return np.stack(first).astype(np.float32) * scale, np.stack(second).astype(np.float32) * scale


def _split_clip(source: ClipSource, image_size: int, max_gap: int, fit_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(training frames, validation frames) of one clip, fitted, as uint8 [n, 3, S, S]: its last tenth
    (at least ``max_gap + 1`` frames) held out."""
    try:
        clip = Clip(source.path, cache_bytes=0, sheet=source.cut)
        fitted = [fit(frame, image_size, fit_mode) for frame in clip.frames()]
    except MediaError as error:
        raise DataError(str(error)) from None
    held_out = max(max_gap + 1, round(len(fitted) * VALIDATION_SHARE))
    if len(fitted) < held_out + max_gap + 1:
        raise DataError(f"{source.text()}: {len(fitted)} frames is too few to train on with max_gap={max_gap} "
                        f"(needs at least {held_out + max_gap + 1})")
    frames = (np.stack(fitted) * 255.0 + 0.5).astype(np.uint8)
    return frames[:-held_out], frames[-held_out:]
