"""Clips cut from a sprite sheet: one picture holding many frames, cut by a grid of equal cells
(``GridCut``) or as Aseprite's JSON says (``TagCut``, ``aseprite_json.py``).

A grid is cells of ``cell`` = (w, h) pixels, the first ``margin`` pixels from the picture's left and
top edges, ``spacing`` pixels between neighbours (Tiled's and Godot's words); as many columns and rows
as fit. A grid clip is one row's cells, left to right: its first ``count`` (None: every cell of the
row). Where a sheet has an alpha channel, a cell with no pixel of any coverage is empty:
``used_cells`` counts a row's cells up to its last that is not, which is what an import takes by
default (an LPC row of 9 frames in a sheet of 13 columns is 9 frames).

A tag clip is the frames of an Aseprite JSON's tag, in the order its direction plays them (``tag``
None: every frame of the JSON, in order); its rate is the frames' durations' (``fps_of``). A
trimmed frame is put back where it was in its untrimmed frame. Every rectangle must lie within the
picture, and ``meta.size``, when given, must be the picture's size.

Frames are cut on demand from the picture decoded once (``SheetFrames``), so a clip of many frames
holds one picture in memory. Everything is uint8 RGB, as every clip; every failure one MediaError line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from workstation.media.aseprite_json import AsepriteSheet, Rect, SheetFrame, read_aseprite
from workstation.media.media_error import MediaError, media_error
from workstation.media.readers import SHEET_EXTENSIONS, decode_image, rgb8

__all__ = ["GridSpec", "TagSpec", "SheetSpec", "GridCut", "TagCut", "Grid", "SheetPicture", "SheetFrames", "CutClip",
           "read_picture", "aseprite_picture", "cut_sheet", "cut_grid", "cut_tag", "used_cells", "fps_of",
           "describe_cut"]


@runtime_checkable
class GridSpec(Protocol):
    """How a clip is cut by a grid: a ``GridCut``, or a project's record of one."""

    @property
    def cell(self) -> tuple[int, int]: ...
    @property
    def row(self) -> int: ...
    @property
    def margin(self) -> int: ...
    @property
    def spacing(self) -> int: ...
    @property
    def count(self) -> int | None: ...


@runtime_checkable
class TagSpec(Protocol):
    """How a clip is cut by an Aseprite JSON: a ``TagCut``, or a project's record of one."""

    @property
    def tag(self) -> str | None: ...


SheetSpec = GridSpec | TagSpec


@dataclass(frozen=True)
class GridCut:
    cell: tuple[int, int]  # (width, height) in pixels
    row: int  # from 0 at the top
    margin: int = 0
    spacing: int = 0
    count: int | None = None  # the row's first cells; None: all of them


@dataclass(frozen=True)
class TagCut:
    tag: str | None = None  # None: every frame of the JSON, in order


