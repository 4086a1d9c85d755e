"""The formats FrameWriter writes, as one enum and one table a user interface can list.

    for fmt, info in FORMAT_INFO.items():
        add_choice(info.label, fmt.value, info.alpha)

``OutputFormat`` names each format (what ``stopframe render --format`` takes and the Export dialogs
store; a ``StrEnum``, so ``"mov"`` and ``OutputFormat.MOV`` are equal). ``FORMAT_INFO`` maps each to
its ``FormatInfo``: the label a user reads, the extension its output path takes (none for ``png``,
whose output is a folder), whether RGBA frames keep their alpha (the others refuse them), and the
extensions of the files written beside the output (the sprite sheet's JSON and Godot resource).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from workstation.kernel.errors import StopframeError

MAX_SIDE = 16384  # pixels, either side of a written image (a frame, or a sprite sheet's atlas)


class FrameWriteError(StopframeError, RuntimeError):
    """Frames cannot be written; one line naming the output and the problem."""


class OutputFormat(StrEnum):
    """A format FrameWriter writes: PNG frames, a video, an animation or a sprite sheet."""

    PNG = "png"
    MP4 = "mp4"
    GIF = "gif"
    MOV = "mov"
    WEBM = "webm"
    APNG = "apng"
    WEBP = "webp"
    SPRITES = "sprites"


@dataclass(frozen=True)
class FormatInfo:
    label: str
    extension: str  # of the output path, with its dot; "" where the output is a folder
    alpha: bool  # straight RGBA frames keep their alpha; without it RGBA frames are refused
    folder: bool = False  # the output is a folder of images rather than one file
    sidecars: tuple[str, ...] = ()  # extensions of the files written beside the output


FORMAT_INFO: Mapping[OutputFormat, FormatInfo] = MappingProxyType({
    OutputFormat.PNG: FormatInfo("PNG frames (a folder)", "", alpha=True, folder=True),
    OutputFormat.MP4: FormatInfo("H.264 video (.mp4)", ".mp4", alpha=False),
    OutputFormat.GIF: FormatInfo("Animated GIF (.gif)", ".gif", alpha=False),
    OutputFormat.MOV: FormatInfo("ProRes 4444 with alpha (.mov)", ".mov", alpha=True),
    OutputFormat.WEBM: FormatInfo("VP9 with alpha (.webm)", ".webm", alpha=True),
    OutputFormat.APNG: FormatInfo("Animated PNG (.png)", ".png", alpha=True),
    OutputFormat.WEBP: FormatInfo("Animated WebP (.webp)", ".webp", alpha=True),
    OutputFormat.SPRITES: FormatInfo("Sprite sheet: PNG atlas, Aseprite JSON, Godot .tres (.png)", ".png", alpha=True,
                                     sidecars=(".json", ".tres")),
})
FORMATS = tuple(OutputFormat)
ALPHA_FORMATS = tuple(fmt for fmt, info in FORMAT_INFO.items() if info.alpha)


def check_format(fmt: object, path: str | os.PathLike[str] | None = None) -> OutputFormat:
    """The format ``fmt`` names (``".MOV"`` is ``OutputFormat.MOV``), or a FrameWriteError listing the formats."""
    name = fmt.lower().lstrip(".") if isinstance(fmt, str) else fmt
    if not isinstance(name, str) or name not in FORMAT_INFO:
        raise FrameWriteError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", path)
    return OutputFormat(name)


def has_alpha(fmt: str) -> bool:
    """Whether ``fmt`` keeps the alpha of RGBA frames."""
    return FORMAT_INFO[check_format(fmt)].alpha


def extension(fmt: str) -> str:
    """The extension of ``fmt``'s output path (``".mov"``); ``""`` for a folder of PNG frames."""
    return FORMAT_INFO[check_format(fmt)].extension
