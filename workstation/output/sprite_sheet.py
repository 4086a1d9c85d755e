"""A sprite sheet: every frame in one RGBA PNG atlas, and beside it a JSON file that names each
frame's rectangle, in the "JSON (Hash)" layout of TexturePacker and Aseprite that game engines read.

The output path is the atlas, ``walk.png``; the JSON is ``walk.json`` (``data_path``). Frames are
laid out row-major in a grid of equal cells with no padding between them, with as many columns as
make the atlas closest to square (``SheetLayout``); cells past the last frame are transparent. The
frames are held in memory (8-bit BGRA, after scaling) until the end; an atlas over ``MAX_SIDE``
pixels a side is refused before the first frame, which also bounds that memory (1 GiB).

Both files are written safely (``sheet_output``): both are claimed (the atlas first), written to
temporaries and read back (the atlas decoded and compared, the JSON byte for byte) before either is
renamed into place; then the JSON is renamed, then the atlas. Should the atlas fail to follow, the
previous JSON is put back (it was hard-linked aside), so a failure leaves the previous pair as it
was. Only a crash between the two renames (within one folder) can leave them unmatched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workstation import __version__
from workstation.kernel.safe_write import OutputError, output_file, temporary_name
from workstation.media import quiet
from workstation.output.encoders import Encoder, write_all
from workstation.output.formats import MAX_SIDE, FrameWriteError

DATA_SUFFIX = ".json"


def data_path(atlas: Path) -> Path:
    """The JSON written beside the atlas ``atlas``: the same name with ``.json``."""
    if atlas.suffix.lower() == DATA_SUFFIX:
        raise FrameWriteError("a sprite sheet's path is its atlas image (.png); its JSON is written beside it",
                              atlas)
    return atlas.with_suffix(DATA_SUFFIX)


@dataclass(frozen=True)
class SheetLayout:
    """A grid of ``columns`` x ``rows`` cells of one frame each, filled row by row."""

    columns: int
    rows: int
    cell_width: int
    cell_height: int

    @property
    def width(self) -> int:
        return self.columns * self.cell_width

    @property
    def height(self) -> int:
        return self.rows * self.cell_height

    def cell(self, index: int) -> tuple[int, int]:
        """(x, y) of frame ``index``'s top left corner."""
        row, column = divmod(index, self.columns)
        return column * self.cell_width, row * self.cell_height


