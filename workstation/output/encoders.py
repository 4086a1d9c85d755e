"""What every encoder behind FrameWriter does, and the two built on OpenCV alone (PNG folder, GIF).

An encoder fills a path that ``workstation.kernel.safe_write`` gave it (a temporary file, or a staging
folder for PNG) and writes every byte through Python's own files, so a full or read-only disk is an
``OSError`` at the write that failed, never a silently short file. ``verify`` reads the temporary
back before it replaces the target. The PyAV encoders are in ``video.py``, the sprite sheet in
``sprite_sheet.py``.

* PNG: each frame encoded in memory (``cv2.imencode``) and written as ``frame_0000.png`` ...
* GIF: ``cv2.imencodeanimation`` (all frames at once, as GIF needs them) into bytes, then written.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import IO, NamedTuple

import cv2
import numpy as np

import workstation.media
from workstation.media import MediaError
from workstation.output.formats import FrameWriteError

GIF_PARAMS = [
    cv2.IMWRITE_GIF_DITHER, 3,  # light Floyd-Steinberg dithering, then the octree palette
    cv2.IMWRITE_GIF_COLORTABLE, 1,  # a palette per frame
    cv2.IMWRITE_GIF_TRANSPARENCY, 0,  # opaque: no palette entry reserved for transparency
]
GIF_MIN_DURATION_MS = 10
FRAME_PATTERN = re.compile(r"frame_\d+\.png")  # what a PNG folder's frames are named; the rest is the user's
GIF_MAX_BYTES = 2 << 30  # a GIF is encoded from all its frames at once, held in memory


def frame_name(index: int, frame_count: int) -> str:
    """File name of frame ``index`` in a PNG folder of ``frame_count`` frames."""
    width = max(4, len(str(max(int(frame_count), 0))))
    return f"frame_{index:0{width}d}.png"


def write_all(stream: IO[bytes], data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if written is None:  # a raw stream that would block: not ours
            raise OSError(f"short write of {len(view)} bytes")
        view = view[written:]


class ReadBack(NamedTuple):
    """What a written file holds, as a reader found it."""

    frames: int
    width: int
    height: int
    alpha: bool  # its images decode with an alpha channel


def read_with_media(path: Path, target: Path, what: str) -> ReadBack:
    """``path`` read back by the project's own reader (``workstation.media.probe``, OpenCV: RGB)."""
    try:
        info = workstation.media.probe(path)
    except MediaError as error:
        problem = str(error).removeprefix(f"{path}: ")
        raise FrameWriteError(f"the new {what} does not read back ({problem})", target) from None
    return ReadBack(info.frame_count, info.width, info.height, alpha=False)


class Encoder:
    """Takes 8-bit images one at a time (``add``), completes the temporary (``finish``), checks it
    (``verify``, before the rename) or drops what it holds (``abort``)."""

    what = ""  # the output in messages: "the new MP4"

    def __init__(self, target: Path):
        self.target = target
        self.frames = 0
        self.size = (0, 0)  # (width, height) of the images given

    def add(self, image: np.ndarray) -> None:
        self.encode(image)
        self.frames += 1
        self.size = (int(image.shape[1]), int(image.shape[0]))

    def encode(self, image: np.ndarray) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass

    def verify(self, temporary: Path) -> None:
        pass

    def abort(self) -> None:
        pass

    def check(self, found: ReadBack, alpha: bool = False) -> None:
        """The file read back holds every frame, at its size (and with alpha where ``alpha``)."""
        width, height = self.size
        if (found.frames, found.width, found.height) != (self.frames, width, height):
            raise FrameWriteError(f"the new {self.what} reads back as {found.frames} frames of "
                                  f"{found.width}x{found.height}, not {self.frames} of {width}x{height}", self.target)
        if alpha and not found.alpha:
            raise FrameWriteError(f"the new {self.what} reads back without its alpha channel", self.target)


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def carry_over(old: Path, stage: Path) -> None:
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


class PngEncoder(Encoder):
    """Frames as ``frame_<n>.png`` files in ``folder``; what else the target folder holds is
    carried over into it at the end."""

    what = "PNG folder"

    def __init__(self, target: Path, folder: Path, frame_count: int):
        super().__init__(target)
        self.folder, self.frame_count = folder, frame_count
        self.names: list[str] = []

    def encode(self, image: np.ndarray) -> None:
        name = frame_name(len(self.names), self.frame_count)
        ok, data = cv2.imencode(".png", image)
        if not ok:
            raise FrameWriteError(f"OpenCV could not encode {name} as PNG", self.target)
        with open(self.folder / name, "wb") as stream:
            write_all(stream, data.tobytes())
        self.names.append(name)

    def finish(self) -> None:
        if self.target.is_dir():
            carry_over(self.target, self.folder)

    def verify(self, temporary: Path) -> None:
        """Every frame written is in the new folder (beside what was carried over)."""
        missing = [name for name in self.names if not (temporary / name).is_file()]
        if missing:
            raise FrameWriteError(f"{len(missing)} of the {self.frames} frames written are missing from the "
                                  f"new folder (the first: {missing[0]})", self.target)


class GifEncoder(Encoder):
    """A looping GIF: frames buffered (8-bit BGR, after scaling), encoded at the end."""

    what = "GIF"

    def __init__(self, target: Path, temporary: Path, fps: float):
        super().__init__(target)
        self.temporary = temporary
        self.duration = max(GIF_MIN_DURATION_MS, round(1000.0 / fps))
        self.images: list[np.ndarray] = []

    def encode(self, image: np.ndarray) -> None:
        if (len(self.images) + 1) * image.nbytes > GIF_MAX_BYTES:
            raise FrameWriteError(f"the GIF's frames would need over {GIF_MAX_BYTES / 2**30:g} GiB of memory to "
                                  "encode; render fewer frames, or mp4 or png", self.target)
        self.images.append(image)

    def finish(self) -> None:
        animation = cv2.Animation()
        animation.frames = self.images
        animation.durations = [self.duration] * len(self.images)
        animation.loop_count = 0  # loop forever
        try:
            with workstation.media.quiet():  # OpenCV logs its own failure; the line below says it once
                ok, data = cv2.imencodeanimation(".gif", animation, GIF_PARAMS)
        except cv2.error as error:
            raise FrameWriteError(f"OpenCV could not encode the GIF ({error})", self.target) from None
        if not ok:
            raise FrameWriteError("OpenCV could not encode the GIF", self.target)
        self.images = []
        with open(self.temporary, "wb") as stream:
            write_all(stream, np.asarray(data).tobytes())

    def verify(self, temporary: Path) -> None:
        self.check(read_with_media(temporary, self.target, self.what))

    def abort(self) -> None:
        self.images = []
