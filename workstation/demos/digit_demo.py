"""The first-run demo project: the shipped demo clips (package data, ``assets/demo/clips``) in four
ready shots.

- shot "demo": the 2 moves along the 5's square (motion transfer) over ``backdrop-1``;
- shot "sway": the 5 rocks with the 2's sway over ``backdrop-2``;
- shot "by hand": the 7, with no motion clip, animated by three keys (it slides, turns and grows);
- shot "duet": the 2 as in "demo" and the 7 drifting with its own motion, both over ``backdrop-1``.

All use the bundled demo model. The clips are made by ``scripts/make_demo_media.py``. The project is
written to the user's data folder (``workstation.kernel.locations``) by the app's first start or by
``stopframe demo-project``. No Qt here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from workstation import project as document
from workstation.kernel.locations import asset_path, default_demo_folder
from workstation.media import MediaError, probe
from workstation.project import (
    Character,
    ClipRef,
    FrameRef,
    Interpolation,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    Shot,
)

__all__ = ["DEMO_CLIPS", "DEMO_FILE_NAME", "build_demo_project", "write_demo_project", "default_demo_folder"]

DEMO_CLIPS = asset_path("demo", "clips")
DEMO_FILE_NAME = "demo" + document.PROJECT_SUFFIX
# Project clip name -> file or folder under DEMO_CLIPS.
CLIP_FILES = {
    "digit-2-sway": "digit-2-sway",
    "digit-5-square": "digit-5-square",
    "digit-7-drift": "digit-7-drift",
    "backdrop-1": "backdrop-1.png",
    "backdrop-2": "backdrop-2.png",
}
SHOT_LENGTH = 24
SHOT_FPS = 12.0
OUTPUT = Output(256, 256, "crisp")  # 4x the demo model's 64-pixel square, hard pixels


def _looping(clip: str) -> MotionSource:
    return MotionSource(clip, start=0, end=None, loop=True)


def build_demo_project(clips: Path = DEMO_CLIPS) -> Project:
    """The demo project over the clips in ``clips`` (absolute paths; never saved). Raises a one-line
    ProjectError when the folder or one of its clips is missing or unreadable."""
    clips = Path(os.path.abspath(clips))
    if not clips.is_dir():
        raise ProjectError(f"the demo clips folder is missing: {clips}")
    project = Project(model=None)  # the bundled demo model
    for name, file_name in CLIP_FILES.items():
        try:
            info = probe(clips / file_name)
        except MediaError as error:
            raise ProjectError(f"demo clip {name!r} cannot be used: {error}") from None
        document.add_clip(project, name, ClipRef(str(info.path), info.frame_count, info.fps, info.width, info.height,
                                                 image_names=info.image_names))

    # First what the method is about (one character, moved by another clip's motion); the shot of
    # two characters, drawn back to front, comes last.
    demo = Shot("demo", SHOT_LENGTH, SHOT_FPS, FrameRef("backdrop-1", 0), output=OUTPUT)
    document.add_character(demo, Character("digit 2", FrameRef("digit-2-sway", 0), motion=_looping("digit-5-square")))
    document.add_shot(project, demo)

    sway = Shot("sway", SHOT_LENGTH, SHOT_FPS, FrameRef("backdrop-2", 0), output=OUTPUT)
    document.add_character(sway, Character("digit 5", FrameRef("digit-5-square", 0), motion=_looping("digit-2-sway")))
    document.add_shot(project, sway)

    by_hand = Shot("by hand", SHOT_LENGTH, SHOT_FPS, FrameRef("backdrop-2", 0), output=OUTPUT)
    keys = [Keyframe(0, Pose(tx=-0.40625, ty=0.09375, rotation=-10.0, scale=0.9)),  # offsets: of the square's side
            Keyframe(12, Pose(tx=-0.1875, ty=-0.0625, scale=1.2)),
            Keyframe(SHOT_LENGTH - 1, Pose(tx=0.03125, ty=0.09375, rotation=10.0, scale=0.9))]
    document.add_character(by_hand, Character("digit 7", FrameRef("digit-7-drift", 0), keyframes=keys,
                                              interpolation=Interpolation.SMOOTH))
    document.add_shot(project, by_hand)

    duet = Shot("duet", SHOT_LENGTH, SHOT_FPS, FrameRef("backdrop-1", 0), output=OUTPUT)
    document.add_character(duet, Character("digit 2", FrameRef("digit-2-sway", 0), motion=_looping("digit-5-square")))
    document.add_character(duet, Character("digit 7", FrameRef("digit-7-drift", 0), motion=_looping("digit-7-drift")))
    document.add_shot(project, duet)
    return project


def write_demo_project(folder: Path, clips: Path = DEMO_CLIPS) -> Path:
    """Save the demo project as ``folder / "demo.stopframe"`` and return that path. An existing file
    is returned untouched: it may hold the user's edits."""
    return write_once(Path(folder) / DEMO_FILE_NAME, lambda: build_demo_project(clips))


def write_once(path: Path, build: Callable[[], Project]) -> Path:
    """Save the project ``build()`` makes at ``path`` unless a file is there already (it may hold
    the user's edits); return ``path``."""
    if path.exists():
        return path
    project = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProjectError(f"cannot create the folder: {error.strerror or error}", path.parent) from None
    document.save_project(project, path)
    return path
