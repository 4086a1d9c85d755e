"""The encoders built on PyAV (FFmpeg): one class, ``VideoEncoder``, told by a ``VideoFormat`` which
muxer, encoder, pixel format and options to use, and how to read the result back.

Frames are muxed into a Python file object, so PyAV reports the failing write (OpenCV's
``VideoWriter`` reported none: issue 12, a full disk gave a video with no index and exit code 0).
Nothing is buffered here: each frame is encoded as it comes.

Reading back, before the rename: an MP4 by the project's own reader (``workstation.media``); MOV,
WebM and APNG by PyAV, decoding every frame, whose decoded pixel format must have alpha; WebP by
OpenCV, since FFmpeg 8.1 (in PyAV 18.1) has no decoder for animated WebP. FFmpeg's own ``vp9``
decoder, the one ``av.open`` picks for a WebM, ignores the alpha that VP9 stores beside each frame
(Matroska BlockAdditional): the packets go to ``av.codec.CodecContext.create("libvpx-vp9", "r")``
instead, which decodes ``yuva420p``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO, Literal

import av
import cv2
import numpy as np
from av.error import FFmpegError

from workstation.media import quiet
from workstation.output.encoders import Encoder, ReadBack, read_with_media
from workstation.output.formats import FrameWriteError

MP4_CODEC = "libx264"


@dataclass(frozen=True)
class VideoFormat:
    muxer: str  # FFmpeg's container format
    codec: str  # FFmpeg's encoder
    pix_fmt: str  # what the encoder stores; PyAV converts the BGR(A) images to it
    options: Mapping[str, str] = field(default_factory=dict)  # the encoder's
    muxer_options: Mapping[str, str] = field(default_factory=dict)
    alpha: bool = False  # BGRA images in, alpha stored and checked when read back
    even_sides: bool = False  # chroma subsampled (yuv420): odd sides are padded by one pixel
    reader: Literal["media", "pyav", "opencv"] = "pyav"
    decoder: str | None = None  # the decoder PyAV reads it back with; None: FFmpeg's default


VIDEO_FORMATS: dict[str, VideoFormat] = {
    # near-lossless, as fast as mp4v was
    "mp4": VideoFormat("mp4", MP4_CODEC, "yuv420p", {"crf": "18", "preset": "ultrafast", "tune": "zerolatency"},
                       even_sides=True, reader="media"),
    "mov": VideoFormat("mov", "prores_ks", "yuva444p10le", {"profile": "4444"}, alpha=True),
    "webm": VideoFormat("webm", "libvpx-vp9", "yuva420p",
                        {"crf": "18", "b": "0", "deadline": "good", "cpu-used": "5", "row-mt": "1"},
                        alpha=True, decoder="libvpx-vp9"),  # VP9 takes odd sides as they are
    "apng": VideoFormat("apng", "apng", "rgba", muxer_options={"plays": "0"}, alpha=True),  # plays 0: forever
    # lossless: every visible pixel exact (the colour under alpha 0 is not kept); level 1 of 6: fast
    "webp": VideoFormat("webp", "libwebp_anim", "bgra", {"lossless": "1", "compression_level": "1"},
                        muxer_options={"loop": "0"}, alpha=True, reader="opencv"),
}
EVEN_SIDED = frozenset(name for name, spec in VIDEO_FORMATS.items() if spec.even_sides)


def _ffmpeg_failure(error: Exception, what: str) -> OSError | FrameWriteError:
    """What a PyAV error means: the OSError of a failed write (PyAV wraps ours in a callback error),
    else FFmpeg's own description."""
    inner = error.__context__ or error.__cause__
    if isinstance(inner, OSError) and not isinstance(inner, FFmpegError):
        return OSError(inner.errno, inner.strerror or str(inner))
    errno_value = getattr(error, "errno", None)
    if isinstance(error, OSError) and isinstance(errno_value, int) and 0 < errno_value < 4096:
        return OSError(errno_value, os.strerror(errno_value))
    return FrameWriteError(f"FFmpeg could not write the {what} ({error})")