@dataclass(frozen=True)
class Grid:
    """The cells of a picture: ``columns`` x ``rows`` of ``cell_width`` x ``cell_height``."""

    cell_width: int
    cell_height: int
    margin: int
    spacing: int
    columns: int
    rows: int

    @classmethod
    def of(cls, size: tuple[int, int], cell: tuple[int, int], margin: int = 0, spacing: int = 0) -> Grid:
        """The grid of ``cell``-sized cells on a picture of ``size`` (w, h); ValueError saying why none fits."""
        (width, height), (cell_width, cell_height) = size, cell
        if min(cell_width, cell_height) < 1 or margin < 0 or spacing < 0:
            raise ValueError(f"a cell of {cell_width}x{cell_height} pixels, margin {margin} and spacing {spacing} "
                             "is no grid (cells of 1 pixel or more, margin and spacing of 0 or more)")
        columns = (width - margin + spacing) // (cell_width + spacing)
        rows = (height - margin + spacing) // (cell_height + spacing)
        if columns < 1 or rows < 1:
            raise ValueError(f"no cell of {cell_width}x{cell_height} fits in the {width}x{height} picture after a "
                             f"margin of {margin}")
        return cls(cell_width, cell_height, margin, spacing, columns, rows)

    @classmethod
    def by_count(cls, size: tuple[int, int], columns: int, rows: int, margin: int = 0, spacing: int = 0) -> Grid:
        """``columns`` x ``rows`` cells filling a picture of ``size`` within a margin on every side."""
        width, height = size
        if columns < 1 or rows < 1:
            raise ValueError(f"{columns} columns x {rows} rows is no grid")
        cell = ((width - 2 * margin - (columns - 1) * spacing) // columns,
                (height - 2 * margin - (rows - 1) * spacing) // rows)
        if min(cell) < 1:
            raise ValueError(f"{columns} columns x {rows} rows do not fit in the {width}x{height} picture")
        return cls(cell[0], cell[1], margin, spacing, columns, rows)

    @property
    def cell(self) -> tuple[int, int]:
        return self.cell_width, self.cell_height

    def rect(self, column: int, row: int) -> Rect:
        return Rect(self.margin + column * (self.cell_width + self.spacing),
                    self.margin + row * (self.cell_height + self.spacing), self.cell_width, self.cell_height)

    def describe(self) -> str:
        return f"{self.columns} x {self.rows} cells of {self.cell_width}x{self.cell_height}"


@dataclass(frozen=True, eq=False)
class SheetPicture:
    """A sheet's picture: uint8 RGB, and its coverage where it has an alpha channel (None: opaque)."""

    path: Path
    rgb: np.ndarray
    alpha: np.ndarray | None

    @property
    def size(self) -> tuple[int, int]:
        return int(self.rgb.shape[1]), int(self.rgb.shape[0])

    def empty(self, rect: Rect) -> bool:
        """Whether no pixel of ``rect`` shows anything (never, in a picture without alpha)."""
        return self.alpha is not None and not self.alpha[rect.y:rect.y + rect.h, rect.x:rect.x + rect.w].any()


def read_picture(path: Path) -> SheetPicture:
    """Decode a sheet's picture with its alpha channel; MediaError if it cannot be read."""
    raw = decode_image(path, cv2.IMREAD_UNCHANGED)  # as stored: the alpha kept, no EXIF turn
    alpha = None
    if raw.ndim == 3 and raw.shape[2] in (2, 4):
        coverage = raw[:, :, -1]
        alpha = coverage if coverage.dtype == np.uint8 else (coverage > 0).astype(np.uint8)
    return SheetPicture(path, rgb8(path, raw), alpha)


class SheetFrames:
    """A clip's frames, cut from the picture as they are asked for: ``frames[i]`` is uint8 RGB (a
    view into the picture when the frame is a plain rectangle of it: copy it before changing it),
    and ``coverage(i)`` its alpha, uint8 [h, w], where the picture has one (None: opaque)."""

    def __init__(self, rgb: np.ndarray, placements: Sequence[SheetFrame], alpha: np.ndarray | None = None):
        self._rgb, self._placements, self._alpha = rgb, tuple(placements), alpha

    def __len__(self) -> int:
        return len(self._placements)

    def __getitem__(self, index: int) -> np.ndarray:
        return self._cut(self._rgb, index)

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[i] for i in range(len(self)))

    @property
    def has_alpha(self) -> bool:
        return self._alpha is not None

    def coverage(self, index: int) -> np.ndarray | None:
        return None if self._alpha is None else self._cut(self._alpha, index)

    def _cut(self, plane: np.ndarray, index: int) -> np.ndarray:
        frame = self._placements[index]
        r = frame.rect
        pixels = plane[r.y:r.y + r.h, r.x:r.x + r.w]
        if frame.offset == (0, 0) and frame.size == (r.w, r.h):
            return pixels
        whole = np.zeros((frame.size[1], frame.size[0], *plane.shape[2:]), np.uint8)  # a trimmed frame, in place
        x, y = frame.offset
        whole[y:y + r.h, x:x + r.w] = pixels
        return whole


@dataclass(frozen=True, eq=False)
class CutClip:
    """A clip cut from a sheet: its frames, their names and size, and its rate (None: not said)."""

    frames: SheetFrames
    names: tuple[str, ...]
    width: int
    height: int
    fps: float | None


def cut_sheet(path: Path, cut: SheetSpec) -> CutClip:
    """The clip ``cut`` from the sheet at ``path``: its picture (a grid), or its Aseprite JSON (a tag)."""
    if isinstance(cut, GridSpec):
        return cut_grid(read_picture(path), cut)
    sheet = read_aseprite(path)
    return cut_tag(sheet, read_picture(sheet.image), cut.tag)


