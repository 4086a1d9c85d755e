"""The formats FrameWriter writes, as one table a user interface can list.

    for info in FORMAT_INFO.values():
        add_choice(info.label, info.extension, info.alpha)

``FORMAT_INFO`` maps each format's name (the ``fmt`` FrameWriter and ``stopframe render --format``
take) to a ``FrameFormat``: the label a user reads, the extension its output path takes (none for
``png``, whose output is a folder), whether RGBA frames keep their alpha (the others refuse them),
and the extension of a second file written beside the output (the sprite sheet's JSON).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType

from workstation.kernel.errors import StopframeError

MAX_SIDE = 16384  # pixels, either side of a written image (a frame, or a sprite sheet's atlas)


class FrameWriteError(StopframeError, RuntimeError):
    """Frames cannot be written; one line naming the output and the problem."""


@dataclass(frozen=True)
class FrameFormat:
    name: str
    label: str
    extension: str  # of the output path, with its dot; "" where the output is a folder
    alpha: bool  # straight RGBA frames keep their alpha; without it RGBA frames are refused
    folder: bool = False  # the output is a folder of images rather than one file
    sidecar: str = ""  # extension of the second file written beside the output ("" for none)


FORMAT_INFO = MappingProxyType({info.name: info for info in (
    FrameFormat("png", "PNG frames (a folder)", "", alpha=True, folder=True),
    FrameFormat("mp4", "H.264 video (.mp4)", ".mp4", alpha=False),
    FrameFormat("gif", "Animated GIF (.gif)", ".gif", alpha=False),
    FrameFormat("mov", "ProRes 4444 with alpha (.mov)", ".mov", alpha=True),
    FrameFormat("webm", "VP9 with alpha (.webm)", ".webm", alpha=True),
    FrameFormat("apng", "Animated PNG (.png)", ".png", alpha=True),
    FrameFormat("webp", "Animated WebP (.webp)", ".webp", alpha=True),
    FrameFormat("sprites", "Sprite sheet: PNG atlas and JSON (.png)", ".png", alpha=True, sidecar=".json"),
)})
FORMATS = tuple(FORMAT_INFO)
ALPHA_FORMATS = tuple(name for name, info in FORMAT_INFO.items() if info.alpha)


def check_format(fmt: object, path: str | os.PathLike[str] | None = None) -> str:
    """The format's name (``".MOV"`` is ``"mov"``), or a FrameWriteError listing the formats."""
    name = fmt.lower().lstrip(".") if isinstance(fmt, str) else fmt
    if not isinstance(name, str) or name not in FORMAT_INFO:
        raise FrameWriteError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", path)
    return name


def has_alpha(fmt: str) -> bool:
    """Whether ``fmt`` keeps the alpha of RGBA frames."""
    return FORMAT_INFO[check_format(fmt)].alpha


def extension(fmt: str) -> str:
    """The extension of ``fmt``'s output path (``".mov"``); ``""`` for a folder of PNG frames."""
    return FORMAT_INFO[check_format(fmt)].extension
