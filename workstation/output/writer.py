"""FrameWriter: frames in, one safely written output out (see the package's docstring)."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import numpy as np

from workstation.kernel.safe_write import output_file, output_folder
from workstation.output.encoders import GIF_MAX_BYTES, Encoder, GifEncoder, PngEncoder
from workstation.output.engine_data import SheetPlan
from workstation.output.formats import ALPHA_FORMATS, FORMAT_INFO, MAX_SIDE, FrameWriteError, check_format
from workstation.output.pixels import Channels, to_image
from workstation.output.sprite_sheet import SheetFiles, SpriteSheetEncoder, sheet_layout, sheet_output, sheet_paths
from workstation.output.video import EVEN_SIDED, VIDEO_FORMATS, VideoEncoder


class _Aborted(Exception):
    """Thrown into the output's context to discard it without another error."""


def _whole_number(value: object) -> int | None:
    """``value`` as an int if it is an integral number (a Python or numpy int, not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def output_exists(path: str | os.PathLike[str], fmt: str) -> bool:
    """Whether writing ``fmt`` at ``path`` would replace something.

    png: the folder exists and is not empty (or something other than a folder is there);
    sprites: the atlas, its JSON or its .tres exists; the others: anything exists at the path.
    """
    target = Path(path)
    name = check_format(fmt, target)
    if name == "png" and target.is_dir():
        return any(target.iterdir())
    paths = sheet_paths(target) if name == "sprites" else (target,)
    return any(each.exists() or each.is_symlink() for each in paths)


def output_size(path: Path, fmt: str, frame_size: tuple[int, int], frame_count: int) -> tuple[int, int]:
    """(width, height) of the images written for frames of ``frame_size`` (height, width): the frames'
    own size, padded to even sides where the format needs them. Refuses frames over MAX_SIDE a side,
    a GIF too large to hold in memory and a sprite sheet's atlas over MAX_SIDE, before anything is
    allocated."""
    height, width = frame_size
    if min(height, width) < 1:
        raise FrameWriteError(f"{width}x{height} frames cannot be written; a frame is at least 1x1", path)
    if max(height, width) > MAX_SIDE:
        raise FrameWriteError(f"{width}x{height} frames are too large to write; the limit is {MAX_SIDE} a side",
                              path)
    out_height, out_width = height, width
    if fmt in EVEN_SIDED:  # yuv420p needs even sides
        out_height, out_width = out_height + out_height % 2, out_width + out_width % 2
    if fmt == "gif" and frame_count * out_width * out_height * 3 > GIF_MAX_BYTES:
        need = frame_count * out_width * out_height * 3 / 2**30
        raise FrameWriteError(f"a GIF of {frame_count} frames of {out_width}x{out_height} would need {need:.3g} GiB "
                              f"of memory to encode (at most {GIF_MAX_BYTES / 2**30:g}); render fewer frames, "
                              f"a smaller size, or mp4 or png", path)
    if fmt == "sprites":
        sheet_layout(frame_count, out_width, out_height, path)
    return out_width, out_height


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
    the temporary is removed and the previous output is left as it was. An output already there is
    refused (``OutputExists``, naming it) unless ``force``.

    Frames are written at the size they come (only padded to even sides where the format needs
    them). ``frame_size`` (height, width), when known, is the size of the frames to come: it is
    checked (``output_size``) before the output is claimed, and every frame must have it. ``sheet``
    (sprites only) names a sprite sheet's animations and its enlargement (``engine_data.SheetPlan``;
    without it, one animation named after the atlas, frames numbered from 0, unscaled).
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str, fps: float, frame_count: int, force: bool = False,
                 frame_size: tuple[int, int] | None = None, sheet: SheetPlan | None = None):
        self.path = Path(path)
        self.fmt = check_format(fmt, self.path)
        self.info = FORMAT_INFO[self.fmt]
        try:
            rate = float(fps)
        except (TypeError, ValueError):
            raise FrameWriteError(f"fps must be a number, got {fps!r}", self.path) from None
        if not math.isfinite(rate) or rate <= 0:
            raise FrameWriteError(f"fps must be a positive number, got {rate}", self.path)
        whole_count = _whole_number(frame_count)
        if whole_count is None or whole_count < 0:
            raise FrameWriteError(f"frame_count must be a whole number of at least 0, got {frame_count!r}", self.path)
        self.fps = rate
        self.frame_count = whole_count
        self.force = bool(force)
        if sheet is not None and self.fmt != "sprites":
            raise FrameWriteError(f"{self.fmt} has no animations to name; only a sprite sheet has", self.path)
        if sheet is not None and sheet.frame_count != whole_count:
            raise FrameWriteError(f"the sheet's animations hold {sheet.frame_count} frames, not {whole_count}",
                                  self.path)
        self.sheet = sheet

        self.frames_written = 0
        self.input_size: tuple[int, int] | None = None  # (height, width) of the frames, announced or first given
        self.output_size: tuple[int, int] | None = None  # (width, height) of the images written
        if frame_size is not None:
            size = (int(frame_size[0]), int(frame_size[1]))
            output_size(self.path, self.fmt, size, self.frame_count)
            self.input_size = size
        self._closed = False
        self._created: list[Path] = []  # parent folders this writer made (PNG), removed again on failure
        self._output: AbstractContextManager[Path] | AbstractContextManager[SheetFiles] | None = None
        self._encoder: Encoder
        self._open()

    # -- setup -------------------------------------------------------------------------------

    def _open(self) -> None:
        self._output = self._claim()
        try:
            temporary = self._output.__enter__()
        except BaseException:
            self._output = None
            self._remove_created()
            raise
        try:
            self._encoder = self._make_encoder(temporary)
        except BaseException as error:
            self._discard(error)
            raise

    def _claim(self) -> AbstractContextManager[Path] | AbstractContextManager[SheetFiles]:
        """The output's context: entering it claims the output and makes its temporary."""
        if self.fmt == "png":
            if self.path.exists() and not self.path.is_dir():
                raise FrameWriteError("exists and is not a folder; PNG frames are written into a folder", self.path)
            overwrite = self.force or not output_exists(self.path, "png")
            try:
                self._created = _make_parents(self.path.parent)
            except OSError as error:
                raise FrameWriteError(f"cannot create its folder ({error.strerror or error})", self.path) from None
            return output_folder(self.path, overwrite=overwrite, verify=self._verify)
        if self.path.is_dir():
            raise FrameWriteError(f"is a folder; the {self.fmt} format writes a file there", self.path)
        if self.fmt == "sprites":
            return sheet_output(self.path, overwrite=self.force, verify=self._verify)
        return output_file(self.path, overwrite=self.force, verify=self._verify)

    def _make_encoder(self, temporary: Path | SheetFiles) -> Encoder:
        if isinstance(temporary, SheetFiles):
            return SpriteSheetEncoder(self.path, temporary, self.fps, self.sheet)
        if self.fmt == "png":
            return PngEncoder(self.path, temporary, self.frame_count)
        if self.fmt == "gif":
            return GifEncoder(self.path, temporary, self.fps)
        return VideoEncoder(self.path, temporary, self.fps, VIDEO_FORMATS[self.fmt], self.fmt.upper())

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()
            except OSError:
                break
        self._created = []

    # -- frames ------------------------------------------------------------------------------

    def _to_image(self, frame: np.ndarray) -> np.ndarray:
        """A checked [C, H, W] float frame as the 8-bit image the encoder takes (``pixels.to_image``)."""
        array = np.asarray(frame)
        if array.ndim != 3 or array.shape[0] not in (1, 3, 4) or array.shape[1] < 1 or array.shape[2] < 1:
            raise FrameWriteError("a frame must be a [3, H, W] RGB, [4, H, W] RGBA or [1, H, W] grey array, "
                                  f"got shape {tuple(array.shape)}", self.path)
        if array.shape[0] == 4 and not self.info.alpha:
            raise FrameWriteError(f"{self.fmt.upper()} has no alpha channel; write RGBA frames as one of "
                                  f"{', '.join(ALPHA_FORMATS)}", self.path)
        if not np.issubdtype(array.dtype, np.floating):
            raise FrameWriteError(f"a frame must be a float array in [0, 1], got dtype {array.dtype}", self.path)
        size = (int(array.shape[1]), int(array.shape[2]))
        if self.input_size is None:
            output_size(self.path, self.fmt, size, self.frame_count)  # before allocating
            self.input_size = size
        elif size != self.input_size:
            others = "earlier frames are" if self.frames_written else "the frames announced are"
            raise FrameWriteError(f"frame {self.frames_written} is {size[1]}x{size[0]} but {others} "
                                  f"{self.input_size[1]}x{self.input_size[0]}; all frames must share one size",
                                  self.path)
        channels: Channels = "keep" if self.fmt == "png" else "bgra" if self.info.alpha else "bgr"
        return to_image(array, channels, even_sides=self.fmt in EVEN_SIDED)

    def write(self, frame: np.ndarray) -> None:
        """Add one float32 frame in [0, 1]: [3, H, W] RGB, [4, H, W] straight RGBA (formats with
        alpha) or [1, H, W] grey. A bad frame is refused (the writer stays usable); a failure to
        write discards the output."""
        if self._closed:
            raise FrameWriteError("the frame writer is already closed", self.path)
        image = self._to_image(frame)
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

    def _verify(self, temporary: Path) -> None:
        """The new output, read back, holds what was written (each encoder says how it checks)."""
        self._encoder.verify(temporary)

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
                 force: bool = False, progress: Callable[[int, int], object] | None = None) -> Path:
    """Write every frame of ``frames``, at its own size (see FrameWriter), and return the path written.

    ``progress(done, total)`` is called after each frame, with ``total = frame_count``.
    """
    with FrameWriter(path, fmt, fps, frame_count, force=force) as writer:
        for frame in frames:
            writer.write(frame)
            if progress is not None:
                progress(writer.frames_written, frame_count)
    return writer.close()