def aseprite_picture(path: Path) -> Path | None:
    """The picture the Aseprite JSON at ``path`` names; None when ``path`` is no such JSON."""
    if path.suffix.lower() not in SHEET_EXTENSIONS:
        return None
    try:
        return read_aseprite(path).image
    except MediaError:
        return None


def cut_grid(picture: SheetPicture, cut: GridSpec) -> CutClip:
    """Row ``cut.row``'s first ``cut.count`` cells (all, when None) of the grid ``cut`` lays on ``picture``."""
    try:
        grid = Grid.of(picture.size, cut.cell, cut.margin, cut.spacing)
    except ValueError as error:
        raise media_error(picture.path, str(error)) from None
    if not 0 <= cut.row < grid.rows:
        raise media_error(picture.path, f"has no row {cut.row}: its grid is {grid.describe()} (rows 0 to "
                                        f"{grid.rows - 1})")
    count = grid.columns if cut.count is None else cut.count
    if not 1 <= count <= grid.columns:
        raise media_error(picture.path, f"row {cut.row} has {grid.columns} cells, not {count} (its grid is "
                                        f"{grid.describe()})")
    frames = [SheetFrame(f"row {cut.row} cell {column}", grid.rect(column, cut.row), 0.0, grid.cell)
              for column in range(count)]
    return CutClip(SheetFrames(picture.rgb, frames, picture.alpha), tuple(f.name for f in frames), *grid.cell, None)


def used_cells(picture: SheetPicture, grid: Grid, row: int) -> int:
    """The cells of ``row`` up to its last that is not empty (every cell in a picture without alpha)."""
    for column in range(grid.columns, 0, -1):
        if not picture.empty(grid.rect(column - 1, row)):
            return column
    return 0


def cut_tag(sheet: AsepriteSheet, picture: SheetPicture, tag: str | None) -> CutClip:
    """The frames of ``tag`` (None: all) of ``sheet``, its picture ``picture``. Every frame of the
    JSON must lie inside the picture, and ``meta.size`` be the picture's size."""
    width, height = picture.size
    if sheet.size is not None and sheet.size != picture.size:
        raise media_error(sheet.path, f"meta.size says {sheet.size[0]}x{sheet.size[1]} but {sheet.image.name} is "
                                      f"{width}x{height}")
    for index, frame in enumerate(sheet.frames):
        if not frame.rect.inside(width, height):
            raise media_error(sheet.path, f"frame {index} ({frame.name!r}): its rectangle {frame.rect.describe()} "
                                          f"lies outside {sheet.image.name} ({width}x{height})")
    order = sheet.tag(tag).order() if tag is not None else list(range(len(sheet.frames)))
    frames = [sheet.frames[i] for i in order]
    first = frames[0]
    for frame in frames:
        if frame.size != first.size:
            raise media_error(sheet.path, f"frame {frame.name!r} is {frame.size[0]}x{frame.size[1]} but "
                                          f"{first.name!r} is {first.size[0]}x{first.size[1]}: one clip's frames "
                                          "are one size")
    fps = fps_of([frame.duration_ms for frame in frames])
    return CutClip(SheetFrames(picture.rgb, frames, picture.alpha), tuple(f.name for f in frames), *first.size, fps)


def fps_of(durations_ms: Sequence[float]) -> float:
    """The rate of frames of these durations: a whole number of frames per second when every duration
    is what that rate rounds to in whole milliseconds (83 ms a frame: 12 fps), else 1000 / the mean."""
    mean = sum(durations_ms) / len(durations_ms)
    whole = round(1000.0 / mean)
    if whole >= 1 and all(round(duration) == max(1, round(1000.0 / whole)) for duration in durations_ms):
        return float(whole)
    return min(1000.0, 1000.0 / mean)


def describe_cut(cut: SheetSpec) -> str:
    """How a clip was cut, in words, for messages and the Library's tooltips."""
    if isinstance(cut, GridSpec):
        cells = "every cell" if cut.count is None else f"{cut.count} cell{'s' if cut.count != 1 else ''}"
        spacing = f", margin {cut.margin}, spacing {cut.spacing}" if cut.margin or cut.spacing else ""
        return f"row {cut.row} of {cut.cell[0]}x{cut.cell[1]} cells{spacing}: {cells}"
    return "every frame" if cut.tag is None else f"tag {cut.tag!r}"

