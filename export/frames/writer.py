"""FrameWriter: frames in, one safely written output out (see the package's docstring)."""

from __future__ import annotations

import math
import numbers
import os
import re
import shutil
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import cv2
import numpy as np

import workstation.media
from export.frames.encoders import FrameWriteError, GifEncoder, Mp4Encoder, PngEncoder
from workstation.media import MediaError
from workstation.safe_write import OutputExists, output_file, output_folder

FORMATS = ("png", "mp4", "gif")
FRAME_PATTERN = re.compile(r"frame_\d+\.png")
MAX_SIDE = 16384  # pixels, either side of a written frame
GIF_MAX_BYTES = 2 << 30  # a GIF is encoded from all its frames at once, held in memory


class _Aborted(Exception):
    """Thrown into the output's context to discard it without another error."""


def _check_format(path: str | os.PathLike[str], fmt: object) -> str:
    name = fmt.lower().lstrip(".") if isinstance(fmt, str) else fmt
    if not isinstance(name, str) or name not in FORMATS:
        raise FrameWriteError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", os.fspath(path))
    return name


def _whole_number(value: object) -> int | None:
    """``value`` as an int if it is an integral number (a Python or numpy int, not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def output_exists(path: str | os.PathLike[str], fmt: str) -> bool:
    """Whether writing ``fmt`` at ``path`` would replace something.

    png: the folder exists and is not empty (or something other than a folder is there);
    mp4/gif: anything exists at the path.
    """
    target = Path(path)
    if _check_format(target, fmt) == "png" and target.is_dir():
        return any(target.iterdir())
    return target.exists() or target.is_symlink()


def output_size(path: Path, fmt: str, frame_size: tuple[int, int], scale: int, frame_count: int) -> tuple[int, int]:
    """(width, height) of the images written for frames of ``frame_size`` (height, width); refuses
    sizes over MAX_SIDE, and a GIF too large to hold in memory, before anything is allocated."""
    height, width = frame_size
    out_height, out_width = height * scale, width * scale
    if fmt == "mp4":  # H.264 in yuv420p needs even sides
        out_height, out_width = out_height + out_height % 2, out_width + out_width % 2
    if max(out_height, out_width) > MAX_SIDE:
        largest = max(1, MAX_SIDE // max(height, width))
        raise FrameWriteError(f"{width}x{height} frames scaled {scale}x would be {out_width}x{out_height} pixels; "
                              f"the limit is {MAX_SIDE} a side (a scale of at most {largest})", path)
    if fmt == "gif" and frame_count * out_width * out_height * 3 > GIF_MAX_BYTES:
        need = frame_count * out_width * out_height * 3 / 2**30
        raise FrameWriteError(f"a GIF of {frame_count} frames of {out_width}x{out_height} would need {need:.3g} GiB "
                              f"of memory to encode (at most {GIF_MAX_BYTES / 2**30:g}); render fewer frames "
                              f"(--range), a smaller scale, or mp4 or png", path)
    return out_width, out_height


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _carry_over(old: Path, stage: Path) -> None:
    """Everything in the old PNG folder that is not a frame moves into the new one (hard links, or
    copies where the filesystem has none), so replacing the frames loses nothing else."""
    for entry in old.iterdir():
        if FRAME_PATTERN.fullmatch(entry.name) and (entry.is_file() or entry.is_symlink()):
            continue
        destination = stage / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), destination)
        elif entry.is_dir():
            shutil.copytree(entry, destination, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(entry), str(destination))


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, outermost first."""
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()][::-1]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


