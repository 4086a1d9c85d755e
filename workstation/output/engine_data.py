"""What a game engine reads beside a sprite sheet's atlas: Aseprite's JSON (array form) and a Godot 4
``SpriteFrames`` resource (``.tres``), both made here from the atlas's grid (``SheetLayout``: equal
cells, filled row by row) and a ``SheetPlan``.

A plan is the sheet's animations in order, one per shot (``SheetAnimation``: its name, the timeline's
numbers of the frames it holds, its fps), and how the frames were enlarged from the model's square:
``scale`` output pixels per square pixel and the ``scaling`` ("crisp": nearest neighbour; "smooth").

Aseprite's JSON (https://www.aseprite.org/docs/cli/#format, "json-array"): ``frames`` is a list in
sheet order, each with its ``filename``, ``frame`` rectangle, ``duration`` in ms (``round(1000 /
fps)``) and the untrimmed sizes; ``meta.frameTags`` has one tag per animation (``from``/``to``: its
first and last index in ``frames``, direction ``forward``); ``meta.size`` is the atlas's size and
``meta.scale`` the enlargement (Aseprite's ``--scale``: "4" for 256-pixel frames of a 64-pixel
square). Frame names are ``<animation>_<timeline frame>``, the animation's name with its spaces made
``_`` and the frame number zero-padded to the digits of the sheet's largest, so names sort in frame
order within each tag. Beyond Aseprite's keys, ``meta.cell`` says the grid (every cell ``w`` x ``h``,
``columns`` x ``rows``, no margin or spacing: what Unity's "Grid By Cell Size" and Godot's atlas
slicer ask) and ``meta.scaling`` the enlargement's filter.

Godot's text resource format (https://docs.godotengine.org, "TSCN file format"): one ``ext_resource``
for the atlas, named by its file name relative to the ``.tres`` (Godot 4's ``ResourceLoaderText``
resolves a path without ``res://`` against the folder of the file being loaded, so the two files
work together in any folder of a Godot project), one ``AtlasTexture`` sub-resource per frame with its
``region``, and ``animations``: one per animation with its frames, ``speed`` (its fps) and ``loop``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workstation import __version__

DIRECTIONS = ("forward", "reverse", "pingpong")  # Aseprite's tag directions
SCALINGS = {"crisp": "nearest", "smooth": "bicubic"}  # the project's scaling, as the filter it names


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


@dataclass(frozen=True)
class SheetAnimation:
    """One animation of a sheet: a shot's frames, in order."""

    name: str  # the shot's name: the tag's and the Godot animation's
    frames: Sequence[int]  # the timeline's numbers of its frames (a shot's range, or its in/out range)
    fps: float
    loop: bool = True
    direction: str = "forward"  # one of DIRECTIONS

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction={self.direction!r}: allowed values are {', '.join(DIRECTIONS)}")

    @property
    def duration_ms(self) -> int:
        return max(1, round(1000.0 / self.fps))


@dataclass(frozen=True)
class SheetPlan:
    """The animations of one sheet, in the atlas's order, and how its frames were enlarged."""

    animations: tuple[SheetAnimation, ...]
    scale: float = 1.0  # output pixels per pixel of the model's square
    scaling: str | None = None  # "crisp" or "smooth"; None: frames written as they came

    @classmethod
    def plain(cls, name: str, frame_count: int, fps: float) -> SheetPlan:
        """A sheet of frames that came without a shot: one animation, frames numbered from 0, unscaled."""
        return cls((SheetAnimation(name, range(frame_count), fps),))

    @property
    def frame_count(self) -> int:
        return sum(len(animation.frames) for animation in self.animations)


def scale_text(scale: float) -> str:
    """``meta.scale`` as Aseprite writes it: a whole number without a point ("4"), else up to 6 digits."""
    whole = round(scale)
    return str(whole) if math.isclose(scale, whole, abs_tol=1e-9) else f"{scale:.6g}"


def _name_part(name: str) -> str:
    """A name for frame names: its runs of white space made one ``_``."""
    return re.sub(r"\s+", "_", name.strip()) or "shot"