def read_with_pyav(path: Path, decoder: str | None) -> ReadBack:
    """Decode every frame of ``path``'s first video stream (with ``decoder``, else the stream's own)."""
    frames, width, height, alpha = 0, 0, 0, True
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = av.codec.CodecContext.create(decoder, "r") if decoder else stream.codec_context
        assert isinstance(context, av.VideoCodecContext)
        for packet in container.demux(stream):
            for frame in context.decode(packet):  # the demuxer's last, empty packet flushes the decoder
                assert isinstance(frame, av.VideoFrame)
                frames, width, height = frames + 1, frame.width, frame.height
                alpha = alpha and any(component.is_alpha for component in frame.format.components)
    return ReadBack(frames, width, height, alpha=alpha and frames > 0)


def read_animation_with_opencv(path: Path) -> ReadBack:
    """Decode every frame of an animation, keeping only the last one (OpenCV decodes an animated
    WebP in order: asking for the last frame decodes all of them)."""
    with quiet():
        count = cv2.imcount(str(path))
        ok, animation = cv2.imreadanimation(str(path), max(count - 1, 0), 1)
    if count < 1 or not ok or len(animation.frames) != 1:
        raise ValueError("OpenCV cannot decode it")
    last = animation.frames[0]
    return ReadBack(count, int(last.shape[1]), int(last.shape[0]), alpha=last.ndim == 3 and last.shape[2] == 4)


class VideoEncoder(Encoder):
    """One video or animation file, written by PyAV as ``spec`` says; frames are BGR images, BGRA
    where the format has alpha, with even sides where it needs them."""

    def __init__(self, target: Path, temporary: Path, fps: float, spec: VideoFormat, what: str):
        super().__init__(target)
        self.spec, self.what = spec, what
        self.rate = Fraction(fps).limit_denominator(1001)
        self._file: IO[bytes] | None = open(temporary, "wb")
        try:
            self._container = av.open(self._file, "w", format=spec.muxer, options=dict(spec.muxer_options))
        except (FFmpegError, OSError, ValueError) as error:
            self.abort()
            raise self._failure(error) from None
        self._stream: av.VideoStream | None = None
        # whether any frame is see-through anywhere: an encoder may drop an alpha channel that is
        # opaque everywhere (libwebp does), and then nothing was lost
        self.translucent = False

    def _failure(self, error: Exception) -> Exception:
        failure = _ffmpeg_failure(error, self.what)
        if isinstance(failure, FrameWriteError):
            return FrameWriteError(failure.problem, self.target)
        return failure

    def encode(self, image: np.ndarray) -> None:
        try:
            stream = self._stream
            if stream is None:
                added = self._container.add_stream(self.spec.codec, rate=self.rate, options=dict(self.spec.options))
                assert isinstance(added, av.VideoStream)
                added.height, added.width = image.shape[:2]
                added.pix_fmt = self.spec.pix_fmt
                self._stream = stream = added
            if image.shape[2] == 4 and not self.translucent:
                self.translucent = bool(image[..., 3].min() < 255)
            frame = av.VideoFrame.from_ndarray(image, format="bgra" if image.shape[2] == 4 else "bgr24")
            frame.pts = self.frames
            frame.time_base = 1 / self.rate
            self._container.mux(stream.encode(frame))
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
        except (FFmpegError, OSError, ValueError) as error:
            self.abort()
            raise self._failure(error) from None

    def verify(self, temporary: Path) -> None:
        if self.spec.reader == "media":
            self.check(read_with_media(temporary, self.target, self.what))
            return
        try:
            if self.spec.reader == "opencv":
                found = read_animation_with_opencv(temporary)
            else:
                found = read_with_pyav(temporary, self.spec.decoder)
        except (FFmpegError, IndexError, ValueError, cv2.error) as error:
            raise FrameWriteError(f"the new {self.what} does not read back ({error})", self.target) from None
        self.check(found, alpha=self.spec.alpha and self.translucent)

    def abort(self) -> None:
        for close in (getattr(self, "_container", None), self._file):
            if close is not None:
                try:
                    close.close()
                except Exception:  # noqa: BLE001 - already failing; the temporary is removed by safe_write
                    pass
        self._file = None
