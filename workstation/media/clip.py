"""Random access to the frames of one clip: :class:`Clip`.

Seeking with ``CAP_PROP_POS_FRAMES`` is unreliable for some codecs, so a video is only ever decoded
forward from the start (the file is reopened to go backwards), and decoded frames are kept in an
LRU cache bounded in bytes. Single images and animations (GIF, animated WebP, APNG, multi-page
TIFF) are held in memory whole, as is the picture of a sprite sheet, whose cells are cut on demand;
the images of a folder are read on demand through the same cache.
"""

from __future__ import annotations

import operator
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.media.images import to_rgb8
from workstation.media.media_error import guarded, media_error
from workstation.media.probe import (
    ClipInfo,
    image_info,
    image_names,
    probe_video,
    read_animation,
    scan_folder,
    sheet_cut,
    sheet_info,
)
from workstation.media.quiet import quiet
from workstation.media.readers import kind_of, list_images, open_capture, read_image
from workstation.media.sprite_sheets import SheetFrames, SheetSpec, describe_cut

# What a clip's decoded frames hold at most, by default: about 90 frames of 720p, 20,000 of 64x64;
# playback decodes forward and the engine caches what it makes of them, so more would buy little.
CACHE_MAX_BYTES = 256 << 20


class KnownClip(Protocol):
    """What an earlier read of a clip found: a :class:`ClipInfo`, or a project's clip entry."""

    @property
    def frame_count(self) -> int: ...
    @property
    def fps(self) -> float: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def image_names(self) -> tuple[str, ...] | None: ...
    @property
    def sheet(self) -> SheetSpec | None: ...


def folder_change(folder: Path, recorded: Sequence[str] | None) -> str | None:
    """What is wrong with the clip ``folder`` when a project recorded it as the images ``recorded``
    (``probe.image_names``): None when it lists just those, in that order (or is no folder, or
    nothing was recorded); else the problem, in one line. Lists the folder's names, decodes nothing."""
    if recorded is None or not folder.is_dir():
        return None
    return _names_change(recorded, list_images(folder))


def _names_change(recorded: Sequence[str], files: list[Path]) -> str | None:
    now = image_names(files)
    if tuple(recorded) == now:
        return None
    before, after = set(recorded), set(now)
    added = [name for name in now if name not in before]
    removed = [name for name in recorded if name not in after]
    changes = [f"{what}: {_some(names)}" for what, names in (("added", added), ("removed", removed)) if names]
    changes = changes or ["the same names in another order"]
    return (f"its images are not those the project was made with ({'; '.join(changes)}); the frames after them "
            "would shift: relink the clip to take the folder as it is now")


