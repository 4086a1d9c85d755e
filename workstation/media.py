"""Media import for the workstation: videos, image folders, single images and animated GIFs.

Everything returned here is RGB (OpenCV's BGR is converted on the way in).

- :func:`probe` opens a clip, validates it and describes it (:class:`ClipInfo`).
- :class:`Clip` gives random access to the frames of one clip.
- :func:`fit` turns a frame into a square float32 CHW tensor for the model.
- :func:`thumbnail` shrinks a frame for display.

Every failure to read a clip raises :class:`MediaError` with a single line of text that names the
file and the problem, so the UI can show it as it is.

Video notes: the frame count in a video's header (``CAP_PROP_FRAME_COUNT``) can be wrong, so it is
counted by decoding.  Seeking with ``CAP_PROP_POS_FRAMES`` is unreliable for some codecs, so
:class:`Clip` only ever decodes forward from the start (reopening the file to go backwards) and
keeps an LRU cache of decoded frames.

This module must not import torch or Qt.
"""
from __future__ import annotations

import operator
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from workstation.lru import LRUCache

# Damaged files are reported as one MediaError line; FFmpeg's and OpenCV's own warnings about them
# would only repeat it as noise on the user's terminal.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

__all__ = [
    "MediaError", "ClipInfo", "Clip", "probe", "fit", "thumbnail",
    "FIT_MODES", "IMAGE_EXTENSIONS", "DEFAULT_FPS", "CACHE_MAX_BYTES",
]

FIT_MODES = ("crop", "letterbox")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
GIF_EXTENSIONS = (".gif",)
DEFAULT_FPS = 12.0
# The frame cache holds at most ``cache_frames`` frames and at most this many bytes of them
# (256 frames of 1080p would otherwise be 1.6 GB).
CACHE_MAX_BYTES = 1 << 30

_IMREAD_FLAGS = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR  # keeps 16-bit, drops alpha, applies EXIF rotation


class MediaError(RuntimeError):
    """One line naming the file and the problem."""


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    kind: str          # "video" | "images" | "image" | "gif"
    frame_count: int   # counted by decoding for videos
    fps: float
    width: int
    height: int


# --------------------------------------------------------------------------------------------
# helpers

def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error(path, problem: str) -> MediaError:
    return MediaError(_one_line(f"{path}: {problem}"))


def _natural_key(name: str):
    parts = re.split(r"(\d+)", name.casefold())
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts], name


def _to_rgb8(image: np.ndarray) -> np.ndarray:
    """Any OpenCV-decoded image (BGR/BGRA/grey, 8/16-bit/float) -> contiguous uint8 RGB [H, W, 3]."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        if img.dtype == np.uint16:
            img = ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)
        elif np.issubdtype(img.dtype, np.floating):
            img = (np.clip(np.nan_to_num(img), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        else:
            img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_GRAY2RGB)
    if img.ndim != 3:
        raise ValueError(f"unsupported image shape {img.shape}")
    channels = img.shape[2]
    if channels == 2:  # grey + alpha
        return cv2.cvtColor(np.ascontiguousarray(img[:, :, 0]), cv2.COLOR_GRAY2RGB)
    if channels == 3:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGR2RGB)
    if channels == 4:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGRA2RGB)
    raise ValueError(f"unsupported number of channels {channels}")


def _read_image(path: Path) -> np.ndarray:
    """Decode one image file to uint8 RGB; MediaError if it cannot be read or decoded."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # unlike cv2.imread, copes with any path on Windows
    except OSError as exc:
        raise _error(path, f"cannot read ({exc.strerror or exc})") from None
    if data.size == 0:
        raise _error(path, "not an image OpenCV can decode (empty file)")
    try:
        img = cv2.imdecode(data, _IMREAD_FLAGS)
    except cv2.error:
        img = None
    if img is None or img.size == 0:
        raise _error(path, "not an image OpenCV can decode")
    try:
        return _to_rgb8(img)
    except ValueError as exc:
        raise _error(path, f"not an image this tool can use ({exc})") from None


def _list_images(folder: Path) -> list:
    try:
        entries = [p for p in folder.iterdir()
                   if not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()]
    except OSError as exc:
        raise _error(folder, f"cannot list folder ({exc.strerror or exc})") from None
    return sorted(entries, key=lambda p: _natural_key(p.name))


