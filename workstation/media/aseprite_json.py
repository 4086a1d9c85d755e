"""Aseprite's sprite-sheet JSON, read as its exporter writes it (https://www.aseprite.org/docs/cli/,
``--data``; TexturePacker's JSON is the same layout): the frames and their tags, nothing decoded.

``frames`` is a list (Aseprite's "array" form: each frame names itself in ``filename``) or an object
(the "hash" form: frame name -> frame), in sheet order either way. A frame is its rectangle in the
sheet (``frame``: ``x``, ``y``, ``w``, ``h``), its ``duration`` in ms (100 when absent, Aseprite's
default) and, for a trimmed frame, where that rectangle lies in the untrimmed frame
(``spriteSourceSize``: ``x``, ``y``, ``w``, ``h``, within ``sourceSize``: ``w``, ``h``). ``meta.image``
names the sheet's picture, relative to the JSON's folder; ``meta.size`` its size; ``meta.frameTags``
the tags: a ``name``, the indices ``from`` and ``to`` (inclusive) into ``frames``, and a ``direction``
(``forward``, ``reverse``, ``pingpong``, ``pingpong_reverse``). A frame ``rotated`` in the sheet
(a TexturePacker option Aseprite never uses) is refused.

Every problem is one :class:`MediaError` line naming the JSON and where in it, e.g.
``walk.json: frames[3].frame.w: expected a whole number from 1, got "32"``. The file is read through
``read_bytes_capped`` (a regular file of at most ``ASEPRITE_JSON_MAX_BYTES``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workstation.kernel.reading import InputError, read_bytes_capped
from workstation.media.media_error import media_error

__all__ = ["ASEPRITE_JSON_MAX_BYTES", "DIRECTIONS", "DEFAULT_DURATION_MS", "Rect", "SheetFrame", "FrameTag",
           "AsepriteSheet", "read_aseprite"]

# Some 100,000 frames of Aseprite's pretty-printed array form: far beyond any real sheet.
ASEPRITE_JSON_MAX_BYTES = 16 << 20
DIRECTIONS = ("forward", "reverse", "pingpong", "pingpong_reverse")
DEFAULT_DURATION_MS = 100.0  # a frame without a duration, as Aseprite's own default


@dataclass(frozen=True)
class Rect:
    """A rectangle of pixels: its top left corner and size."""

    x: int
    y: int
    w: int
    h: int

    def inside(self, width: int, height: int) -> bool:
        return self.x >= 0 and self.y >= 0 and self.x + self.w <= width and self.y + self.h <= height

    def describe(self) -> str:
        return f"{self.w}x{self.h} at ({self.x}, {self.y})"


@dataclass(frozen=True)
class SheetFrame:
    """One frame of a sheet: its name, its rectangle in the picture, and where that rectangle goes in
    the frame of ``size`` (w, h) pixels (``offset``: not (0, 0), or a smaller rectangle, when trimmed)."""

    name: str
    rect: Rect
    duration_ms: float
    size: tuple[int, int]
    offset: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class FrameTag:
    name: str
    first: int  # "from": an index into the frames
    last: int  # "to", inclusive
    direction: str = "forward"

    def order(self) -> list[int]:
        """The frames' indices in the order the tag plays them once."""
        ahead = list(range(self.first, self.last + 1))
        if self.direction in ("reverse", "pingpong_reverse"):
            ahead.reverse()
        if self.direction.startswith("pingpong"):
            ahead += ahead[-2:0:-1]  # and back, without playing either end twice
        return ahead


@dataclass(frozen=True)
class AsepriteSheet:
    path: Path  # the JSON
    image: Path  # the picture it describes (``meta.image``, found from the JSON's folder)
    frames: tuple[SheetFrame, ...]
    tags: tuple[FrameTag, ...]
    size: tuple[int, int] | None  # ``meta.size``, when given

    def tag(self, name: str) -> FrameTag:
        for tag in self.tags:
            if tag.name == name:
                return tag
        known = ", ".join(repr(tag.name) for tag in self.tags) or "none"
        raise media_error(self.path, f"has no tag {name!r} (its tags: {known})")


def read_aseprite(path: str | Path) -> AsepriteSheet:
    """The sheet the Aseprite JSON at ``path`` describes; MediaError (one line) if it is not one."""
    path = Path(path)
    try:
        data = json.loads(read_bytes_capped(path, ASEPRITE_JSON_MAX_BYTES, "an Aseprite JSON file"),
                          object_pairs_hook=_unique_keys)
    except InputError as error:
        raise media_error(path, error.problem) from None
    except _RepeatedKey as repeated:
        raise media_error(path, f"not Aseprite's JSON: the key {repeated.key!r} appears twice in one object") from None
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise media_error(path, f"not Aseprite's JSON: not valid JSON ({' '.join(str(error).split())[:80]})") from None
    try:
        return _sheet(path, data)
    except _Problem as problem:
        raise media_error(path, str(problem)) from None