def _some(names: list[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _as_known(info: ClipInfo, known: KnownClip) -> ClipInfo:
    """A sheet's clip as a project knows it (its rate the project's), refused when the sheet no longer
    cuts the frames the project was made with."""
    if (info.frame_count, info.width, info.height) != (known.frame_count, known.width, known.height):
        assert info.sheet is not None
        raise media_error(info.path, f"{describe_cut(info.sheet)} is now {info.frame_count} frames of "
                                     f"{info.width}x{info.height}, not the {known.frame_count} of "
                                     f"{known.width}x{known.height} the project was made with")
    return ClipInfo(path=info.path, kind=info.kind, frame_count=info.frame_count, fps=float(known.fps),
                    width=info.width, height=info.height, sheet=info.sheet)


class Clip:
    """Random access to the frames of one clip (video, image folder, single image or animation).

    ``frame(i)`` returns a fresh uint8 RGB [H, W, 3] array (callers may modify it).  For videos,
    frames are decoded forward only: moving forward continues from the current position, moving
    backward past the cache reopens the file and decodes from the start.  Reading frames
    0..N-1 in order decodes each frame once.  Safe to call from several threads (calls are serialised).
    """

    def __init__(self, path: str | os.PathLike[str], cache_bytes: int = CACHE_MAX_BYTES,
                 known: KnownClip | None = None, sheet: SheetSpec | None = None):
        """``cache_bytes``: what the decoded frames kept for random access hold at most.
        ``known``: what an earlier read found (anything with ``frame_count``, ``fps``,
        ``width`` and ``height``, such as a project's clip entry). A video is then not decoded
        through again to count its frames, nor is every image of a folder read to check it (unless
        the folder no longer holds that many images): seconds, for a long clip. A folder whose
        ``image_names`` were known and that no longer lists just those is refused (``folder_change``):
        its frames would shift. ``sheet`` (else ``known.sheet``): the clip is cut so from the sprite
        sheet at ``path``; one that no longer cuts the frames known is refused."""
        self._cache: LRUCache[int, np.ndarray] = LRUCache(cache_bytes)
        self._path = Path(path)
        self._lock = threading.Lock()
        self._cap: cv2.VideoCapture | None = None
        self._pos = 0               # index of the frame the open capture will decode next
        self._decoded = 0           # frames decoded by random access (for tests / diagnostics)
        self._frames: list[np.ndarray] | SheetFrames | None = None   # in memory (image, animation, sheet)
        self._files: list[Path] | None = None          # image folder
        cut = sheet_cut(self._path, sheet if sheet is not None else known.sheet if known is not None else None)
        self.info: ClipInfo = guarded(self._path, lambda: self._open(known, cut))

    # -- opening

    def _open(self, known: KnownClip | None, cut: SheetSpec | None) -> ClipInfo:
        p = self._path
        if cut is not None:
            info, self._frames = sheet_info(p, cut)
            return info if known is None else _as_known(info, known)
        kind = kind_of(p)
        if known is not None and kind in ("video", "images"):
            files = list_images(p) if kind == "images" else None
            change = None if files is None or known.image_names is None else _names_change(known.image_names, files)
            if change is not None:
                raise media_error(p, change)
            info = ClipInfo(path=p, kind=kind, frame_count=int(known.frame_count), fps=float(known.fps),
                            width=int(known.width), height=int(known.height),
                            image_names=None if files is None else image_names(files))
            if (files is None or len(files) == info.frame_count) and self._first_frame_fits(info, files):
                self._files = files
                return info
        if kind == "images":
            def keep(i: int, img: np.ndarray) -> None:
                # keep the first frames decoded by validation, so they are not decoded twice
                if self._cache.nbytes + img.nbytes <= self._cache.max_bytes:
                    self._cache.put(i, img)

            info, self._files = scan_folder(p, keep)
            return info
        if kind == "image":
            img = read_image(p)
            self._frames = [img]
            return image_info(p, img)
        if kind == "gif":
            info, self._frames = read_animation(p)
            return info
        return probe_video(p)

    def _first_frame_fits(self, info: ClipInfo, files: list[Path] | None) -> bool:
        """Whether the first frame still decodes at the known size (a damaged or replaced file is
        then read through, and reported, as on first reading)."""
        if files is not None:
            first = read_image(files[0]) if files else None
        else:
            cap = open_capture(self._path)
            if cap is None:
                return False
            try:
                with quiet():
                    ok, first = cap.read()
            finally:
                cap.release()
            if not ok:
                return False
        return first is not None and first.shape[:2] == (info.height, info.width)

    # -- public API

    @property
    def path(self) -> Path:
        return self._path

    def __len__(self) -> int:
        return self.info.frame_count

    def __repr__(self) -> str:
        i = self.info
        return f"Clip({str(i.path)!r}, kind={i.kind}, {i.frame_count} frames, {i.width}x{i.height}, {i.fps:g} fps)"

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (0 <= index < len(self)) as uint8 RGB [H, W, 3]; MediaError if out of range."""
        i = operator.index(index)
        n = self.info.frame_count
        if not 0 <= i < n:
            raise media_error(self._path, f"frame {i} out of range (clip has {n} frame{'s' if n != 1 else ''})")
        if self._frames is not None:
            return self._frames[i].copy()
        with self._lock:
            cached = self._cache.get(i)
            if cached is None:
                files = self._files
                if files is not None:
                    cached = guarded(self._path, lambda: self._read_file(files[i]))
                else:
                    with quiet():
                        cached = guarded(self._path, lambda: self._decode_video(i))
                self._cache.put(i, cached)
            return cached.copy()

    def frames(self) -> Iterator[np.ndarray]:
        """Decode all frames in order (uint8 RGB); independent of frame()'s position and cache."""
        if self._frames is not None:
            for f in self._frames:
                yield f.copy()
            return
        if self._files is not None:
            for i in range(len(self)):
                yield self.frame(i)
            return
        cap = open_capture(self._path)
        if cap is None:
            raise media_error(self._path, "can no longer be opened")
        try:
            for i in range(len(self)):
                with quiet():
                    ok, img = cap.read()
                if not ok or img is None:
                    raise media_error(self._path, f"frame {i} failed to decode")
                yield to_rgb8(img)
        finally:
            cap.release()

    def close(self) -> None:
        """Release the open video file and drop the cache (the clip can still be used afterwards)."""
        with self._lock:
            if self._cap is not None:
                self._cap.release()
                self._cap = None
            self._pos = 0
            self._cache.clear()

    def __enter__(self) -> Clip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        cap = getattr(self, "_cap", None)
        if cap is not None:
            try:
                cap.release()
            except Exception:
                pass

    # -- decoding

    def _read_file(self, file: Path) -> np.ndarray:
        img = read_image(file)
        if (img.shape[1], img.shape[0]) != (self.info.width, self.info.height):
            raise media_error(file, f"image is now {img.shape[1]}x{img.shape[0]}, "
                                    f"expected {self.info.width}x{self.info.height}")
        return img

    def _decode_video(self, i: int) -> np.ndarray:
        cap = self._cap
        if cap is None or i < self._pos:
            if cap is not None:
                cap.release()
            self._cap = cap = open_capture(self._path)
            self._pos = 0
            if cap is None:
                raise media_error(self._path, "can no longer be opened")
        # Frames skipped on the way to i are grabbed (decoded, not converted); the last few before
        # i (a quarter of the cache) are also kept so that stepping backwards a little does not
        # reopen the file.
        keep_from = i - self._cache.max_bytes // (4 * max(1, self.info.width * self.info.height * 3))
        while self._pos < i:
            if self._pos >= keep_from and self._pos not in self._cache:
                ok, img = cap.read()
                if ok and img is not None:
                    self._cache.put(self._pos, to_rgb8(img))
            else:
                ok = cap.grab()
            if not ok:
                raise media_error(self._path, f"frame {self._pos} failed to decode")
            self._pos += 1
            self._decoded += 1
        ok, img = cap.read()
        if not ok or img is None:
            raise media_error(self._path, f"frame {i} failed to decode")
        self._pos += 1
        self._decoded += 1
        return to_rgb8(img)