def _valid_fps(value, default: float = DEFAULT_FPS) -> float:
    try:
        fps = float(value)
    except (TypeError, ValueError):
        return default
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        return default
    return fps


def _open_capture(path: Path) -> cv2.VideoCapture | None:
    """Open a VideoCapture by file name, FFmpeg first (it does not treat '%' in names as a pattern)."""
    for api in (cv2.CAP_FFMPEG, cv2.CAP_ANY):
        try:
            cap = cv2.VideoCapture(str(path), api)
        except cv2.error:
            continue
        if cap.isOpened():
            return cap
        cap.release()
    return None


# --------------------------------------------------------------------------------------------
# probing

def _probe_video(path: Path, kind: str = "video") -> ClipInfo:
    cap = _open_capture(path)
    if cap is None:
        raise _error(path, f"not a {'video' if kind == 'video' else 'GIF'} OpenCV can decode")
    try:
        fps = _valid_fps(cap.get(cv2.CAP_PROP_FPS))
        ok, first = cap.read()
        if not ok or first is None or first.size == 0:
            raise _error(path, f"not a {'video' if kind == 'video' else 'GIF'} OpenCV can decode (no frame decodes)")
        count = 1
        while cap.grab():
            count += 1
    finally:
        cap.release()
    height, width = first.shape[:2]
    return ClipInfo(path=path, kind=kind, frame_count=count, fps=fps, width=int(width), height=int(height))


def _load_animation(path: Path):
    """(frames as RGB list, durations in ms) via cv2.imreadanimation, or None if it cannot."""
    reader = getattr(cv2, "imreadanimation", None)
    if reader is None:
        return None
    try:
        ok, animation = reader(str(path))
    except cv2.error:
        return None
    if not ok or animation is None or len(animation.frames) == 0:
        return None
    try:
        frames = [_to_rgb8(f) for f in animation.frames]
    except ValueError:
        return None
    durations = [float(d) for d in np.asarray(animation.durations).ravel()]
    return frames, durations


def _gif_info(path: Path, frames: list, durations: list) -> ClipInfo:
    height, width = frames[0].shape[:2]
    for i, f in enumerate(frames):
        if f.shape[:2] != (height, width):
            raise _error(path, f"GIF frame {i} is {f.shape[1]}x{f.shape[0]} but frame 0 is {width}x{height}")
    positive = [d for d in durations if d > 0]
    fps = _valid_fps(1000.0 / (sum(positive) / len(positive))) if positive else DEFAULT_FPS
    return ClipInfo(path=path, kind="gif", frame_count=len(frames), fps=fps, width=int(width), height=int(height))


def _scan_folder(folder: Path, on_frame: Callable[[int, np.ndarray], None] | None = None):
    """Decode every image of a folder to validate it; returns (ClipInfo, files)."""
    files = _list_images(folder)
    if not files:
        raise _error(folder, f"no images (looked for {', '.join(IMAGE_EXTENSIONS)})")
    size = None
    for i, file in enumerate(files):
        img = _read_image(file)
        h, w = img.shape[:2]
        if size is None:
            size = (w, h)
        elif (w, h) != size:
            raise _error(file, f"image is {w}x{h} but {files[0].name} is {size[0]}x{size[1]}; "
                               "all images in a folder must be the same size")
        if on_frame is not None:
            on_frame(i, img)
    return ClipInfo(path=folder, kind="images", frame_count=len(files), fps=DEFAULT_FPS,
                    width=size[0], height=size[1]), files


def _kind_of(path: Path) -> str:
    if not path.exists():
        raise _error(path, "no such file or folder")
    if path.is_dir():
        return "images"
    suffix = path.suffix.lower()
    if suffix in GIF_EXTENSIONS:
        return "gif"
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    return "video"


def _guarded(path, func):
    """Run func(); turn anything unexpected into a one-line MediaError naming path."""
    try:
        return func()
    except MediaError:
        raise
    except OSError as exc:
        raise _error(path, f"cannot read ({exc.strerror or exc})") from exc
    except Exception as exc:  # cv2.error, MemoryError, ...: the UI wants one line, not a traceback
        raise _error(path, f"cannot open ({type(exc).__name__}: {exc})") from exc