def fits(frame_count: int, cell_width: int, cell_height: int) -> bool:
    """Whether ``frame_count`` cells of this size fit in an atlas of at most MAX_SIDE a side."""
    return frame_count <= (MAX_SIDE // cell_width) * (MAX_SIDE // cell_height)


def sheet_layout(frame_count: int, cell_width: int, cell_height: int, target: Path) -> SheetLayout:
    """The grid closest to a square atlas (then with the fewest empty cells, then the widest)."""
    if not fits(frame_count, cell_width, cell_height):
        most = (MAX_SIDE // cell_width) * (MAX_SIDE // cell_height)
        raise FrameWriteError(f"a sprite sheet of {frame_count} frames of {cell_width}x{cell_height} would be over "
                              f"{MAX_SIDE} pixels a side (at most {most} such frames fit); render fewer frames "
                              "or a smaller size", target)
    count = max(frame_count, 1)
    best: tuple[tuple[Fraction, int, int], SheetLayout] | None = None
    for columns in range(math.ceil(count / (MAX_SIDE // cell_height)), min(count, MAX_SIDE // cell_width) + 1):
        layout = SheetLayout(columns, math.ceil(count / columns), cell_width, cell_height)
        aspect = Fraction(max(layout.width, layout.height), min(layout.width, layout.height))
        key = (aspect, columns * layout.rows - count, -columns)
        if best is None or key < best[0]:
            best = (key, layout)
    assert best is not None
    return best[1]


def sheet_data(layout: SheetLayout, frame_count: int, atlas_name: str, duration_ms: int) -> dict[str, Any]:
    """The JSON (Hash) of a sheet: frames named ``"<atlas stem> <index>"``, in order."""
    stem = Path(atlas_name).stem
    width, height = layout.cell_width, layout.cell_height
    frames = {}
    for index in range(frame_count):
        x, y = layout.cell(index)
        frames[f"{stem} {index}"] = {
            "frame": {"x": x, "y": y, "w": width, "h": height},
            "rotated": False,
            "trimmed": False,
            "spriteSourceSize": {"x": 0, "y": 0, "w": width, "h": height},
            "sourceSize": {"w": width, "h": height},
            "duration": duration_ms,
        }
    meta = {"app": "Stopframe", "version": __version__, "image": atlas_name, "format": "RGBA8888",
            "size": {"w": layout.width, "h": layout.height}, "scale": "1", "frameTags": []}
    return {"frames": frames, "meta": meta}


@dataclass(frozen=True)
class SheetFiles:
    """The temporaries of the two files of a sheet."""

    atlas: Path
    data: Path


def _keep_aside(path: Path) -> Path | None:
    """A hidden second name for the file at ``path`` (a hard link, else a copy), or None if there
    is none. Named like safe_write's temporaries, so one left by a crash is cleaned up by the next
    writer of ``path``."""
    if not (path.exists() or path.is_symlink()):
        return None
    aside = temporary_name(path, path.suffix)
    try:
        os.link(path, aside, follow_symlinks=False)
    except OSError:
        shutil.copy2(path, aside, follow_symlinks=False)
    return aside


@contextmanager
def sheet_output(atlas: Path, *, overwrite: bool, verify: Callable[[Path], None]) -> Iterator[SheetFiles]:
    """Write the atlas and its JSON: yields their temporaries. ``verify(atlas temporary)`` checks
    both before either replaces anything; on any error both previous files are left as they were."""
    data = data_path(atlas)
    previous: list[Path | None] = []  # the JSON being replaced, kept aside until the atlas follows it
    data_temporaries: list[Path] = []
    try:
        with output_file(atlas, overwrite=overwrite) as atlas_temporary:

            def verify_then_keep_previous(data_temporary: Path) -> None:
                verify(atlas_temporary)
                previous.append(_keep_aside(data))

            with output_file(data, overwrite=overwrite, verify=verify_then_keep_previous) as data_temporary:
                data_temporaries.append(data_temporary)
                try:
                    yield SheetFiles(atlas_temporary, data_temporary)
                except OSError as error:  # named after the output asked for, not the JSON whose context is inside
                    raise OutputError(error.strerror or str(error), atlas) from None
    except BaseException:
        if previous and not data_temporaries[0].exists():  # the new JSON went in, its atlas did not
            _put_back(data, previous[0])
        raise
    finally:
        for kept in previous:
            if kept is not None:
                kept.unlink(missing_ok=True)


def _put_back(path: Path, kept: Path | None) -> None:
    """The file at ``path`` as it was before: ``kept``, or none at all."""
    try:
        if kept is None:
            path.unlink(missing_ok=True)
        else:
            os.replace(kept, path)
    except OSError:
        pass  # already failing; the error being raised says what went wrong


class SpriteSheetEncoder(Encoder):
    """Frames buffered as BGRA images, laid into the atlas and encoded at the end."""

    what = "sprite sheet"

    def __init__(self, target: Path, files: SheetFiles, fps: float):
        super().__init__(target)
        self.files = files
        self.duration = max(1, round(1000.0 / fps))
        self.images: list[np.ndarray] = []
        self._data = b""
        self._atlas: tuple[tuple[int, ...], bytes] = ((), b"")  # shape and digest of the atlas encoded

    def encode(self, image: np.ndarray) -> None:
        if not fits(len(self.images) + 1, image.shape[1], image.shape[0]):
            sheet_layout(len(self.images) + 1, image.shape[1], image.shape[0], self.target)  # raises, saying why
        self.images.append(image)

    def finish(self) -> None:
        width, height = self.size
        layout = sheet_layout(len(self.images), width, height, self.target)
        atlas = np.zeros((layout.height, layout.width, 4), np.uint8)
        images, self.images = self.images[::-1], []
        for index in range(len(images)):
            x, y = layout.cell(index)
            atlas[y:y + height, x:x + width] = images.pop()  # each frame let go once it is in the atlas
        ok, encoded = cv2.imencode(".png", atlas)
        if not ok:
            raise FrameWriteError("OpenCV could not encode the sprite sheet as PNG", self.target)
        self._atlas = (atlas.shape, hashlib.blake2b(atlas.data).digest())
        del atlas
        with open(self.files.atlas, "wb") as stream:
            write_all(stream, encoded.tobytes())
        data = sheet_data(layout, self.frames, self.target.name, self.duration)
        self._data = (json.dumps(data, indent=1) + "\n").encode("utf-8")
        with open(self.files.data, "wb") as stream:
            write_all(stream, self._data)

    def verify(self, temporary: Path) -> None:
        """The atlas decodes to the pixels laid out, and the JSON reads back byte for byte."""
        with quiet():
            atlas = cv2.imread(str(temporary), cv2.IMREAD_UNCHANGED)
        if atlas is None or (atlas.shape, hashlib.blake2b(np.ascontiguousarray(atlas).data).digest()) != self._atlas:
            raise FrameWriteError("the new sprite sheet's atlas does not read back as written", self.target)
        if self.files.data.read_bytes() != self._data:
            raise FrameWriteError("the new sprite sheet's JSON does not read back as written", data_path(self.target))

    def abort(self) -> None:
        self.images = []
