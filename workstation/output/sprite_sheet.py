"""A sprite sheet: every frame in one RGBA PNG atlas, and beside it what game engines read of it:
Aseprite's JSON (array form) and a Godot 4 ``SpriteFrames`` resource (``engine_data.py``).

The output path is the atlas, ``walk.png``; beside it are ``walk.json`` and ``walk.tres``
(``sheet_paths``). Frames are laid out row-major in a grid of equal cells with no padding between
them, with as many columns as make the atlas closest to square (``SheetLayout``); cells past the last
frame are transparent. The frames are held in memory (8-bit BGRA, after scaling) until the end; an
atlas over ``MAX_SIDE`` pixels a side is refused before the first frame, which also bounds that
memory (1 GiB).

The three files are written safely (``sheet_output``): all are claimed (the atlas first), written to
temporaries and read back (the atlas decoded and compared, the JSON and the ``.tres`` byte for byte)
before any is renamed into place; then the ``.tres`` and the JSON are renamed, then the atlas. Should
one fail to follow, the previous files already replaced are put back (they were hard-linked aside),
so a failure leaves the previous sheet as it was. Only a crash between the renames (within one
folder) can leave them unmatched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from workstation.kernel.safe_write import OutputError, output_file, temporary_name
from workstation.media import quiet
from workstation.output.encoders import Encoder, write_all
from workstation.output.engine_data import SheetLayout, SheetPlan, aseprite_json, godot_sprite_frames
from workstation.output.formats import MAX_SIDE, FrameWriteError

DATA_SUFFIX = ".json"  # Aseprite's JSON
GODOT_SUFFIX = ".tres"  # Godot's SpriteFrames


def data_path(atlas: Path) -> Path:
    """The JSON written beside the atlas ``atlas``: the same name with ``.json``."""
    if atlas.suffix.lower() in (DATA_SUFFIX, GODOT_SUFFIX):
        raise FrameWriteError("a sprite sheet's path is its atlas image (.png); its JSON and .tres are written "
                              "beside it", atlas)
    return atlas.with_suffix(DATA_SUFFIX)


def godot_path(atlas: Path) -> Path:
    """The Godot SpriteFrames written beside the atlas ``atlas``: the same name with ``.tres``."""
    return data_path(atlas).with_suffix(GODOT_SUFFIX)


def sheet_paths(atlas: Path) -> tuple[Path, Path, Path]:
    """Every file a sprite sheet writes: its atlas, its JSON and its ``.tres``."""
    return atlas, data_path(atlas), godot_path(atlas)


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


@dataclass(frozen=True)
class SheetFiles:
    """The temporaries of the three files of a sheet."""

    atlas: Path
    data: Path
    godot: Path


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
    """Write the atlas, its JSON and its ``.tres``: yields their temporaries. ``verify(atlas
    temporary)`` checks all three before any replaces anything; on any error the previous files are
    left as they were."""
    beside = [data_path(atlas), godot_path(atlas)]  # renamed in the reverse order, then the atlas
    previous: dict[Path, Path | None] = {}  # the files being replaced, kept aside until the atlas follows
    temporaries: dict[Path, Path] = {}
    try:
        with ExitStack() as files:
            atlas_temporary = files.enter_context(output_file(atlas, overwrite=overwrite))

            def verify_then_keep_previous(last_temporary: Path) -> None:
                verify(atlas_temporary)
                previous.update((path, _keep_aside(path)) for path in beside)

            for path in beside:
                check = verify_then_keep_previous if path == beside[-1] else None
                temporaries[path] = files.enter_context(output_file(path, overwrite=overwrite, verify=check))
            try:
                yield SheetFiles(atlas_temporary, *temporaries.values())
            except OSError as error:  # named after the output asked for, not the file whose context is inside
                raise OutputError(error.strerror or str(error), atlas) from None
    except BaseException:
        for path, kept in previous.items():
            if not temporaries[path].exists():  # the new file went in, the atlas did not follow
                _put_back(path, kept)
        raise
    finally:
        for kept in previous.values():
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
    """Frames buffered as BGRA images, laid into the atlas and encoded at the end, with the JSON and
    the ``.tres`` of ``plan`` (without one: one animation named after the atlas, frames from 0)."""

    what = "sprite sheet"

    def __init__(self, target: Path, files: SheetFiles, fps: float, plan: SheetPlan | None = None):
        super().__init__(target)
        self.files = files
        self.fps = fps
        self.plan = plan
        self.images: list[np.ndarray] = []
        self._texts: list[tuple[str, Path, bytes]] = []  # the JSON and the .tres: what, temporary, bytes written
        self._atlas: tuple[tuple[int, ...], bytes] = ((), b"")  # shape and digest of the atlas encoded

    def encode(self, image: np.ndarray) -> None:
        if not fits(len(self.images) + 1, image.shape[1], image.shape[0]):
            sheet_layout(len(self.images) + 1, image.shape[1], image.shape[0], self.target)  # raises, saying why
        self.images.append(image)

    def finish(self) -> None:
        plan = self.plan or SheetPlan.plain(self.target.stem, len(self.images), self.fps)
        if plan.frame_count != len(self.images):
            raise FrameWriteError(f"{len(self.images)} frames were written for a sheet of {plan.frame_count}",
                                  self.target)
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
        name = self.target.name
        self._texts = [
            ("JSON", self.files.data, (json.dumps(aseprite_json(layout, plan, name), indent=1) + "\n").encode()),
            (".tres", self.files.godot, godot_sprite_frames(layout, plan, name).encode()),
        ]
        for _, path, text in self._texts:
            with open(path, "wb") as stream:
                write_all(stream, text)

    def verify(self, temporary: Path) -> None:
        """The atlas decodes to the pixels laid out; the JSON and the .tres read back byte for byte."""
        with quiet():
            atlas = cv2.imread(str(temporary), cv2.IMREAD_UNCHANGED)
        if atlas is None or (atlas.shape, hashlib.blake2b(np.ascontiguousarray(atlas).data).digest()) != self._atlas:
            raise FrameWriteError("the new sprite sheet's atlas does not read back as written", self.target)
        for what, path, text in self._texts:
            if path.read_bytes() != text:
                final = data_path(self.target) if what == "JSON" else godot_path(self.target)
                raise FrameWriteError(f"the new sprite sheet's {what} does not read back as written", final)

    def abort(self) -> None:
        self.images = []