def probe(path) -> ClipInfo:
    """Open and validate a clip; raises MediaError (one line naming the file) if it cannot be used.

    Videos are decoded through to count their frames; every image of a folder is decoded to check
    it reads and has the same size as the others.
    """
    p = Path(path)

    def run() -> ClipInfo:
        kind = _kind_of(p)
        if kind == "images":
            return _scan_folder(p)[0]
        if kind == "image":
            img = _read_image(p)
            return ClipInfo(path=p, kind="image", frame_count=1, fps=DEFAULT_FPS,
                            width=int(img.shape[1]), height=int(img.shape[0]))
        if kind == "gif":
            loaded = _load_animation(p)
            if loaded is not None:
                return _gif_info(p, *loaded)
            return _probe_video(p, kind="gif")
        return _probe_video(p)

    return _guarded(p, run)


# --------------------------------------------------------------------------------------------
# random access

class Clip:
    """Random access to the frames of one clip (video, image folder, single image or GIF).

    ``frame(i)`` returns a fresh uint8 RGB [H, W, 3] array (callers may modify it).  For videos,
    frames are decoded forward only: moving forward continues from the current position, moving
    backward past the cache reopens the file and decodes from the start.  Reading frames
    0..N-1 in order decodes each frame once.  Safe to call from several threads (calls are serialised).
    """

    def __init__(self, path, cache_frames: int = 256, known=None):
        """``known``: what an earlier read found (anything with ``frame_count``, ``fps``,
        ``width`` and ``height``, such as a project's clip entry). A video is then not decoded
        through again to count its frames, nor is every image of a folder read to check it (unless
        the folder no longer holds that many images): seconds, for a long clip."""
        if int(cache_frames) < 0:
            raise ValueError(f"cache_frames must be >= 0, got {cache_frames}")
        self._path = Path(path)
        self._lock = threading.Lock()
        self._cap: cv2.VideoCapture | None = None
        self._pos = 0               # index of the frame the open capture will decode next
        self._decoded = 0           # frames decoded by random access (for tests / diagnostics)
        self._frames: list | None = None   # in-memory frames (single image, GIF via imreadanimation)
        self._files: list | None = None    # image folder
        self._cache = LRUCache(0)
        self._cache_frames = int(cache_frames)
        self.info: ClipInfo = _guarded(self._path, lambda: self._open(known))

    # -- opening

    def _make_cache(self, info: ClipInfo) -> LRUCache:
        frame_bytes = max(1, info.width * info.height * 3)
        return LRUCache(min(self._cache_frames, CACHE_MAX_BYTES // frame_bytes))

    def _open(self, known=None) -> ClipInfo:
        p = self._path
        kind = _kind_of(p)
        if known is not None and kind in ("video", "images"):
            info = ClipInfo(path=p, kind=kind, frame_count=int(known.frame_count), fps=float(known.fps),
                            width=int(known.width), height=int(known.height))
            files = _list_images(p) if kind == "images" else None
            if (files is None or len(files) == info.frame_count) and self._first_frame_fits(info, files):
                self._files = files
                self._cache = self._make_cache(info)
                return info
        if kind == "images":
            seen = []

            def keep(i, img):  # keep the first frames decoded by validation, so they are not decoded twice
                if len(seen) < self._cache_frames:
                    seen.append((i, img))

            info, self._files = _scan_folder(p, keep)
            self._cache = self._make_cache(info)
            for i, img in seen[: self._cache.capacity]:
                self._cache.put(i, img)
            return info
        if kind == "image":
            img = _read_image(p)
            self._frames = [img]
            return ClipInfo(path=p, kind="image", frame_count=1, fps=DEFAULT_FPS,
                            width=int(img.shape[1]), height=int(img.shape[0]))
        if kind == "gif":
            loaded = _load_animation(p)
            if loaded is not None:
                self._frames = loaded[0]
                return _gif_info(p, *loaded)
            info = _probe_video(p, kind="gif")
        else:
            info = _probe_video(p)
        self._cache = self._make_cache(info)
        return info

    def _first_frame_fits(self, info: ClipInfo, files: list | None) -> bool:
        """Whether the first frame still decodes at the known size (a damaged or replaced file is
        then read through, and reported, as on first reading)."""
        if files is not None:
            first = _read_image(files[0]) if files else None
        else:
            cap = _open_capture(self._path)
            if cap is None:
                return False
            try:
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
            raise _error(self._path, f"frame {i} out of range (clip has {n} frame{'s' if n != 1 else ''})")
        if self._frames is not None:
            return self._frames[i].copy()
        with self._lock:
            cached = self._cache.get(i)
            if cached is None:
                if self._files is not None:
                    cached = _guarded(self._path, lambda: self._read_file(i))
                else:
                    cached = _guarded(self._path, lambda: self._decode_video(i))
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
        cap = _open_capture(self._path)
        if cap is None:
            raise _error(self._path, "can no longer be opened")
        try:
            for i in range(len(self)):
                ok, img = cap.read()
                if not ok or img is None:
                    raise _error(self._path, f"frame {i} failed to decode")
                yield _to_rgb8(img)
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

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        cap = getattr(self, "_cap", None)
        if cap is not None:
            try:
                cap.release()
            except Exception:
                pass

    # -- decoding

    def _read_file(self, i: int) -> np.ndarray:
        file = self._files[i]
        img = _read_image(file)
        if (img.shape[1], img.shape[0]) != (self.info.width, self.info.height):
            raise _error(file, f"image is now {img.shape[1]}x{img.shape[0]}, "
                               f"expected {self.info.width}x{self.info.height}")
        return img

    def _decode_video(self, i: int) -> np.ndarray:
        if self._cap is None or i < self._pos:
            if self._cap is not None:
                self._cap.release()
            self._cap = _open_capture(self._path)
            self._pos = 0
            if self._cap is None:
                raise _error(self._path, "can no longer be opened")
        # Frames skipped on the way to i are grabbed (decoded, not converted); the last few before
        # i are also kept in the cache so that stepping backwards a little does not reopen the file.
        keep_from = i - self._cache.capacity // 4
        while self._pos < i:
            if self._pos >= keep_from and self._pos not in self._cache:
                ok, img = self._cap.read()
                if ok and img is not None:
                    self._cache.put(self._pos, _to_rgb8(img))
            else:
                ok = self._cap.grab()
            if not ok:
                raise _error(self._path, f"frame {self._pos} failed to decode")
            self._pos += 1
            self._decoded += 1
        ok, img = self._cap.read()
        if not ok or img is None:
            raise _error(self._path, f"frame {i} failed to decode")
        self._pos += 1
        self._decoded += 1
        return _to_rgb8(img)


# --------------------------------------------------------------------------------------------
# resizing

def _check_rgb(image: np.ndarray, what: str) -> np.ndarray:
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError(f"{what} expects a uint8 image, got {img.dtype}")
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] < 1 or img.shape[1] < 1:
        raise ValueError(f"{what} expects an RGB image [H, W, 3], got shape {img.shape}")
    return np.ascontiguousarray(img)


def _resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = img.shape[:2]
    if (w, h) == (width, height):
        return img
    shrinking = width * height < w * h
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def fit(image: np.ndarray, size: int, mode: str = "crop") -> np.ndarray:
    """uint8 RGB [H, W, 3] -> float32 [3, size, size] in [0, 1].

    ``"crop"``: centre crop to a square, then resize.  ``"letterbox"``: resize to fit inside the
    square keeping the aspect ratio and pad with black, image centred.
    """
    if mode not in FIT_MODES:
        raise ValueError(f"unknown fit mode {mode!r}; allowed: {', '.join(FIT_MODES)}")
    size = operator.index(size)
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    img = _check_rgb(image, "fit")
    h, w = img.shape[:2]
    if mode == "crop":
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        out = _resize(np.ascontiguousarray(img[y0:y0 + side, x0:x0 + side]), size, size)
    else:
        scale = size / max(h, w)
        nw = min(size, max(1, int(round(w * scale))))
        nh = min(size, max(1, int(round(h * scale))))
        resized = _resize(img, nw, nh)
        out = np.zeros((size, size, 3), np.uint8)
        y0, x0 = (size - nh) // 2, (size - nw) // 2
        out[y0:y0 + nh, x0:x0 + nw] = resized
    return np.ascontiguousarray(out.transpose(2, 0, 1), dtype=np.float32) / np.float32(255.0)


def thumbnail(image: np.ndarray, max_side: int = 96) -> np.ndarray:
    """Shrink so the longer side is at most ``max_side`` (aspect kept; never enlarges). uint8 RGB."""
    max_side = operator.index(max_side)
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    img = _check_rgb(image, "thumbnail")
    h, w = img.shape[:2]
    if max(h, w) <= max_side:
        return img.copy()
    scale = max_side / max(h, w)
    return _resize(img, max(1, int(round(w * scale))), max(1, int(round(h * scale))))