class _RepeatedKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _Problem(Exception):
    """A problem at a place in the JSON: ``str()`` is ``"<where>: <problem>"``."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}" if where else problem)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of the JSON; a key given twice is refused (JSON would keep the last, silently)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _describe(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value[:40])
    return "a list" if isinstance(value, list) else "an object"


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Problem(where, f"expected an object, got {_describe(value)}")
    return value


def _member(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise _Problem(f"{where}.{key}" if where else key, "missing")
    return data[key]


def _whole(data: dict[str, Any], key: str, where: str, low: int) -> int:
    value = _member(data, key, where)
    if type(value) is not int or value < low:
        raise _Problem(f"{where}.{key}", f"expected a whole number from {low}, got {_describe(value)}")
    return value


def _rect(data: dict[str, Any], key: str, where: str, low: int = 0) -> Rect:
    at = f"{where}.{key}"
    box = _object(_member(data, key, where), at)
    return Rect(_whole(box, "x", at, low), _whole(box, "y", at, low), _whole(box, "w", at, 1), _whole(box, "h", at, 1))


def _size(data: dict[str, Any], key: str, where: str) -> tuple[int, int]:
    at = f"{where}.{key}"
    box = _object(_member(data, key, where), at)
    return _whole(box, "w", at, 1), _whole(box, "h", at, 1)


def _sheet(path: Path, data: object) -> AsepriteSheet:
    top = _object(data, "")
    meta = _object(_member(top, "meta", ""), "meta")
    frames_data = _member(top, "frames", "")
    if isinstance(frames_data, list):
        named = [(_filename(frame, f"frames[{i}]"), frame, f"frames[{i}]") for i, frame in enumerate(frames_data)]
    elif isinstance(frames_data, dict):
        named = [(name, frame, f"frames[{json.dumps(name)}]") for name, frame in frames_data.items()]
    else:
        raise _Problem("frames", f"expected a list (array form) or an object (hash form), got {_describe(frames_data)}")
    if not named:
        raise _Problem("frames", "holds no frames")
    frames = tuple(_frame(name, frame, where) for name, frame, where in named)
    image = _member(meta, "image", "meta")
    if not isinstance(image, str) or not image.strip():
        raise _Problem("meta.image", f"expected the sheet's file name, got {_describe(image)}")
    size = _size(meta, "size", "meta") if "size" in meta else None
    tags_data = meta.get("frameTags", [])
    if not isinstance(tags_data, list):
        raise _Problem("meta.frameTags", f"expected a list, got {_describe(tags_data)}")
    tags = tuple(_tag(tag, f"meta.frameTags[{i}]", len(frames)) for i, tag in enumerate(tags_data))
    seen: set[str] = set()
    for i, tag in enumerate(tags):
        if tag.name in seen:
            raise _Problem(f"meta.frameTags[{i}].name", f"a second tag named {tag.name!r}")
        seen.add(tag.name)
    return AsepriteSheet(path, _image_path(path, image), frames, tags, size)


def _filename(frame: object, where: str) -> str:
    name = _member(_object(frame, where), "filename", where)
    if not isinstance(name, str):
        raise _Problem(f"{where}.filename", f"expected a string, got {_describe(name)}")
    return name


def _frame(name: str, data: object, where: str) -> SheetFrame:
    frame = _object(data, where)
    if frame.get("rotated", False) is not False:
        raise _Problem(f"{where}.rotated", "a frame rotated in the sheet cannot be read (export it unrotated)")
    rect = _rect(frame, "frame", where)
    duration = frame.get("duration", DEFAULT_DURATION_MS)
    if type(duration) not in (int, float) or not 0 < duration < 1e9:
        raise _Problem(f"{where}.duration", f"expected milliseconds above 0, got {_describe(duration)}")
    size, offset = (rect.w, rect.h), (0, 0)
    if "spriteSourceSize" in frame or "sourceSize" in frame:
        placed = _rect(frame, "spriteSourceSize", where)
        size = _size(frame, "sourceSize", where)
        if (placed.w, placed.h) != (rect.w, rect.h):
            raise _Problem(f"{where}.spriteSourceSize", f"is {placed.w}x{placed.h} but the frame's rectangle is "
                                                        f"{rect.w}x{rect.h}")
        if not placed.inside(*size):
            raise _Problem(f"{where}.spriteSourceSize", f"{placed.describe()} lies outside its sourceSize "
                                                        f"{size[0]}x{size[1]}")
        offset = (placed.x, placed.y)
    return SheetFrame(name, rect, float(duration), size, offset)


def _tag(data: object, where: str, count: int) -> FrameTag:
    tag = _object(data, where)
    name = _member(tag, "name", where)
    if not isinstance(name, str) or not name.strip():
        raise _Problem(f"{where}.name", f"expected a name, got {_describe(name)}")
    first, last = _whole(tag, "from", where, 0), _whole(tag, "to", where, 0)
    if last >= count:
        raise _Problem(f"{where}.to", f"frame {last} is past the last frame ({count - 1})")
    if first > last:
        raise _Problem(f"{where}.from", f"{first} is after \"to\" {last}")
    direction = tag.get("direction", "forward")
    if direction not in DIRECTIONS:
        raise _Problem(f"{where}.direction", f"unknown direction {_describe(direction)} (allowed: "
                                             f"{', '.join(DIRECTIONS)})")
    return FrameTag(name, first, last, direction)


def _image_path(path: Path, image: str) -> Path:
    """``meta.image`` from the JSON's folder; when not there, its file name beside the JSON (Aseprite
    writes the path the sheet was exported to, which may be relative to another folder)."""
    named = path.parent / image
    if not named.exists() and (path.parent / Path(image).name).exists():
        return path.parent / Path(image).name
    return named