def frame_names(plan: SheetPlan) -> list[str]:
    """``<animation>_<frame>`` for every frame of the sheet, in order; no two alike (ignoring case)."""
    width = len(str(max((max(a.frames) for a in plan.animations if len(a.frames)), default=0)))
    used: set[str] = set()
    names: list[str] = []
    for animation in plan.animations:
        base = part = _name_part(animation.name)
        number = 2
        while part.casefold() in used:
            part = f"{base}-{number}"
            number += 1
        used.add(part.casefold())
        names.extend(f"{part}_{frame:0{width}d}" for frame in animation.frames)
    return names


def aseprite_json(layout: SheetLayout, plan: SheetPlan, atlas_name: str) -> dict[str, Any]:
    """Aseprite's JSON (array form) of the sheet whose atlas file is ``atlas_name``."""
    width, height = layout.cell_width, layout.cell_height
    frames: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    names = iter(frame_names(plan))
    for animation in plan.animations:
        first = len(frames)
        for _ in animation.frames:
            x, y = layout.cell(len(frames))
            frames.append({
                "filename": next(names),
                "frame": {"x": x, "y": y, "w": width, "h": height},
                "rotated": False,
                "trimmed": False,
                "spriteSourceSize": {"x": 0, "y": 0, "w": width, "h": height},
                "sourceSize": {"w": width, "h": height},
                "duration": animation.duration_ms,
            })
        tags.append({"name": animation.name, "from": first, "to": len(frames) - 1, "direction": animation.direction})
    meta: dict[str, Any] = {
        "app": "Stopframe", "version": __version__, "image": atlas_name, "format": "RGBA8888",
        "size": {"w": layout.width, "h": layout.height}, "scale": scale_text(plan.scale),
        "frameTags": tags, "layers": [], "slices": [],
        "cell": {"w": width, "h": height, "columns": layout.columns, "rows": layout.rows, "margin": 0, "spacing": 0},
    }
    if plan.scaling is not None:
        meta["scaling"] = SCALINGS[plan.scaling]
    return {"frames": frames, "meta": meta}


def godot_string(text: str) -> str:
    """``text`` as a quoted string of Godot's text resource format (VariantParser's escapes)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for character, escape in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f")):
        escaped = escaped.replace(character, escape)
    return f'"{escaped}"'


def _godot_float(value: float) -> str:
    """A float as Godot writes one: always with a point ("12.0")."""
    text = repr(float(value))
    return text if any(mark in text for mark in ".en") else text + ".0"


def godot_sprite_frames(layout: SheetLayout, plan: SheetPlan, atlas_name: str) -> str:
    """A Godot 4 ``SpriteFrames`` resource of the sheet, its atlas ``atlas_name`` beside it."""
    width, height = layout.cell_width, layout.cell_height
    count = plan.frame_count
    lines = [f"[gd_resource type=\"SpriteFrames\" load_steps={count + 2} format=3]", "",
             f"; Stopframe {__version__}: {count} frames in cells of {width}x{height} pixels, {layout.columns} "
             f"columns x {layout.rows} rows, no margin or spacing; scale {scale_text(plan.scale)}",
             "; the atlas's path is relative to this file: keep the two together in one folder", "",
             f"[ext_resource type=\"Texture2D\" path={godot_string(atlas_name)} id=\"1_atlas\"]", ""]
    digits = len(str(max(count - 1, 0)))
    ids = [f"AtlasTexture_{index:0{digits}d}" for index in range(count)]
    for index, texture in enumerate(ids):
        x, y = layout.cell(index)
        lines += [f"[sub_resource type=\"AtlasTexture\" id=\"{texture}\"]", "atlas = ExtResource(\"1_atlas\")",
                  f"region = Rect2({x}, {y}, {width}, {height})", ""]
    animations = []
    textures = iter(ids)
    for animation in plan.animations:
        frames = ", ".join(f'{{"duration": 1.0, "texture": SubResource("{next(textures)}")}}'
                           for _ in animation.frames)
        animations.append(f'{{"frames": [{frames}], "loop": {"true" if animation.loop else "false"}, '
                          f'"name": &{godot_string(animation.name)}, "speed": {_godot_float(animation.fps)}}}')
    lines += ["[resource]", f"animations = [{', '.join(animations)}]", ""]
    return "\n".join(lines)
