"""The workstation's headless commands, ``stopframe render`` and ``stopframe demo-project``: their
arguments and what they do. They need only the base install (no torch, no Qt); ``main.py`` adds
them to its parser next to the commands of the training extra.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstation.errors import StopframeError
from workstation.layers import LAYERS
from workstation.locations import default_demo_folder

Commands = argparse._SubParsersAction  # what ArgumentParser.add_subparsers returns


class UserError(StopframeError):
    """A problem with what the user gave us: reported in one line, exit code 2."""


# export.frames.FORMATS, named here so that building the parser loads no encoder (a test holds them equal)
RENDER_FORMATS = ("png", "mp4", "gif", "mov", "webm", "apng", "webp", "sprites")


def add_render(commands: Commands) -> None:
    render = commands.add_parser("render", help="render a shot of a project to PNG frames, a video, an animation "
                                                "or a sprite sheet")
    render.add_argument("project", help="a .stopframe project file")
    render.add_argument("--shot", required=True, help="the shot's name")
    render.add_argument("--out", required=True, help="a folder for png, a file otherwise (sprites: the atlas .png; "
                                                     "its .json is written beside it)")
    render.add_argument("--format", choices=RENDER_FORMATS, default="png",
                        help="png (frames), mp4 (H.264), gif, mov (ProRes 4444 with alpha), webm (VP9 with alpha), "
                             "apng, webp or sprites (PNG atlas + JSON); all but mp4 and gif keep alpha")
    render.add_argument("--fps", type=float, help="frames per second (default: the shot's)")
    render.add_argument("--range", help="frames A:B of the shot (B exclusive), e.g. 0:24")
    render.add_argument("--scale", type=int, default=1, help="scale the output up by this whole factor")
    render.add_argument("--smooth", action="store_true", help="smooth scaling (default: crisp pixels)")
    render.add_argument("--fit", choices=("crop", "letterbox"), default="crop",
                        help="how clip frames are fitted to the model's square size")
    render.add_argument("--layer", choices=LAYERS, default="composite",
                        help="composite (the frame), background (the plate), characters (RGBA: a format with "
                             "alpha) or alpha (the characters' coverage, grey)")
    render.add_argument("--force", action="store_true", help="overwrite an existing output")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(run=command_render)


def command_render(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from export.frames import ALPHA_FORMATS, FrameWriter, has_alpha, output_exists
    from workstation import project as document
    from workstation.rendering import open_engine, parse_range, render_shot

    project = document.load_project(args.project)
    try:
        shot = project.shot(args.shot)
    except (KeyError, document.ProjectError):
        names = ", ".join(s.name for s in project.shots) or "none"
        raise UserError(f"{args.project}: no shot named {args.shot!r} (shots: {names})") from None
    try:
        frames = parse_range(args.range, shot.length)
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.layer == "characters" and not has_alpha(args.format):
        raise UserError(f"{args.out}: {args.format} has no alpha channel; write --layer characters as one of "
                        f"{', '.join(ALPHA_FORMATS)}")
    if output_exists(args.out, args.format) and not args.force:  # the quick refusal, before the model loads
        raise UserError(f"{args.out}: exists; pass --force to overwrite it")
    engine = open_engine(project, args.fit)
    fps = args.fps or shot.fps
    # The writer claims the output and checks its size (scale, a GIF's memory) before any frame:
    # every refusal is the only line the user sees.
    with FrameWriter(args.out, args.format, fps, len(frames), scale=args.scale, smooth=args.smooth,
                     force=args.force, frame_size=(engine.image_size, engine.image_size)) as writer:
        print(f"stopframe: {engine.device_line}", file=sys.stderr)
        with tqdm(total=len(frames), unit="frame", disable=args.quiet) as bar:
            for image in render_shot(engine, project, shot.name, frames, args.layer):
                writer.write(image)
                bar.update(1)
    print(f"wrote {len(frames)} frames to {args.out}", file=sys.stderr)
    return 0


def add_demo_project(commands: Commands) -> None:
    demo_project = commands.add_parser("demo-project", help="write the demo project (an existing one is kept) "
                                                            "and print its path")
    demo_project.add_argument("--out", help="its folder (default: the demo folder in your user data folder)")
    demo_project.set_defaults(run=command_demo_project)


def command_demo_project(args: argparse.Namespace) -> int:
    from workstation.demo_project import write_demo_project

    print(write_demo_project(Path(args.out).absolute() if args.out else default_demo_folder()))
    return 0
