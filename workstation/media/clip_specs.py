"""Clips named on the command line (``stopframe train --clip``): a file or folder, or a sprite sheet
with how to cut it, as one piece of text.

    PATH                          a video, GIF, image or image folder: one clip
    SHEET.json                    Aseprite's JSON: one clip per tag (no tags: one clip of every frame)
    SHEET.json:tag=NAME           one tag's frames (NAME is the rest of the text, commas and all)
    SHEET.png:grid=WxH[,row=R][,count=N][,margin=M][,spacing=S]
                                  a sheet cut into W x H pixel cells: row R (from 0 at the top), or
                                  one clip per row that is not empty; its first N cells, or its cells
                                  up to the last that is not empty (an empty cell is wholly transparent)
    SHEET.png:cells=CxR[,...]     the same, the cell size from C columns x R rows

The options start at the first ``:grid=``, ``:cells=`` or ``:tag=``; a path that exists as written is
a path, whatever it holds. Every problem is one MediaError line naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workstation.media.media_error import media_error
from workstation.media.probe import sheet_cut
from workstation.media.sprite_sheets import Grid, GridCut, GridSpec, SheetSpec, TagCut, read_picture, used_cells

__all__ = ["ClipSource", "clip_sources", "spec_path", "resolved_spec", "spec_text", "GRID_KEYS"]

_OPTIONS = re.compile(r"^(?P<path>.+?):(?P<options>(?:grid|cells|tag)=.*)$", re.DOTALL)
_SIZE = re.compile(r"([0-9]{1,9})[xX]([0-9]{1,9})")
GRID_KEYS = ("grid", "cells", "row", "count", "margin", "spacing")


@dataclass(frozen=True)
class ClipSource:
    """One clip to read: its file, how it is cut from a sheet (None: not a sheet), its name."""

    path: Path
    cut: GridCut | TagCut | None
    name: str

    def text(self) -> str:
        """As the command line names it (``spec_text``)."""
        return spec_text(self.path, self.cut)


def _split(text: str) -> tuple[str, str | None]:
    """(the path, the options or None)."""
    match = _OPTIONS.match(text)
    if match is None or Path(text).exists():
        return text, None
    return match["path"], match["options"]


def spec_path(text: str) -> Path:
    """The file or folder ``text`` names, without its options."""
    return Path(_split(text)[0])


def resolved_spec(text: str) -> str:
    """``text`` with its path absolute (links followed), its options as they were."""
    path, options = _split(text)
    resolved = str(Path(path).resolve())
    return resolved if options is None else f"{resolved}:{options}"


def spec_text(path: str | Path, cut: SheetSpec | None) -> str:
    """The command line's text for the clip ``cut`` from ``path`` (every option written out)."""
    if cut is None:
        return str(path)
    if not isinstance(cut, GridSpec):
        return str(path) if cut.tag is None else f"{path}:tag={cut.tag}"
    count = "" if cut.count is None else f",count={cut.count}"
    return (f"{path}:grid={cut.cell[0]}x{cut.cell[1]},row={cut.row}{count},margin={cut.margin},"
            f"spacing={cut.spacing}")


def clip_sources(text: str) -> list[ClipSource]:
    """The clips ``text`` names (reading a sheet when one clip per tag or row is asked for)."""
    path_text, options = _split(text)
    path = Path(path_text)
    if options is None:
        cut = sheet_cut(path, None)
        if cut is None:
            return [ClipSource(path, None, path.stem or path.name)]
        return _tag_sources(path)
    if options.startswith("tag="):
        return [ClipSource(path, TagCut(options[4:]), options[4:])]
    return _grid_sources(path, _grid_options(path, options))


def _tag_sources(path: Path) -> list[ClipSource]:
    from workstation.media.aseprite_json import read_aseprite

    sheet = read_aseprite(path)
    if not sheet.tags:
        return [ClipSource(path, TagCut(), path.stem)]
    return [ClipSource(path, TagCut(tag.name), tag.name) for tag in sheet.tags]


@dataclass(frozen=True)
class _GridOptions:
    size: tuple[int, int]  # the cell's pixels (grid=), or the columns and rows (cells=)
    by_count: bool  # cells=
    row: int | None
    count: int | None
    margin: int
    spacing: int


def _grid_options(path: Path, options: str) -> _GridOptions:
    sizes: dict[str, tuple[int, int]] = {}
    numbers: dict[str, int] = {}
    for option in options.split(","):
        key, equals, value = (part.strip() for part in option.partition("="))
        if not equals or key not in GRID_KEYS:
            raise media_error(path, f"clip option {option!r}: expected one of {', '.join(k + '=' for k in GRID_KEYS)}")
        if key in sizes or key in numbers:
            raise media_error(path, f"clip option {key}= is given twice")
        if key in ("grid", "cells"):
            size = _SIZE.fullmatch(value)
            if size is None or min(int(size[1]), int(size[2])) < 1:
                example = "grid=64x64 (cell WIDTHxHEIGHT in pixels)" if key == "grid" else "cells=13x21 (COLUMNSxROWS)"
                raise media_error(path, f"clip option {option!r}: expected {example}")
            sizes[key] = (int(size[1]), int(size[2]))
        elif not value.isdigit() or len(value) > 9:
            raise media_error(path, f"clip option {option!r}: expected a whole number from 0")
        else:
            numbers[key] = int(value)
    if len(sizes) != 1:
        raise media_error(path, "clip options: give the cells as grid=WxH (pixels) or cells=CxR (columns x rows), "
                                "one of the two")
    if numbers.get("count") == 0:
        raise media_error(path, "clip option count=0: a clip has at least one frame")
    return _GridOptions(next(iter(sizes.values())), "cells" in sizes, numbers.get("row"), numbers.get("count"),
                        numbers.get("margin", 0), numbers.get("spacing", 0))


def _grid_sources(path: Path, options: _GridOptions) -> list[ClipSource]:
    picture = read_picture(path)
    margin, spacing = options.margin, options.spacing
    try:
        if options.by_count:
            grid = Grid.by_count(picture.size, *options.size, margin, spacing)
        else:
            grid = Grid.of(picture.size, options.size, margin, spacing)
    except ValueError as error:
        raise media_error(path, str(error)) from None
    sources = []
    for row in range(grid.rows) if options.row is None else [options.row]:
        if not 0 <= row < grid.rows:
            raise media_error(path, f"has no row {row}: its grid is {grid.describe()} (rows 0 to {grid.rows - 1})")
        count = options.count if options.count is not None else used_cells(picture, grid, row)
        if count == 0:
            if options.row is not None:
                raise media_error(path, f"row {row} is empty (no pixel of its cells shows anything)")
            continue
        sources.append(ClipSource(path, GridCut(grid.cell, row, margin, spacing, count), f"{path.stem} row {row}"))
    if not sources:
        raise media_error(path, f"every cell of its grid ({grid.describe()}) is empty")
    return sources
