"""The sprite demo project: game characters of the Liberated Pixel Cup (the shipped clips of
``assets/sprite_demo/clips``, made by ``scripts/make_sprite_demo_media.py``) in four ready shots.

Every character is a test character of the sprite dataset (``training/data/sprites.py``: never
seen in training), drawn over test backgrounds; each character is taken from a single still frame
and moved by another test character's clip:

- shot "walk": the walker, from one still, walks with another character's walk (over ``backdrop-1``);
- shot "slash": the fighter swings with another character's slash (over ``backdrop-2``);
- shot "spellcast": the caster raises its arms with another character's spell (over ``backdrop-1``);
- shot "party": the walker and the caster side by side (over ``backdrop-2``).

The project names the bundled sprite model (``assets/models/sprites``).
The project is written beside the digit demo (``workstation.demos.digit_demo``) by the app's first
start, by File ▸ Open Demo ▸ Sprites and by ``stopframe demo-project --sprites``. No Qt here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workstation import project as document
from workstation.demos.digit_demo import write_once
from workstation.kernel.locations import asset_path
from workstation.media import MediaError, probe
from workstation.project import (
    Character,
    ClipRef,
    FrameRef,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    Shot,
)

__all__ = ["SPRITE_ART_CREDIT", "SPRITE_BUNDLE", "SPRITE_CLIPS", "SPRITE_DEMO_FILE_NAME", "SPRITE_DEMO_FOLDER",
           "SpriteClip", "build_sprite_demo_project", "write_sprite_demo_project"]

SPRITE_DEMO_FOLDER = asset_path("sprite_demo")  # the clips, the licence texts and the credits
SPRITE_BUNDLE = asset_path("models", "sprites")
SPRITE_DEMO_FILE_NAME = "sprites" + document.PROJECT_SUFFIX
# Shown wherever the sprites are (the About box); the art's licences ask for it.
SPRITE_ART_CREDIT = ("Sprite demo art: the Liberated Pixel Cup (LPC) and the Universal LPC spritesheet "
                     "contributors, under CC-BY-SA 3.0 and GPL 3.0")
SHOT_LENGTH = 24
SHOT_FPS = 12.0
OUTPUT = Output(256, 256, "crisp")  # 4x the sprite model's 64-pixel square, hard pixels


@dataclass(frozen=True)
class SpriteClip:
    """A shipped clip: ``frames`` of one animation row of a character over a test background (a
    folder of PNGs when several, one PNG when one), or a test background alone (``key`` None)."""

    file: str  # under assets/sprite_demo/clips
    key: str | None  # the character, "body-bottomwear-topwear-hair" (the dataset's split key)
    animation: str | None
    direction: str | None
    frames: tuple[int, ...]  # sheet columns of the row, in clip order
    background: int  # index into the dataset's test backgrounds


# Project clip name -> what it shows. Motion sources: three test characters, one per animation; the
# walk is its stride cycle (sheet frames 1-8: frame 0 is standing), so it loops without a hitch.
# Stills: three other test characters in the pose their motion source starts from.
SPRITE_CLIPS = {
    "walk": SpriteClip("walk", "0-0-0-1", "walk", "right", tuple(range(1, 9)), 6),
    "slash": SpriteClip("slash", "6-0-3-0", "slash", "right", tuple(range(6)), 4),
    "spellcast": SpriteClip("spellcast", "3-0-1-8", "spellcast", "front", tuple(range(7)), 1),
    "walker": SpriteClip("walker.png", "1-2-2-0", "walk", "right", (1,), 3),
    "fighter": SpriteClip("fighter.png", "2-4-3-2", "slash", "right", (0,), 7),
    "caster": SpriteClip("caster.png", "5-1-3-7", "spellcast", "front", (0,), 2),
    "backdrop-1": SpriteClip("backdrop-1.png", None, None, None, (), 5),
    "backdrop-2": SpriteClip("backdrop-2.png", None, None, None, (), 0),
}


def _moved_by(clip: str) -> MotionSource:
    return MotionSource(clip, start=0, end=None, loop=True)


def _character(name: str, still: str, motion: str, tx: float = 0.0) -> Character:
    """``tx``: how far right of the square's centre, as a fraction of its side."""
    keys = [Keyframe(0, Pose(tx=tx))] if tx else []
    return Character(name, FrameRef(still, 0), motion=_moved_by(motion), keyframes=keys)


def build_sprite_demo_project(folder: Path = SPRITE_DEMO_FOLDER) -> Project:
    """The sprite demo over the clips in ``folder / "clips"`` (absolute paths; never saved). Raises a
    one-line ProjectError when the folder or one of its clips is missing or unreadable."""
    clips = Path(os.path.abspath(folder)) / "clips"
    if not clips.is_dir():
        raise ProjectError(f"the sprite demo clips folder is missing: {clips}")
    project = Project(model=str(SPRITE_BUNDLE))
    for name, clip in SPRITE_CLIPS.items():
        try:
            info = probe(clips / clip.file)
        except MediaError as error:
            raise ProjectError(f"sprite demo clip {name!r} cannot be used: {error}") from None
        document.add_clip(project, name, ClipRef(str(info.path), info.frame_count, info.fps, info.width, info.height,
                                                 image_names=info.image_names))

    shots = (
        ("walk", "backdrop-1", [_character("walker", "walker", "walk")]),
        ("slash", "backdrop-2", [_character("fighter", "fighter", "slash")]),
        ("spellcast", "backdrop-1", [_character("caster", "caster", "spellcast")]),
        ("party", "backdrop-2", [_character("walker", "walker", "walk", tx=-0.21875),
                                 _character("caster", "caster", "spellcast", tx=0.21875)]),
    )
    for name, backdrop, characters in shots:
        shot = Shot(name, SHOT_LENGTH, SHOT_FPS, FrameRef(backdrop, 0), output=OUTPUT)
        for character in characters:
            document.add_character(shot, character)
        document.add_shot(project, shot)
    return project


def write_sprite_demo_project(folder: Path, clips: Path = SPRITE_DEMO_FOLDER) -> Path:
    """Save the sprite demo as ``folder / "sprites.stopframe"`` and return that path. An existing
    file is returned untouched: it may hold the user's edits."""
    return write_once(Path(folder) / SPRITE_DEMO_FILE_NAME, lambda: build_sprite_demo_project(clips))
