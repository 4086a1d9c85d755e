"""The workstation's headless commands, ``stopframe render`` and ``stopframe demo-project``: their
arguments and what they do. They need only the base install (no torch, no Qt); ``main.py`` adds
them to its parser next to the commands of the training extra.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workstation.kernel.errors import StopframeError
from workstation.kernel.locations import default_demo_folder
from workstation.render.layers import LayerView

if TYPE_CHECKING:
    from workstation.project import Project, Shot
    from workstation.render.engine import Engine

Commands = argparse._SubParsersAction  # what ArgumentParser.add_subparsers returns


class UserError(StopframeError):
    """A problem with what the user gave us: reported in one line, exit code 2."""


# workstation.output.FORMATS, named here so that building the parser loads no encoder (a test holds them equal)
RENDER_FORMATS = ("png", "mp4", "gif", "mov", "webm", "apng", "webp", "sprites")


def add_render(commands: Commands) -> None:
    render = commands.add_parser("render", help="render a shot (or every shot) of a project to PNG frames, a video, "
                                                "an animation or a sprite sheet")
    render.add_argument("project", help="a .stopframe project file")
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("--shot", help="the shot's name")
    which.add_argument("--all", action="store_true",
                       help="every shot: --out is a folder that gets one output per shot, named after the shot")
    render.add_argument("--out", required=True, help="a folder for png, a file otherwise (sprites: the atlas .png; "
                                                     "its .json is written beside it); with --all, the folder")
    render.add_argument("--format", choices=RENDER_FORMATS, default="png",
                        help="png (frames), mp4 (H.264), gif, mov (ProRes 4444 with alpha), webm (VP9 with alpha), "
                             "apng, webp or sprites (PNG atlas + JSON); all but mp4 and gif keep alpha")
    render.add_argument("--fps", type=float, help="frames per second (default: the shot's)")
    render.add_argument("--range", help="frames A:B of the shot (B exclusive), e.g. 0:24")
    render.add_argument("--scale", type=int, help="scale the model's square render up by this whole factor "
                                                  "(default: the shot's output size, Shot ▸ Output Size)")
    scaling = render.add_mutually_exclusive_group()
    scaling.add_argument("--smooth", action="store_const", const=True, dest="smooth",
                         help="smooth scaling (default: the shot's)")
    scaling.add_argument("--crisp", action="store_const", const=False, dest="smooth",
                         help="crisp pixels (default: the shot's)")
    render.add_argument("--fit", choices=("crop", "letterbox"),
                        help="fit every clip's frames to the model's square this way (default: each clip's own)")
    render.add_argument("--layer", type=LayerView, choices=list(LayerView), default=LayerView.COMPOSITE,
                        help="composite (the frame), background (the plate), characters (RGBA: a format with "
                             "alpha) or alpha (the characters' coverage, grey)")
    render.add_argument("--force", "--overwrite", dest="force", action="store_true",
                        help="overwrite an existing output")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(run=command_render)


def command_render(args: argparse.Namespace) -> int:
    from workstation import project as document
    from workstation.output import ALPHA_FORMATS, has_alpha, output_exists
    from workstation.render.shot_frames import open_engine, parse_range

    project = document.load_project(args.project)
    if args.all:
        return render_all(args, project)
    try:
        shot = project.shot(args.shot)
    except (KeyError, document.ProjectError):
        names = ", ".join(s.name for s in project.shots) or "none"
        raise UserError(f"{args.project}: no shot named {args.shot!r} (shots: {names})") from None
    try:
        frames = parse_range(args.range, shot.length)
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.layer.has_alpha and not has_alpha(args.format):
        raise UserError(f"{args.out}: {args.format} has no alpha channel; write --layer characters as one of "
                        f"{', '.join(ALPHA_FORMATS)}")
    if output_exists(args.out, args.format) and not args.force:  # the quick refusal, before the model loads
        raise UserError(f"{args.out}: exists; pass --force to overwrite it")
    engine = open_engine(project, args.fit)
    render_one(args, engine, project, shot, Path(args.out), frames, device_line=True)
    print(f"wrote {len(frames)} frames to {args.out}", file=sys.stderr)
    return 0


def render_one(args: argparse.Namespace, engine: Engine, project: Project, shot: Shot, out: Path,
               frames: Sequence[int], device_line: bool = False) -> None:
    """Write ``frames`` of ``shot`` to ``out`` as ``args`` say (format, fps, scale, layer, force)."""
    from tqdm import tqdm

    from workstation.output import FrameWriter
    from workstation.render.shot_frames import render_shot

    fps = args.fps or shot.fps
    # The writer claims the output and checks its size (scale, a GIF's memory) before any frame:
    # every refusal is the only line the user sees.
    scale = shot.output.scale if args.scale is None else args.scale
    smooth = shot.output.scaling == "smooth" if args.smooth is None else args.smooth
    with FrameWriter(out, args.format, fps, len(frames), scale=scale, smooth=smooth,
                     force=args.force, frame_size=(engine.image_size, engine.image_size)) as writer:
        if device_line:
            print(f"stopframe: {engine.device_line}", file=sys.stderr)
        with tqdm(total=len(frames), unit="frame", disable=args.quiet, desc=None if device_line else shot.name) as bar:
            for image in render_shot(engine, project, shot.name, frames, args.layer):
                writer.write(image)
                bar.update(1)


def render_all(args: argparse.Namespace, project: Project) -> int:
    """``render --all``: every shot, whole, into the folder ``--out``, one output per shot named after it.
    Every output is checked before anything renders: an existing one is refused without --overwrite."""
    from workstation.output import ALPHA_FORMATS, has_alpha
    from workstation.output.shot_files import existing_outputs, shot_outputs
    from workstation.render.shot_frames import open_engine

    folder = Path(args.out)
    if args.range:
        raise UserError("--range is for one shot (--shot); --all renders every shot whole")
    if not project.shots:
        raise UserError(f"{args.project}: has no shots to render")
    if args.layer.has_alpha and not has_alpha(args.format):
        raise UserError(f"{folder}: {args.format} has no alpha channel; write --layer characters as one of "
                        f"{', '.join(ALPHA_FORMATS)}")
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is not a folder (--all writes one output per shot into a folder)")
    outputs = shot_outputs(project, folder, args.format)
    existing = existing_outputs(outputs, args.format)
    if existing and not args.force:
        names = ", ".join(path.name for path in existing)
        them = "it" if len(existing) == 1 else "them"
        raise UserError(f"{folder}: already holds {names}; pass --overwrite to replace {them}")
    engine = open_engine(project, args.fit)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{folder}: cannot create the folder: {error.strerror or error}") from None
    print(f"stopframe: {engine.device_line}", file=sys.stderr)
    for name, out in outputs:
        shot = project.shot(name)
        render_one(args, engine, project, shot, out, range(shot.length))
        print(f"wrote {shot.length} frames of {name!r} to {out}", file=sys.stderr)
    return 0


def add_demo_project(commands: Commands) -> None:
    demo_project = commands.add_parser("demo-project", help="write the demo project (an existing one is kept) "
                                                            "and print its path")
    demo_project.add_argument("--out", help="its folder (default: the demo folder in your user data folder)")
    demo_project.add_argument("--sprites", action="store_true",
                              help="the sprite demo (game characters, sprites.stopframe) instead of the digits")
    demo_project.set_defaults(run=command_demo_project)


def command_demo_project(args: argparse.Namespace) -> int:
    from workstation.demos.digit_demo import write_demo_project
    from workstation.demos.sprite_demo import write_sprite_demo_project

    write = write_sprite_demo_project if args.sprites else write_demo_project
    print(write(Path(args.out).absolute() if args.out else default_demo_folder()))
    return 0
