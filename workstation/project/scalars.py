"""The project file's scalar types, as the schema (``schema.py``) declares its fields: strict
integers and numbers (integral numbers of other types, such as numpy's, taken as the file's would
be), names and paths that are not blank, and words from a fixed list (an interpolation, a fit, a
scaling), each worded as ``problems`` words every message.

A shot's frame rate lies within what every output format can encode (``MIN_FPS``..``MAX_FPS``),
a count of frames within ``MAX_FRAMES``, and a hand pose within ``values.POSE_LIMITS``: bounds that
refuse only absurd values, so no valid file of an older version changes meaning (the schema version stays)."""

from __future__ import annotations

import numbers
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from . import values
from .problems import describe, problem
from .values import FITS, MAX_OUTPUT_SIDE, POSE_LIMITS, SCALINGS

__all__ = ["Integer", "Count", "Number", "Positive", "Name", "PathText", "FileName", "ImageNames", "Interpolation",
           "Fit", "Scaling", "Frame", "OutputSide", "FrameRate", "FrameCount", "Offset", "Turn", "Scale", "MIN_FPS",
           "MAX_FPS", "MAX_FRAMES"]

# A shot's frames per second: 0.01 is 100 s a frame (GIF holds at most 655.35 s; a video's rate is
# a fraction of denominator at most 1001, output/video.py), 1000 is 1 ms a frame (the finest step of
# WebP and sprite-sheet durations, whole milliseconds; a GIF's are held at its shortest, 10 ms).
MIN_FPS = 0.01
MAX_FPS = 1000.0
# The most frames a clip or a shot has: what Qt's widgets and a 32-bit frame number hold (a day at
# 1000 fps is 86.4 million frames), far within what a Python range can count.
MAX_FRAMES = 2**31 - 1


def _integer(value: object) -> object:
    """Integral numbers of other types (numpy) become ints; the rest is left to the strict check."""
    if type(value) is not int and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value


def _number(value: object) -> object:
    """Real numbers of other types become floats (too big for a float: infinite, refused as such)."""
    if type(value) is float or (type(value) is int and abs(value) < 2**53):
        return value  # the common case, first; strict float takes an int
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return float("inf")
    return value


def _not_blank(text: str) -> str:
    if not text.strip():
        raise problem("must not be empty")
    return text


def _not_empty(text: str) -> str:
    if not text:
        raise problem("must not be empty")
    return text


def _file_name(text: str) -> str:
    if text in ("", ".", "..") or "/" in text or "\\" in text:
        raise problem(f"expected a file name, got {describe(text)}")
    return text


def _one_of(what: str, allowed: tuple[str, ...]):
    def check(text: str) -> str:
        if text not in allowed:
            raise problem(f"unknown {what} {describe(text)} (allowed: {', '.join(allowed)})")
        return text
    return check


Integer = Annotated[int, BeforeValidator(_integer)]
Count = Annotated[int, BeforeValidator(_integer), Field(ge=1)]
Number = Annotated[float, BeforeValidator(_number)]
Positive = Annotated[float, BeforeValidator(_number), Field(gt=0)]
Name = Annotated[str, AfterValidator(_not_blank)]
PathText = Annotated[str, AfterValidator(_not_empty)]  # a clip or model path, as stored
FileName = Annotated[str, AfterValidator(_file_name)]  # a file of a folder, named without its path
# An image folder's file names, one a frame (a ClipRef holds them as a tuple, a file as a list).
ImageNames = Annotated[list[FileName],
                       BeforeValidator(lambda names: list(names) if isinstance(names, tuple) else names)]
Interpolation = Annotated[str, AfterValidator(_one_of("interpolation", tuple(values.Interpolation))),
                          AfterValidator(values.Interpolation)]  # the word, as the document holds it
Fit = Annotated[str, AfterValidator(_one_of("fit", FITS))]
Scaling = Annotated[str, AfterValidator(_one_of("scaling", SCALINGS))]
Frame = Annotated[int, BeforeValidator(_integer), Field(ge=0)]
FrameCount = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=MAX_FRAMES)]  # a clip's frames, a shot's length
FrameRate = Annotated[float, BeforeValidator(_number), Field(ge=MIN_FPS, le=MAX_FPS)]  # a shot's fps
Offset = Annotated[float, BeforeValidator(_number), Field(ge=-POSE_LIMITS["offset"], le=POSE_LIMITS["offset"])]
Turn = Annotated[float, BeforeValidator(_number), Field(ge=-POSE_LIMITS["turn"], le=POSE_LIMITS["turn"])]
Scale = Annotated[float, BeforeValidator(_number), Field(ge=POSE_LIMITS["scale"][0], le=POSE_LIMITS["scale"][1])]
OutputSide = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=MAX_OUTPUT_SIDE)]  # an output's width or height
