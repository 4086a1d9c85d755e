"""The three encoders behind FrameWriter. Each fills a path that ``workstation.safe_write`` gave it
(a temporary file, or a staging folder for PNG) and writes every byte through Python's own files,
so a full or read-only disk is an ``OSError`` at the write that failed, never a silently short file.

* PNG: each frame encoded in memory (``cv2.imencode``) and written as ``frame_0000.png`` ...
* MP4: H.264 (libx264, yuv420p) muxed by PyAV (FFmpeg) into a Python file object; PyAV reports the
  failing write (OpenCV's ``VideoWriter`` reported none: issue 12, a full disk gave a video with no
  index and exit code 0).
* GIF: ``cv2.imencodeanimation`` (all frames at once, as GIF needs them) into bytes, then written.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
import cv2
import numpy as np
from av.error import FFmpegError

from workstation.errors import StopframeError

MP4_CODEC = "libx264"
MP4_OPTIONS = {"crf": "18", "preset": "ultrafast", "tune": "zerolatency"}  # near-lossless, as fast as mp4v was
GIF_PARAMS = [
    cv2.IMWRITE_GIF_DITHER, 3,  # light Floyd-Steinberg dithering, then the octree palette
    cv2.IMWRITE_GIF_COLORTABLE, 1,  # a palette per frame
    cv2.IMWRITE_GIF_TRANSPARENCY, 0,  # opaque: no palette entry reserved for transparency
]
GIF_MIN_DURATION_MS = 10


class FrameWriteError(StopframeError, RuntimeError):
    """Frames cannot be written; one line naming the output and the problem."""


def frame_name(index: int, frame_count: int) -> str:
    """File name of frame ``index`` in a PNG folder of ``frame_count`` frames."""
    width = max(4, len(str(max(int(frame_count), 0))))
    return f"frame_{index:0{width}d}.png"


def _write_all(stream: IO[bytes], data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if written is None:  # a raw stream that would block: not ours
            raise OSError(f"short write of {len(view)} bytes")
        view = view[written:]


class PngEncoder:
    """Frames as ``frame_<n>.png`` files in ``folder``."""

    def __init__(self, target: Path, folder: Path, frame_count: int):
        self.target, self.folder, self.frame_count = target, folder, frame_count
        self.names: list[str] = []

    def add(self, image: np.ndarray) -> None:
        name = frame_name(len(self.names), self.frame_count)
        ok, data = cv2.imencode(".png", image)
        if not ok:
            raise FrameWriteError(f"OpenCV could not encode {name} as PNG", self.target)
        with open(self.folder / name, "wb") as stream:
            _write_all(stream, data.tobytes())
        self.names.append(name)

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass


def _ffmpeg_failure(error: Exception) -> OSError | FrameWriteError:
    """What a PyAV error means: the OSError of a failed write (PyAV wraps ours in a callback error),
    else FFmpeg's own description."""
    inner = error.__context__ or error.__cause__
    if isinstance(inner, OSError) and not isinstance(inner, FFmpegError):
        return OSError(inner.errno, inner.strerror or str(inner))
    errno_value = getattr(error, "errno", None)
    if isinstance(error, OSError) and isinstance(errno_value, int) and 0 < errno_value < 4096:
        return OSError(errno_value, os.strerror(errno_value))
    return FrameWriteError(f"FFmpeg could not write the MP4 ({error})")


class Mp4Encoder:
    """H.264 in MP4 through PyAV; frames must have an even width and height."""

    def __init__(self, target: Path, temporary: Path, fps: float):
        self.target = target
        self.rate = Fraction(fps).limit_denominator(1001)
        self._file: IO[bytes] | None = open(temporary, "wb")
        try:
            self._container = av.open(self._file, "w", format="mp4")
        except (FFmpegError, OSError) as error:
            self.abort()
            raise self._failure(error) from None
        self._stream: av.VideoStream | None = None
        self._count = 0

    def _failure(self, error: Exception) -> Exception:
        failure = _ffmpeg_failure(error)
        if isinstance(failure, FrameWriteError):
            return FrameWriteError(failure.problem, self.target)
        return failure

    def add(self, image: np.ndarray) -> None:
        try:
            stream = self._stream
            if stream is None:
                added = self._container.add_stream(MP4_CODEC, rate=self.rate, options=dict(MP4_OPTIONS))
                assert isinstance(added, av.VideoStream)
                added.height, added.width = image.shape[:2]
                added.pix_fmt = "yuv420p"
                self._stream = stream = added
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = self._count
            frame.time_base = 1 / self.rate
            self._container.mux(stream.encode(frame))
            self._count += 1
        except (FFmpegError, OSError, ValueError) as error:  # ValueError: e.g. an unknown codec
            raise self._failure(error) from None

    def finish(self) -> None:
        try:
            if self._stream is not None:
                self._container.mux(self._stream.encode(None))  # flush the encoder's delayed frames
            self._container.close()
            if self._file is not None:
                self._file.close()
                self._file = None
        except (FFmpegError, OSError) as error:
            self.abort()
            raise self._failure(error) from None

    def abort(self) -> None:
        for close in (getattr(self, "_container", None), self._file):
            if close is not None:
                try:
                    close.close()
                except Exception:  # noqa: BLE001 - already failing; the temporary is removed by safe_write
                    pass
        self._file = None


class GifEncoder:
    """A looping GIF: frames buffered (8-bit, after scaling), encoded at the end."""

    def __init__(self, target: Path, temporary: Path, fps: float):
        self.target, self.temporary = target, temporary
        self.duration = max(GIF_MIN_DURATION_MS, round(1000.0 / fps))
        self.frames: list[np.ndarray] = []

    def add(self, image: np.ndarray) -> None:
        self.frames.append(image)

    def finish(self) -> None:
        animation = cv2.Animation()
        animation.frames = self.frames
        animation.durations = [self.duration] * len(self.frames)
        animation.loop_count = 0  # loop forever
        try:
            ok, data = cv2.imencodeanimation(".gif", animation, GIF_PARAMS)
        except cv2.error as error:
            raise FrameWriteError(f"OpenCV could not encode the GIF ({error})", self.target) from None
        if not ok:
            raise FrameWriteError("OpenCV could not encode the GIF", self.target)
        self.frames = []
        with open(self.temporary, "wb") as stream:
            _write_all(stream, np.asarray(data).tobytes())

    def abort(self) -> None:
        self.frames = []
