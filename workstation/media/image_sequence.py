"""Numbered images picked together (``walk_01.png`` ... ``walk_24.png``): what File ▸ Import Clip…
offers to import as one clip rather than one clip each.

A clip of images is a folder (``ClipRef.path``), whose frames are the images it lists, in natural
order (``readers.list_images``). So numbered images are one clip only when they are all the images
of their folder: picked out of a folder that holds other images too, they would become a clip of
those as well. Such a sequence says which (``others``), and the workstation refuses to make it one
clip, suggesting a folder of its own, rather than record frames its folder does not hold alone.

Names only: nothing is opened here. The folder's reading (``probe``) checks, as for any folder,
that each file is one image of the same size.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workstation.media.media_error import MediaError
from workstation.media.readers import IMAGE_EXTENSIONS, list_images, natural_key

__all__ = ["ImageSequence", "numbered_sequences"]

_NUMBERED = re.compile(r"(.*?)(\d+)(\D*)")  # the stem around its last run of digits: walk_(01), take2_(10)_final


@dataclass(frozen=True)
class ImageSequence:
    folder: Path
    files: tuple[Path, ...]  # two or more, in natural order: the clip's frames
    others: tuple[str, ...]  # the names of the folder's other images (none: the folder is the clip)

    @property
    def own_folder(self) -> bool:
        """Whether the folder holds these images and no other: then it is their clip."""
        return not self.others

    def describe(self) -> str:
        """``walk_01.png … walk_24.png`` (first and last), or ``a.png and b.png``."""
        joint = " and " if len(self.files) == 2 else " … "
        return f"{self.files[0].name}{joint}{self.files[-1].name}"


def _series(path: Path) -> tuple[str, str, str, str] | None:
    """What numbered images of one sequence share (folder, the name before and after the number,
    the extension), or None for a file that is not a numbered image a folder clip would list."""
    if path.name.startswith(".") or path.suffix.lower() not in IMAGE_EXTENSIONS:
        return None
    match = _NUMBERED.fullmatch(path.stem)
    if match is None:
        return None
    before, _, after = match.groups()
    return os.path.normcase(str(path.parent)), before.casefold(), after.casefold(), path.suffix.lower()


def numbered_sequences(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[ImageSequence], list[Path]]:
    """(the sequences among ``paths``: numbered images of one folder with the same name around the
    number and the same extension, two or more of them; the other paths, in the order given)."""
    series: dict[tuple[str, str, str, str], list[Path]] = {}
    rest: list[Path] = []
    for path in map(Path, paths):
        key = _series(path) if path.is_file() else None
        if key is None:
            rest.append(path)
        elif path not in series.setdefault(key, []):
            series[key].append(path)
    sequences = []
    for files in series.values():
        if len(files) == 1:
            rest.append(files[0])
            continue
        files.sort(key=lambda file: natural_key(file.name))
        sequences.append(ImageSequence(files[0].parent, tuple(files), _other_images(files)))
    rest.sort(key=[Path(p) for p in paths].index)
    return sequences, rest


def _other_images(files: list[Path]) -> tuple[str, ...]:
    picked = {file.name for file in files}
    try:
        listed = list_images(files[0].parent)
    except MediaError:
        return ()  # the folder cannot be listed: its reading says so, in one line
    return tuple(file.name for file in listed if file.name not in picked)
