"""What a clip is (:class:`ClipInfo`) and :func:`probe`, which opens a clip, validates it and
describes it.

Frame counts are established by reading, never taken from a header: a video is decoded through
(``CAP_PROP_FRAME_COUNT`` can be wrong), every image of a folder is decoded (and must share the
first one's size and be one frame), an animation's frames (a GIF, an animated WebP, an APNG, a
multi-page TIFF) are all loaded. A clip cut from a sprite sheet (``sheet``: a grid's row or an
Aseprite JSON's tag, ``sprite_sheets.py``) is its cells, in order; an Aseprite JSON given without a
cut is every frame it lists.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from workstation.media.media_error import guarded, media_error
from workstation.media.quiet import quiet
from workstation.media.readers import (
    IMAGE_EXTENSIONS,
    SHEET_EXTENSIONS,
    ClipKind,
    animation_format,
    count_frames,
    kind_of,
    list_images,
    load_animation,
    open_capture,
    read_image,
)
from workstation.media.sprite_sheets import SheetFrames, SheetSpec, TagCut, cut_sheet

DEFAULT_FPS = 12.0  # image folders, single images and files whose own rate is missing or absurd


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    kind: ClipKind
    frame_count: int   # counted by decoding for videos
    fps: float
    width: int
    height: int
    image_names: tuple[str, ...] | None = None  # an image folder's files, in frame order (``image_names``)
    sheet: SheetSpec | None = None  # how the clip is cut from the sprite sheet at ``path``


def image_names(files: list[Path]) -> tuple[str, ...]:
    """The names of an image folder's files (``readers.list_images``), in frame order: what a project
    records of the folder, to notice later that its images are no longer those (``clip.folder_change``)."""
    return tuple(file.name for file in files)


def listed_names(path: Path) -> tuple[str, ...] | None:
    """The image names of the clip at ``path`` as it is now, when it is a folder (None for a file):
    what relinking a clip to it records. Lists the folder, decodes nothing."""
    return image_names(list_images(path)) if path.is_dir() else None


def valid_fps(value: float, default: float = DEFAULT_FPS) -> float:
    """``value`` as a frame rate, or ``default`` if it is not a number in (0, 1000]."""
    try:
        fps = float(value)
    except (TypeError, ValueError):
        return default
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        return default
    return fps


def probe_video(path: Path, kind: ClipKind = "video", what: str = "a video") -> ClipInfo:
    """Decode a video (or an animation FFmpeg reads as one) through to count its frames."""
    cap = open_capture(path)
    if cap is None:
        raise media_error(path, f"not {what} OpenCV can decode")
    try:
        with quiet():
            fps = valid_fps(cap.get(cv2.CAP_PROP_FPS))
            ok, first = cap.read()
            if not ok or first is None or first.size == 0:
                raise media_error(path, f"not {what} OpenCV can decode (no frame decodes)")
            count = 1
            while cap.grab():
                count += 1
    finally:
        cap.release()
    height, width = first.shape[:2]
    return ClipInfo(path=path, kind=kind, frame_count=count, fps=fps, width=int(width), height=int(height))


def _with_article(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeio' else 'a'} {name}"


def gif_info(path: Path, frames: list[np.ndarray], durations: list[float]) -> ClipInfo:
    """Describe a loaded animation: all frames the same size; fps from the mean positive duration
    (the default rate when there are none)."""
    height, width = frames[0].shape[:2]
    for i, f in enumerate(frames):
        if f.shape[:2] != (height, width):
            raise media_error(path, f"{animation_format(path)[0]} frame {i} is {f.shape[1]}x{f.shape[0]} "
                                    f"but frame 0 is {width}x{height}")
    positive = [d for d in durations if d > 0]
    fps = valid_fps(1000.0 / (sum(positive) / len(positive))) if positive else DEFAULT_FPS
    return ClipInfo(path=path, kind="gif", frame_count=len(frames), fps=fps, width=int(width), height=int(height))


def read_animation(path: Path) -> tuple[ClipInfo, list[np.ndarray] | None]:
    """(ClipInfo, every frame) of an animation OpenCV's animation reader decodes. FFmpeg reads a GIF
    or an APNG it cannot (a truncated one, up to the cut) as a video: (ClipInfo, None). An animated
    WebP or a multi-page TIFF it cannot (FFmpeg would read one frame or none) is refused."""
    loaded = load_animation(path)
    if loaded is not None:
        return gif_info(path, *loaded), loaded[0]
    name, _ = animation_format(path)
    if name in ("animated WebP", "multi-page TIFF"):
        raise media_error(path, f"not {_with_article(name)} OpenCV can decode")
    return probe_video(path, kind="gif", what=_with_article(name)), None


def image_info(path: Path, image: np.ndarray) -> ClipInfo:
    """A single image: one frame at the default rate."""
    return ClipInfo(path=path, kind="image", frame_count=1, fps=DEFAULT_FPS,
                    width=int(image.shape[1]), height=int(image.shape[0]))


def scan_folder(folder: Path,
                on_frame: Callable[[int, np.ndarray], None] | None = None) -> tuple[ClipInfo, list[Path]]:
    """Decode every image of a folder to validate it (``on_frame(i, image)`` sees each); returns
    (ClipInfo, files)."""
    files = list_images(folder)
    if not files:
        raise media_error(folder, f"no images (looked for {', '.join(IMAGE_EXTENSIONS)})")
    size: tuple[int, int] | None = None
    for i, file in enumerate(files):
        count = count_frames(file)
        if count > 1:
            raise media_error(file, f"{_with_article(animation_format(file)[0])} of {count} frames in a folder of "
                                    "images, which takes one frame a file; import it on its own")
        img = read_image(file)
        h, w = img.shape[:2]
        if size is None:
            size = (w, h)
        elif (w, h) != size:
            raise media_error(file, f"image is {w}x{h} but {files[0].name} is {size[0]}x{size[1]}; "
                                    "all images in a folder must be the same size")
        if on_frame is not None:
            on_frame(i, img)
    assert size is not None  # files is not empty
    return ClipInfo(path=folder, kind="images", frame_count=len(files), fps=DEFAULT_FPS,
                    width=size[0], height=size[1], image_names=image_names(files)), files


def sheet_cut(path: Path, sheet: SheetSpec | None) -> SheetSpec | None:
    """How the clip at ``path`` is cut from a sheet: ``sheet``, or every frame of an Aseprite JSON."""
    if sheet is None and path.suffix.lower() in SHEET_EXTENSIONS:
        return TagCut()
    return sheet


def sheet_info(path: Path, sheet: SheetSpec) -> tuple[ClipInfo, SheetFrames]:
    """(ClipInfo, its frames) of the clip ``sheet`` cuts from the sheet at ``path``: its rate the
    durations' (an Aseprite JSON's), else the default."""
    cut = cut_sheet(path, sheet)
    info = ClipInfo(path=path, kind="sheet", frame_count=len(cut.frames), fps=valid_fps(cut.fps or DEFAULT_FPS),
                    width=cut.width, height=cut.height, sheet=sheet)
    return info, cut.frames


def probe(path: str | os.PathLike[str], sheet: SheetSpec | None = None) -> ClipInfo:
    """Open and validate a clip (with ``sheet``: the one it cuts from a sprite sheet); raises
    MediaError (one line naming the file) if it cannot be used.

    Videos are decoded through to count their frames; every image of a folder is decoded to check
    it reads and has the same size as the others; an animation and a sheet are loaded whole.
    """
    p = Path(path)
    cut = sheet_cut(p, sheet)

    def run() -> ClipInfo:
        if cut is not None:
            return sheet_info(p, cut)[0]
        kind = kind_of(p)
        if kind == "images":
            return scan_folder(p)[0]
        if kind == "image":
            return image_info(p, read_image(p))
        if kind == "gif":
            return read_animation(p)[0]
        return probe_video(p)

    return guarded(p, run)
