"""Shared by the document's tests: a project using every feature, and small helpers."""

import json
from pathlib import Path

import pytest

from workstation.project import Character, ClipRef, FrameRef, Keyframe, MotionSource, Pose, Project, Shot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "projects"


def rich_project() -> Project:
    """Three clips (one with a non-ASCII name, one absolute), a model, two shots; every kind of motion,
    interpolation and key; a character with nothing set."""
    return Project(
        clips={
            "walk": ClipRef("clips/walk.mp4", 10, 25.0, 320, 240),
            "street": ClipRef("clips/street", 5, 29.97, 64, 64),
            "dance é": ClipRef("/abs/dance.gif", 20, 12.5, 128, 96),
        },
        model="models/walker",
        shots=[
            Shot("intro", 8, 24.0, FrameRef("street", 4), [
                Character("walker", FrameRef("walk", 3), MotionSource("walk", 2, None, True),
                          [Keyframe(0, Pose(1.5, -2.25, 10.0, 1.0)),
                           Keyframe(5, Pose(0.1, 0.2, -370.5, 0.3333333333333333))],
                          "smooth"),
                Character("dancer", FrameRef("dance é", 0), MotionSource("dance é", 4, 9), [], "step"),
                Character("still", FrameRef("walk", 0)),
            ]),
            Shot("empty plate", 1, 0.1, FrameRef("walk", 9)),
        ],
    )


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and "\r" not in message
    return message
