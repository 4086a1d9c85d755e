"""The workstation's headless commands, ``stopframe render`` and ``stopframe demo-project``: their
arguments and what they do. They need only the base install (no torch, no Qt); ``main.py`` adds
them to its parser next to the commands of the training extra.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from workstation.kernel.errors import StopframeError
from workstation.kernel.locations import default_demo_folder
from workstation.output.formats import OutputFormat
from workstation.render.layers import LayerView

if TYPE_CHECKING:
    from workstation.output.export_request import ExportRequest
    from workstation.project import Project
    from workstation.render.engine import Engine

Commands = argparse._SubParsersAction  # what ArgumentParser.add_subparsers returns


class UserError(StopframeError):
    """A problem with what the user gave us: reported in one line, exit code 2."""


def add_render(commands: Commands) -> None:
    render = commands.add_parser("render", help="render a shot (or every shot) of a project to PNG frames, a video, "
                                                "an animation or a sprite sheet")
    render.add_argument("project", help="a .stopframe project file")
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("--shot", help="the shot's name")
    which.add_argument("--all", action="store_true",
                       help="every shot: --out is a folder that gets one output per shot, named after the shot")
    render.add_argument("--out", required=True, help="a folder for png, a file otherwise (sprites: the atlas .png; "
                                                     "its Aseprite .json and Godot .tres are written beside it); "
                                                     "with --all, the folder (with --one-sheet, the atlas)")
    render.add_argument("--format", choices=[fmt.value for fmt in OutputFormat], default=OutputFormat.PNG.value,
                        help="png (frames), mp4 (H.264), gif, mov (ProRes 4444 with alpha), webm (VP9 with alpha), "
                             "apng, webp or sprites (PNG atlas + Aseprite JSON + Godot SpriteFrames); all but mp4 "
                             "and gif keep alpha")
    render.add_argument("--one-sheet", action="store_true",
                        help="with --all --format sprites: every shot into one sprite sheet, one tag and one Godot "
                             "animation per shot (the shots must share one output size)")
    render.add_argument("--fps", type=frame_rate, help="frames per second, 0.01 to 1000 (default: the shot's)")
    render.add_argument("--range", help="frames A:B of the shot (B exclusive), e.g. 0:24")
    sizing = render.add_mutually_exclusive_group()
    sizing.add_argument("--size", metavar="WxH",
                        help="the frames' size in pixels, e.g. 1280x720 (default: the shot's size, Shot ▸ Output Size)")
    sizing.add_argument("--scale", type=int, metavar="K",
                        help="enlarge the shot's own output size K times "
                             "(default: the shot's size, Shot ▸ Output Size)")
    scaling = render.add_mutually_exclusive_group()
    scaling.add_argument("--smooth", action="store_const", const=True, dest="smooth",
                         help="smooth scaling (default: the shot's)")
    scaling.add_argument("--crisp", action="store_const", const=False, dest="smooth",
                         help="crisp pixels (default: the shot's)")
    render.add_argument("--fit", choices=("crop", "letterbox"),
                        help="fit every clip's frames to the model's square this way (default: each clip's own)")
    render.add_argument("--layer", choices=[view.value for view in LayerView], default=LayerView.COMPOSITE.value,
                        help="composite (the frame), background (the background frame, with the model's plate only "
                             "where a character of its own is removed), characters (RGBA: a format with alpha), "
                             "alpha (the characters' coverage, grey) or parts (the frame with each character's "
                             "part masks coloured over it)")
    render.add_argument("--force", "--overwrite", dest="force", action="store_true",
                        help="overwrite an existing output")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(run=command_render)


def frame_rate(text: str) -> float:
    """``--fps``: frames per second within what every output format can encode (as a shot's fps)."""
    from workstation.project.scalars import MAX_FPS, MIN_FPS

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not MIN_FPS <= value <= MAX_FPS:  # NaN too
        raise argparse.ArgumentTypeError(f"{text} is out of range (from {MIN_FPS:g} to {MAX_FPS:g} frames per second)")
    return value


def command_render(args: argparse.Namespace) -> int:
    """``render``: the shot (or every shot) as ``ExportRequest``s, each written by ``write_shot``,
    the one writer the workstation's Export Shot and Export All Shots use too."""
    from workstation import project as document
    from workstation.kernel.safe_write import OutputExists

    project = document.load_project(args.project)
    try:
        with sigterm_as_ctrl_c():
            if args.one_sheet:
                return render_one_sheet(args, project)
            return render_all(args, project) if args.all else render_named_shot(args, project)
    except OutputExists as error:  # the library names the file and the problem; the remedy is a flag
        raise UserError(f"{error.problem}; pass --force to replace it", error.path) from None


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (``kill``, a job scheduler, a shutdown) stops the block as Ctrl-C does, as a
    KeyboardInterrupt, so the output being written is discarded and its claim released (exit code
    130). Further SIGTERMs are ignored while that cleanup runs. Outside the main thread, nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def shot_request(args: argparse.Namespace, project: Project, shot: str, out: Path,
                 frames: range | None = None) -> ExportRequest:
    """What ``args`` ask of ``shot``: the shot's own fps, size and scaling where they say nothing."""
    from workstation.output.export_request import ExportRequest

    return ExportRequest.of_shot(project, shot, out, OutputFormat(args.format), frames=frames,
                                 layer=LayerView(args.layer), fps=args.fps or None, size=parse_size(args.size),
                                 scale=args.scale, smooth=args.smooth, overwrite=args.force)


def render_named_shot(args: argparse.Namespace, project: Project) -> int:
    """``render --shot``: its frames (all, or ``--range``) to ``--out``."""
    from workstation import project as document
    from workstation.render.shot_frames import open_engine

    try:
        shot = project.shot(args.shot)
    except (KeyError, document.ProjectError):
        names = ", ".join(s.name for s in project.shots) or "none"
        raise UserError(f"{args.project}: no shot named {args.shot!r} (shots: {names})") from None
    request = shot_request(args, project, shot.name, Path(args.out), parse_range(args.range, shot.length))
    request.check_target()  # the quick refusal, before the model loads
    engine = open_engine(project, args.fit)
    write_with_progress_bar(request, engine, args.quiet, first_line=f"stopframe: {engine.device_line}")
    print(f"wrote {len(request.frames)} frames to {args.out}", file=sys.stderr)
    return 0


def render_all(args: argparse.Namespace, project: Project) -> int:
    """``render --all``: every shot, whole, into the folder ``--out``, one output per shot named after it.
    Every output is checked before anything renders: an existing one is refused without --force, and
    one of the project's own files (a clip, the project, its bundle) always."""
    from workstation.output.shot_files import existing_outputs, shot_outputs
    from workstation.render.shot_frames import open_engine

    folder = Path(args.out)
    if args.range:
        raise UserError("--range is for one shot (--shot); --all renders every shot whole")
    if not project.shots:
        raise UserError(f"{args.project}: has no shots to render")
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is not a folder (--all writes one output per shot into a folder)")
    outputs = shot_outputs(project, folder, args.format)
    requests = [shot_request(args, project, name, out) for name, out in outputs]
    existing = existing_outputs(outputs, args.format)
    if existing and not args.force:
        names = ", ".join(path.name for path in existing)
        them = "it" if len(existing) == 1 else "them"
        raise UserError(f"{folder}: already holds {names}; pass --force to replace {them}")
    for request in requests:  # none may be one of the project's own files: refused before any renders
        request.check_target()
    engine = open_engine(project, args.fit)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{folder}: cannot create the folder: {error.strerror or error}") from None
    print(f"stopframe: {engine.device_line}", file=sys.stderr)
    for request in requests:
        write_with_progress_bar(request, engine, args.quiet, label=request.shot)
        print(f"wrote {len(request.frames)} frames of {request.shot!r} to {request.target}", file=sys.stderr)
    return 0


def render_one_sheet(args: argparse.Namespace, project: Project) -> int:
    """``render --all --format sprites --one-sheet``: every shot, whole and in order, into the one
    sprite sheet ``--out`` (its atlas). Shots of different output sizes are refused, as is an
    existing sheet without --force and any of the project's own files, before the model loads."""
    from workstation.output.shot_writer import check_one_sheet
    from workstation.render.shot_frames import open_engine

    if not args.all or args.format != OutputFormat.SPRITES:
        raise UserError("--one-sheet puts every shot into one sprite sheet: use it with --all --format sprites")
    if args.range:
        raise UserError("--range is for one shot (--shot); --all renders every shot whole")
    if not project.shots:
        raise UserError(f"{args.project}: has no shots to render")
    out = Path(args.out)
    requests = [shot_request(args, project, shot.name, out) for shot in project.shots]
    check_one_sheet(requests)
    for request in requests:
        request.check_target()
    engine = open_engine(project, args.fit)
    write_with_progress_bar(requests, engine, args.quiet, first_line=f"stopframe: {engine.device_line}")
    frames = sum(len(request.frames) for request in requests)
    print(f"wrote {frames} frames of {len(requests)} shots to {out}", file=sys.stderr)
    return 0


def write_with_progress_bar(request: ExportRequest | list[ExportRequest], engine: Engine, quiet: bool,
                            label: str | None = None, first_line: str | None = None) -> None:
    """``write_shot`` (or ``write_sheet`` of a list of requests) with a progress bar on stderr (none
    if ``quiet``), shown once the output is claimed, after ``first_line``: a refusal is the only line
    the user sees."""
    from tqdm import tqdm

    from workstation.output.shot_writer import write_sheet, write_shot

    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if first_line:
                print(first_line, file=sys.stderr)
            bar = tqdm(total=total, unit="frame", disable=quiet, desc=label)
        bar.update(done - bar.n)

    try:
        if isinstance(request, list):
            write_sheet(request, engine, progress)
        else:
            write_shot(request, engine, progress)
    finally:
        if bar is not None:
            bar.close()


def parse_range(text: str | None, length: int) -> range:
    """``--range`` "A:B" (B exclusive, either side optional, like Python slices) within a shot of ``length``."""
    if not text:
        return range(length)
    first, sep, last = text.partition(":")
    try:
        if not sep:
            raise ValueError
        start = int(first) if first.strip() else 0
        stop = int(last) if last.strip() else length
    except ValueError:
        raise UserError(f"--range {text!r}: expected A:B, e.g. 0:24") from None
    if not 0 <= start < stop <= length:
        raise UserError(f"--range {text!r}: must lie within 0:{length} with A < B")
    return range(start, stop)


def parse_size(text: str | None) -> tuple[int, int] | None:
    """``--size`` "WxH" (e.g. 1280x720, or 1280X720) as (width, height); None when not given. The
    sides' limits are the export's (``ExportRequest``), said naming the output."""
    if text is None:
        return None
    match = re.fullmatch(r"([0-9]+)[xX]([0-9]+)", text.strip())
    try:
        if match is None:
            raise ValueError
        return int(match[1]), int(match[2])  # a ValueError past Python's 4,300 digits
    except ValueError:
        raise UserError(f"--size {text}: expected WIDTHxHEIGHT, e.g. 1280x720") from None


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
