"""Write rendered frame sequences to disk as a PNG folder, an MP4 video or a looping GIF.

Frames arrive one at a time as float32 RGB arrays ``[3, H, W]`` in ``[0, 1]`` (the model's NCHW
layout without N), so a long render never holds every frame in memory; only GIF buffers its
frames, as 8-bit images after scaling, because the GIF encoder needs all of them at once.

Each frame is scaled up by an integer ``scale`` (``smooth=False``: nearest neighbour, crisp pixels;
``smooth=True``: bicubic, clipped to [0, 1]), then converted to 8 bits with rounding.

Formats:

* ``png``: the output path is a folder (created with its parents) holding ``frame_0000.png``,
  ``frame_0001.png``, ... with the number zero-padded to ``max(4, digits of frame_count)``.
  Frames are written straight into the folder; with ``force`` on an existing folder only files
  named ``frame_<digits>.png`` are removed first, never anything else.
* ``mp4``: MPEG-4 Part 2 (fourcc ``mp4v``; ``avc1`` is not available in OpenCV 5 wheels). MPEG-4
  needs an even width and height: an odd-sized frame is padded with ONE black pixel column at the
  right and/or ONE black pixel row at the bottom (never rescaled), so the picture itself stays
  pixel-exact in geometry.
* ``gif``: looping forever, each frame shown ``round(1000 / fps)`` ms (at least 10 ms; the GIF
  format stores durations in 10 ms units, which OpenCV truncates to). Written with
  ``cv2.imwriteanimation`` using a per-frame adaptive palette (octree, 256 colours) after light
  Floyd-Steinberg dithering, which reproduces frames with few colours exactly and smooth frames
  within a few levels.

MP4 and GIF are written to a temporary file beside the target (``name.partial.mp4``, extension
kept last so OpenCV picks the right container) and moved onto the target with ``os.replace`` only
when complete, so a failed or interrupted render never leaves a broken file where a good one was.

This module depends only on numpy and OpenCV.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

FORMATS = ("png", "mp4", "gif")
MP4_FOURCC = "mp4v"
_MP4_FOURCC_CODE = cv2.VideoWriter.fourcc(*MP4_FOURCC)
FRAME_PATTERN = re.compile(r"frame_\d+\.png")
GIF_PARAMS = [
    cv2.IMWRITE_GIF_DITHER, 3,  # light Floyd-Steinberg dithering, then the octree palette
    cv2.IMWRITE_GIF_COLORTABLE, 1,  # a palette per frame
    cv2.IMWRITE_GIF_TRANSPARENCY, 0,  # opaque: no palette entry reserved for transparency
]
GIF_MIN_DURATION_MS = 10


class ExportError(RuntimeError):
    """The frames cannot be written; one line naming the output path and the problem."""


def _error(path: object, problem: str) -> ExportError:
    text = " ".join(f"{path}: {problem}".split())  # always one line
    return ExportError(text)


def _check_format(path: object, fmt: object) -> str:
    name = fmt.lower().lstrip(".") if isinstance(fmt, str) else fmt
    if not isinstance(name, str) or name not in FORMATS:
        raise _error(path, f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return name


def _whole_number(value: object) -> int | None:
    """``value`` as an int if it is an integral number (a Python or numpy int, not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def frame_name(index: int, frame_count: int) -> str:
    """File name of frame ``index`` in a PNG folder of ``frame_count`` frames."""
    width = max(4, len(str(max(int(frame_count), 0))))
    return f"frame_{index:0{width}d}.png"


def output_exists(path: str | os.PathLike[str], fmt: str) -> bool:
    """Whether writing ``fmt`` at ``path`` would overwrite something.

    png: the folder exists and is not empty (or something other than a folder is there);
    mp4/gif: anything exists at the path.
    """
    target = Path(path)
    if _check_format(target, fmt) == "png" and target.is_dir():
        return any(target.iterdir())
    return target.exists() or target.is_symlink()


def _temporary_path(path: Path, fmt: str) -> Path:
    stem = path.stem if path.suffix.lower() == f".{fmt}" else path.name
    return path.with_name(f"{stem}.partial.{fmt}")


def _remove_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.unlink()
    except OSError:
        pass


class FrameWriter:
    """Writes frames one at a time; use as a context manager.

    On leaving the ``with`` block normally the output is finished (``close``); on an exception a
    partial MP4/GIF temporary file is removed and the target is left as it was (PNG frames already
    written stay in their folder).
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str, fps: float, frame_count: int, scale: int = 1,
                 smooth: bool = False, force: bool = False):
        self.path = Path(path)
        self.fmt = _check_format(self.path, fmt)
        try:
            rate = float(fps)
        except (TypeError, ValueError):
            raise _error(self.path, f"fps must be a number, got {fps!r}") from None
        if not math.isfinite(rate) or rate <= 0:
            raise _error(self.path, f"fps must be a positive number, got {rate}")
        whole_scale, whole_count = _whole_number(scale), _whole_number(frame_count)
        if whole_scale is None or whole_scale < 1:
            raise _error(self.path, f"scale must be a whole number of at least 1, got {scale!r}")
        if whole_count is None or whole_count < 0:
            raise _error(self.path, f"frame_count must be a whole number of at least 0, got {frame_count!r}")
        self.fps = rate
        self.frame_count = whole_count
        self.scale = whole_scale
        self.smooth = bool(smooth)
        self.force = bool(force)

        self.frames_written = 0
        self.input_size: tuple[int, int] | None = None  # (height, width) of the frames given
        self.output_size: tuple[int, int] | None = None  # (width, height) of the images written
        self._closed = False
        self._writer: cv2.VideoWriter | None = None
        self._gif_frames: list[np.ndarray] = []
        self._temporary: Path | None = None

        if output_exists(self.path, self.fmt) and not self.force:
            raise ExportError(f"{self.path} exists; pass --force to overwrite it")

        if self.fmt == "png":
            self._prepare_folder()
        else:
            self._prepare_file()

    # -- setup -------------------------------------------------------------------------------

    def _prepare_folder(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise _error(self.path, "exists and is not a folder; PNG frames are written into a folder")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if self.force:
                for entry in self.path.iterdir():
                    if FRAME_PATTERN.fullmatch(entry.name) and (entry.is_file() or entry.is_symlink()):
                        entry.unlink()
        except OSError as exc:
            raise _error(self.path, f"cannot prepare the frame folder ({exc.strerror or exc})") from exc

    def _prepare_file(self) -> None:
        if self.path.is_dir():
            raise _error(self.path, f"is a folder; an {self.fmt.upper()} output must be a file path")
        parent = self.path.parent
        if not parent.is_dir():
            raise _error(self.path, f"cannot write: the folder {parent} does not exist")
        self._temporary = _temporary_path(self.path, self.fmt)
        try:  # probe now rather than fail after a long render
            with open(self._temporary, "wb"):
                pass
        except OSError as exc:
            self._temporary = None
            raise _error(self.path, f"cannot write in {parent} ({exc.strerror or exc})") from exc
        _remove_quietly(self._temporary)

    # -- frames ------------------------------------------------------------------------------

    def _to_image(self, frame: np.ndarray) -> np.ndarray:
        """[3, H, W] float RGB in [0, 1] -> [H*scale(+pad), W*scale(+pad), 3] uint8 BGR."""
        array = np.asarray(frame)
        if array.ndim != 3 or array.shape[0] != 3 or array.shape[1] < 1 or array.shape[2] < 1:
            raise _error(self.path, f"a frame must be a [3, H, W] RGB array, got shape {tuple(array.shape)}")
        if not np.issubdtype(array.dtype, np.floating):
            raise _error(self.path, f"a frame must be a float array in [0, 1], got dtype {array.dtype}")
        size = (int(array.shape[1]), int(array.shape[2]))
        if self.input_size is None:
            self.input_size = size
        elif size != self.input_size:
            raise _error(self.path, f"frame {self.frames_written} is {size[0]}x{size[1]} (HxW) but earlier frames "
                                    f"are {self.input_size[0]}x{self.input_size[1]}; all frames must share one size")
        rgb: np.ndarray = np.nan_to_num(np.ascontiguousarray(array.transpose(1, 2, 0), dtype=np.float32), nan=0.0)
        height, width = size
        target = (width * self.scale, height * self.scale)
        if self.scale > 1 and self.smooth:
            rgb = cv2.resize(rgb, target, interpolation=cv2.INTER_CUBIC)
        image = np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)
        if self.scale > 1 and not self.smooth:
            image = cv2.resize(image, target, interpolation=cv2.INTER_NEAREST)
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        if self.fmt == "mp4":
            pad_bottom, pad_right = image.shape[0] % 2, image.shape[1] % 2
            if pad_bottom or pad_right:
                image = cv2.copyMakeBorder(image, 0, pad_bottom, 0, pad_right, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        return image

    def write(self, frame: np.ndarray) -> None:
        """Add one float32 [3, H, W] RGB frame in [0, 1]."""
        if self._closed:
            raise _error(self.path, "the frame writer is already closed")
        image = self._to_image(frame)
        self.output_size = (image.shape[1], image.shape[0])
        if self.fmt == "png":
            self._write_png(image)
        elif self.fmt == "mp4":
            self._write_mp4(image)
        else:
            self._gif_frames.append(image)
        self.frames_written += 1

    def _write_png(self, image: np.ndarray) -> None:
        target = self.path / frame_name(self.frames_written, self.frame_count)
        try:
            ok = cv2.imwrite(str(target), image)
        except cv2.error as exc:
            raise _error(target, f"OpenCV could not write the PNG ({exc})") from exc
        if not ok:
            raise _error(target, "OpenCV could not write the PNG (folder missing, not writable or disk full?)")

    def _write_mp4(self, image: np.ndarray) -> None:
        if self._writer is None:
            height, width = image.shape[:2]
            try:
                writer = cv2.VideoWriter(str(self._temporary), _MP4_FOURCC_CODE, self.fps, (width, height), True)
            except cv2.error as exc:
                _remove_quietly(self._temporary)
                raise _error(self.path, f"OpenCV could not open an MP4 ({MP4_FOURCC}) writer ({exc})") from exc
            if not writer.isOpened():
                writer.release()
                _remove_quietly(self._temporary)
                raise _error(self.path, f"OpenCV could not open an MP4 ({MP4_FOURCC}) writer for "
                                        f"{self._temporary} (folder not writable, or codec unavailable)")
            self._writer = writer
        self._writer.write(image)

    # -- finishing ---------------------------------------------------------------------------

    def close(self) -> Path:
        """Finish the output and return the path written (the folder for png). Idempotent."""
        if self._closed:
            return self.path
        self._closed = True
        try:
            if self.frames_written == 0:
                raise _error(self.path, "no frames were written")
            if self.fmt == "mp4":
                self._finish_mp4()
            elif self.fmt == "gif":
                self._finish_gif()
        except BaseException:
            self._discard()
            raise
        return self.path

    def _finish_mp4(self) -> None:
        writer, self._writer = self._writer, None
        temporary = self._temporary
        assert writer is not None and temporary is not None  # opened by the first write()
        writer.release()
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise _error(self.path, f"OpenCV wrote no MP4 data to {temporary} (disk full?)")
        self._replace(temporary)

    def _finish_gif(self) -> None:
        duration = max(GIF_MIN_DURATION_MS, round(1000.0 / self.fps))
        animation = cv2.Animation()
        animation.frames = self._gif_frames
        animation.durations = [duration] * len(self._gif_frames)
        animation.loop_count = 0  # loop forever
        temporary = self._temporary
        assert temporary is not None  # set by _prepare_file for every file format
        try:
            ok = cv2.imwriteanimation(str(temporary), animation, GIF_PARAMS)
        except cv2.error as exc:
            raise _error(self.path, f"OpenCV could not write the GIF ({exc})") from exc
        if not ok or not temporary.is_file() or temporary.stat().st_size == 0:
            raise _error(self.path, f"OpenCV could not write the GIF to {temporary} (not writable or disk full?)")
        self._gif_frames = []
        self._replace(temporary)

    def _replace(self, temporary: Path) -> None:
        try:
            os.replace(temporary, self.path)
        except OSError as exc:
            raise _error(self.path, f"cannot move {temporary.name} into place ({exc.strerror or exc})") from exc

    def _discard(self) -> None:
        """Drop everything unfinished; the target itself is never touched."""
        self._closed = True
        if self._writer is not None:
            try:
                self._writer.release()
            except cv2.error:
                pass
            self._writer = None
        self._gif_frames = []
        if self.fmt != "png":
            _remove_quietly(self._temporary)

    def abort(self) -> None:
        """Stop without finishing: remove a partial MP4/GIF, leave the target as it was."""
        if not self._closed:
            self._discard()

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_frames(frames: Iterable[np.ndarray], path: str | os.PathLike[str], fmt: str, fps: float, frame_count: int,
                 scale: int = 1, smooth: bool = False, force: bool = False,
                 progress: Callable[[int, int], object] | None = None) -> Path:
    """Write every frame of ``frames`` (see FrameWriter) and return the path written.

    ``progress(done, total)`` is called after each frame, with ``total = frame_count``.
    """
    with FrameWriter(path, fmt, fps, frame_count, scale=scale, smooth=smooth, force=force) as writer:
        for frame in frames:
            writer.write(frame)
            if progress is not None:
                progress(writer.frames_written, frame_count)
    return writer.close()