class FrameWriter:
    """Writes frames one at a time; use as a context manager.

    The output is claimed and a temporary (a staging folder for PNG) opened at construction, so a
    busy, existing or unwritable output is refused before any rendering. Leaving the ``with`` block
    normally finishes it (``close``): encode, fsync, read back, rename into place. On an exception
    the temporary is removed and the previous output is left as it was.
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str, fps: float, frame_count: int, scale: int = 1,
                 smooth: bool = False, force: bool = False, frame_size: tuple[int, int] | None = None):
        self.path = Path(path)
        self.fmt = _check_format(self.path, fmt)
        try:
            rate = float(fps)
        except (TypeError, ValueError):
            raise FrameWriteError(f"fps must be a number, got {fps!r}", self.path) from None
        if not math.isfinite(rate) or rate <= 0:
            raise FrameWriteError(f"fps must be a positive number, got {rate}", self.path)
        whole_scale, whole_count = _whole_number(scale), _whole_number(frame_count)
        if whole_scale is None or whole_scale < 1:
            raise FrameWriteError(f"scale must be a whole number of at least 1, got {scale!r}", self.path)
        if whole_scale > MAX_SIDE:
            raise FrameWriteError(f"scale {whole_scale} would make frames over the limit of {MAX_SIDE} pixels a side",
                                  self.path)
        if whole_count is None or whole_count < 0:
            raise FrameWriteError(f"frame_count must be a whole number of at least 0, got {frame_count!r}", self.path)
        self.fps = rate
        self.frame_count = whole_count
        self.scale = whole_scale
        self.smooth = bool(smooth)
        self.force = bool(force)

        self.frames_written = 0
        self.input_size: tuple[int, int] | None = None  # (height, width) of the frames given
        self.output_size: tuple[int, int] | None = None  # (width, height) of the images written
        if frame_size is not None:
            output_size(self.path, self.fmt, frame_size, self.scale, self.frame_count)
        self._closed = False
        self._created: list[Path] = []  # parent folders this writer made (PNG), removed again on failure
        self._output: AbstractContextManager[Path] | None = None
        self._encoder: PngEncoder | Mp4Encoder | GifEncoder
        self._open()

    # -- setup -------------------------------------------------------------------------------

    def _open(self) -> None:
        if self.fmt == "png":
            if self.path.exists() and not self.path.is_dir():
                raise FrameWriteError("exists and is not a folder; PNG frames are written into a folder", self.path)
            overwrite = self.force or not output_exists(self.path, "png")
            try:
                self._created = _make_parents(self.path.parent)
            except OSError as error:
                raise FrameWriteError(f"cannot create its folder ({error.strerror or error})", self.path) from None
            self._output = output_folder(self.path, overwrite=overwrite, verify=self._verify_folder)
        else:
            if self.path.is_dir():
                raise FrameWriteError(f"is a folder; an {self.fmt.upper()} output must be a file path", self.path)
            self._output = output_file(self.path, overwrite=self.force, verify=self._verify_file)
        try:
            temporary = self._output.__enter__()
        except OutputExists:
            self._output = None
            self._remove_created()
            raise FrameWriteError("exists; pass --force to overwrite it", self.path) from None
        except BaseException:
            self._output = None
            self._remove_created()
            raise
        try:
            if self.fmt == "png":
                self._encoder = PngEncoder(self.path, temporary, self.frame_count)
            elif self.fmt == "mp4":
                self._encoder = Mp4Encoder(self.path, temporary, self.fps)
            else:
                self._encoder = GifEncoder(self.path, temporary, self.fps)
        except BaseException as error:
            self._discard(error)
            raise

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()
            except OSError:
                break
        self._created = []

    # -- frames ------------------------------------------------------------------------------

    def _to_image(self, frame: np.ndarray) -> np.ndarray:
        """[C, H, W] float in [0, 1] -> [H*scale(+pad), W*scale(+pad)(, C)] uint8: RGB (C 3) as BGR,
        straight RGBA (C 4, PNG only) as BGRA, one grey channel (C 1) as grey (as BGR in a video)."""
        array = np.asarray(frame)
        if array.ndim != 3 or array.shape[0] not in (1, 3, 4) or array.shape[1] < 1 or array.shape[2] < 1:
            raise FrameWriteError("a frame must be a [3, H, W] RGB, [4, H, W] RGBA or [1, H, W] grey array, "
                                  f"got shape {tuple(array.shape)}", self.path)
        if array.shape[0] == 4 and self.fmt != "png":
            raise FrameWriteError(f"{self.fmt.upper()} has no alpha channel; write RGBA frames as png", self.path)
        if not np.issubdtype(array.dtype, np.floating):
            raise FrameWriteError(f"a frame must be a float array in [0, 1], got dtype {array.dtype}", self.path)
        size = (int(array.shape[1]), int(array.shape[2]))
        if self.input_size is None:
            output_size(self.path, self.fmt, size, self.scale, self.frame_count)  # before allocating
            self.input_size = size
        elif size != self.input_size:
            raise FrameWriteError(f"frame {self.frames_written} is {size[0]}x{size[1]} (HxW) but earlier frames are "
                                  f"{self.input_size[0]}x{self.input_size[1]}; all frames must share one size",
                                  self.path)
        rgb: np.ndarray = np.nan_to_num(np.ascontiguousarray(array.transpose(1, 2, 0), dtype=np.float32), nan=0.0)
        height, width = size
        target = (width * self.scale, height * self.scale)
        if self.scale > 1 and self.smooth:
            rgb = cv2.resize(rgb, target, interpolation=cv2.INTER_CUBIC)
        image = np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)
        if self.scale > 1 and not self.smooth:
            image = cv2.resize(image, target, interpolation=cv2.INTER_NEAREST)
        if image.ndim == 2 or image.shape[2] == 1:
            image = image.reshape(image.shape[:2])
            if self.fmt != "png":
                image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        else:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR if image.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
        if self.fmt == "mp4":
            pad_bottom, pad_right = image.shape[0] % 2, image.shape[1] % 2
            if pad_bottom or pad_right:
                image = cv2.copyMakeBorder(image, 0, pad_bottom, 0, pad_right, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        return image

    def write(self, frame: np.ndarray) -> None:
        """Add one float32 frame in [0, 1]: [3, H, W] RGB, [4, H, W] straight RGBA (png) or [1, H, W]
        grey. A bad frame is refused (the writer stays
        usable); a failure to write discards the output."""
        if self._closed:
            raise FrameWriteError("the frame writer is already closed", self.path)
        image = self._to_image(frame)
        if self.fmt == "gif" and (self.frames_written + 1) * image.nbytes > GIF_MAX_BYTES:
            self._fail(FrameWriteError(f"the GIF's frames would need over {GIF_MAX_BYTES / 2**30:g} GiB of memory to "
                                       "encode; render fewer frames, or mp4 or png", self.path))
        try:
            self._encoder.add(image)
        except BaseException as error:
            self._fail(error)
        self.output_size = (image.shape[1], image.shape[0])
        self.frames_written += 1

    # -- finishing ---------------------------------------------------------------------------

    def close(self) -> Path:
        """Finish the output and return the path written (the folder for png). Idempotent."""
        if self._closed:
            return self.path
        try:
            if self.frames_written == 0:
                raise FrameWriteError("no frames were written", self.path)
            self._encoder.finish()
            if isinstance(self._encoder, PngEncoder) and self.path.is_dir():
                _carry_over(self.path, self._encoder.folder)
        except BaseException as error:
            self._fail(error)
        output, self._output = self._output, None
        self._closed = True
        assert output is not None
        try:
            output.__exit__(None, None, None)  # fsync, verify, rename into place
        except BaseException:
            self._remove_created()
            raise
        return self.path

    def _verify_file(self, temporary: Path) -> None:
        """The new MP4/GIF, read back by the project's own reader, has every frame at its size."""
        try:
            info = workstation.media.probe(temporary)
        except MediaError as error:
            problem = str(error).removeprefix(f"{temporary}: ")
            raise FrameWriteError(f"the new {self.fmt.upper()} does not read back ({problem})", self.path) from None
        expected = (self.frames_written, self.output_size)
        if (info.frame_count, (info.width, info.height)) != expected:
            size = self.output_size or (0, 0)
            raise FrameWriteError(f"the new {self.fmt.upper()} reads back as {info.frame_count} frames of "
                                  f"{info.width}x{info.height}, not {self.frames_written} of {size[0]}x{size[1]}",
                                  self.path)

    def _verify_folder(self, stage: Path) -> None:
        """Every frame written is in the new folder (beside what was carried over)."""
        assert isinstance(self._encoder, PngEncoder)
        missing = [name for name in self._encoder.names if not (stage / name).is_file()]
        if missing:
            raise FrameWriteError(f"{len(missing)} of the {self.frames_written} frames written are missing from the "
                                  f"new folder (the first: {missing[0]})", self.path)

    def _fail(self, error: BaseException) -> NoReturn:
        """Discard the output because of ``error`` and raise what that comes to (an OSError becomes
        an OutputError naming the output and the reason)."""
        self._discard(error)
        raise error

    def _discard(self, error: BaseException) -> None:
        """Drop everything unfinished; the target itself is never touched."""
        self._closed = True
        encoder = getattr(self, "_encoder", None)
        if encoder is not None:
            encoder.abort()
        output, self._output = self._output, None
        try:
            if output is not None:
                output.__exit__(type(error), error, error.__traceback__)
        finally:
            self._remove_created()

    def abort(self) -> None:
        """Stop without finishing: remove the temporary, leave the target as it was."""
        if not self._closed:
            self._discard(_Aborted())

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self.close()
        elif not self._closed:
            self._discard(exc)


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
