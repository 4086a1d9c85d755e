"""The document's value types: clips, frame references, motion, poses and keys (frozen values)
and the containers the editor changes in place (``Character``, ``Shot``, ``Project``).

Nothing here checks a value: a document is checked where it enters (``schema``: a file loaded,
an edit applied). Paths (``ClipRef.path``, ``Project.model``) are stored relative to the folder
of ``Project.path`` (the current directory while it has none) or absolute; see ``paths``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from workstation.kernel.errors import StopframeError

__all__ = [
    "Interpolation", "FITS", "SCALINGS", "MAX_OUTPUT_SIDE", "OUTPUT_MULTIPLES", "POSE_LIMITS",
    "ProjectError", "SheetGrid", "SheetTag",
    "ClipRef", "FrameRef", "MotionSource", "Pose", "IDENTITY_POSE", "Keyframe", "Character", "Output",
    "Shot", "Current", "Project", "copy_project",
]

FITS = ("crop", "letterbox")  # how a clip's frames become the model's square (workstation.media.FIT_MODES)
SCALINGS = ("crisp", "smooth")  # how the model's square is enlarged into a shot's output
MAX_OUTPUT_SIDE = 16384  # the longest side of an output frame (the frame writer's, output/formats.MAX_SIDE)
OUTPUT_MULTIPLES = (1, 2, 4, 8)  # the whole multiples of the model's square offered in Shot ▸ Output Size


class ProjectError(StopframeError, ValueError):
    """A problem with a project: one line naming the file (when known) and the JSON location."""


class Interpolation(StrEnum):
    """How a character's pose goes from one key to the next (``requests.pose_at``); the project
    file holds the value ("linear", "step", "smooth")."""

    LINEAR = "linear"  # every field in a straight line
    STEP = "step"  # each key held until the next
    SMOOTH = "smooth"  # a cubic ease-in-out (smoothstep)


@dataclass(frozen=True)
class SheetGrid:
    """A clip cut from a sprite sheet (the clip's path, a picture) by a grid: row ``row`` (from 0 at
    the top) of cells of ``cell`` (width, height) pixels, the first ``margin`` pixels from the
    picture's left and top edges and ``spacing`` between cells; its first ``count`` cells (None:
    every cell of the row). ``workstation.media.sprite_sheets`` cuts it."""

    cell: tuple[int, int]
    row: int
    margin: int = 0
    spacing: int = 0
    count: int | None = None


@dataclass(frozen=True)
class SheetTag:
    """A clip cut from a sprite sheet by its Aseprite JSON (the clip's path): the frames of the tag
    ``tag``, in the order its direction plays them (None: every frame, in order)."""

    tag: str | None = None


@dataclass(frozen=True)
class ClipRef:
    path: str  # relative to the project's folder (POSIX separators), or absolute
    frame_count: int
    fps: float
    width: int
    height: int
    fit: str = "crop"  # one of FITS: "crop" keeps the centre square, "letterbox" the whole frame, padded
    # An image folder's file names in frame order, as it was read (one per frame); None when not
    # recorded (a video, an image, or a folder of a file older than version 5): then not checked.
    image_names: tuple[str, ...] | None = None
    sheet: SheetGrid | SheetTag | None = None  # how it was cut from the sprite sheet at ``path`` (since version 6)

    @property
    def square(self) -> bool:
        return self.width == self.height


@dataclass(frozen=True)
class FrameRef:
    clip: str
    frame: int


@dataclass(frozen=True)
class MotionSource:
    """Output frame k uses clip frame ``start + min(k, end - start)`` (holding the last pose), or
    ``start + k % (end - start + 1)`` when ``loop``. ``end`` None means the clip's last frame."""

    clip: str
    start: int = 0
    end: int | None = None
    loop: bool = False


@dataclass(frozen=True)
class Pose:
    """A hand transform: an offset ``tx``, ``ty`` in fractions of the model square's side (+x right,
    +y down: 0.25 moves a character a quarter of the square, whatever the output size), degrees
    clockwise, scale."""

    tx: float = 0.0
    ty: float = 0.0
    rotation: float = 0.0
    scale: float = 1.0


IDENTITY_POSE = Pose()
# A key's pose: an offset within a million squares, a scale from 1/1000 to 1000 and a turn within a
# million degrees. Anything beyond draws nothing a frame can show, and its matrices overflow float32.
POSE_LIMITS = {"offset": 1e6, "turn": 1e6, "scale": (1e-3, 1e3)}


@dataclass(frozen=True)
class Keyframe:
    frame: int
    pose: Pose = IDENTITY_POSE


@dataclass
class Character:
    """One character of a shot. A ``hidden`` character stays in the shot (and its file) with all
    its keys, but is left out of the render requests: nothing of it is drawn or exported."""

    name: str
    source: FrameRef
    motion: MotionSource | None = None
    keyframes: list[Keyframe] = field(default_factory=list)  # sorted by frame, unique frames
    interpolation: Interpolation = Interpolation.LINEAR
    hidden: bool = False


@dataclass(frozen=True)
class Output:
    """The frame a shot is rendered, shown and exported at: ``width`` x ``height`` pixels (each
    1..MAX_OUTPUT_SIDE), with the model's square enlarged into it "crisp" (nearest neighbour: hard
    pixels) or "smooth" (bicubic), as ``scaling`` says."""

    width: int = 256
    height: int = 256
    scaling: str = "crisp"  # one of SCALINGS

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.width, self.height

    def describe(self) -> str:
        """As the status bar says it: ``1280×720 crisp``."""
        return f"{self.width}×{self.height} {self.scaling}"


@dataclass
class Shot:
    """A shot: its length, speed, background frame and characters. The order of ``characters`` is
    their z-order: the first is at the back, the last in front (drawn on top of the others).
    ``in_point`` and ``out_point`` (None: the last frame) are the frames played and exported by
    default; either past the shot's end means its last frame (a shorter shot keeps them valid)."""

    name: str
    length: int  # frames, >= 1
    fps: float  # > 0
    background: FrameRef
    characters: list[Character] = field(default_factory=list)  # back to front; none: the plate alone
    output: Output = Output()
    in_point: int = 0
    out_point: int | None = None  # None: the last frame, whatever the length

    def in_out(self) -> tuple[int, int]:
        """The in and out frames (inclusive) within the shot as long as it is now."""
        last = self.length - 1
        first = min(self.in_point, last)
        out = last if self.out_point is None else min(self.out_point, last)
        return first, max(first, out)

    def character(self, name: str) -> Character:
        for character in self.characters:
            if character.name == name:
                return character
        raise ProjectError(f"shot {self.name!r} has no character {name!r}")


@dataclass(frozen=True)
class Current:
    """Where the user was when the project was saved: the shot shown and its frame (opening the
    project goes back there; a shot no longer there, or a frame past its end, is not an error)."""

    shot: str
    frame: int = 0


@dataclass
class Project:
    clips: dict[str, ClipRef] = field(default_factory=dict)
    model: str | None = None  # model bundle folder (stored like clip paths); None: the bundled demo
    shots: list[Shot] = field(default_factory=list)
    current: Current | None = None  # where the user was at the last save: not part of the undo history
    path: Path | None = field(default=None, compare=False)  # where it was loaded from / saved to
    # What loading had to assume, in one line for the status bar (an old file's model square); not content.
    load_note: str | None = field(default=None, compare=False)

    def shot(self, name: str) -> Shot:
        for shot in self.shots:
            if shot.name == name:
                return shot
        raise ProjectError(f"no shot named {name!r}", self.path)


def copy_project(project: Project) -> Project:
    """A deep copy (``path`` included): changing the copy never changes ``project``."""
    return copy.deepcopy(project)
