"""Stopframe: the one entry point (the ``stopframe`` command; ``python main.py`` or ``python -m main``
in a checkout). With no command it starts the workstation (GUI); each command does headless work.
Heavy imports happen lazily so each command starts only what it needs: the workstation, ``render``
and ``demo-project`` (workstation/commands.py) never import torch, and the commands of the training extra
(``train``, ``devices``, ``evaluate``, ``export-model``, ``demo``: training/cli.py) say in one line
when it is missing. Here too: the one place that turns a ``StopframeError`` into ``stopframe: <line>``
and exit code 2, and Ctrl-C into exit code 130.

    stopframe train --dataset mmnist --steps 200 --out runs/smoke
    stopframe train --resume --out runs/smoke --steps 400
    stopframe evaluate runs/smoke --n 10000 --json runs/smoke/eval.json
    stopframe evaluate runs/sprites --dataset sprites --n 2000 [--no-backgrounds]
    stopframe                           # the workstation (GUI) with the last or the demo project
    stopframe my-shot.stopframe         # the workstation with that project
    stopframe demo-project --out DIR    # write the demo project (and print its path)
    stopframe demo-project --sprites    # write the sprite demo project (game characters)
    stopframe demo                      # headless: example videos and manipulations as PNG
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from workstation import __version__
from workstation.kernel.errors import EXIT_INTERRUPTED, EXIT_USAGE, StopframeError, one_line
from workstation.kernel.memory import reuse_freed_memory

if TYPE_CHECKING:
    from workstation.render.engine import Engine



class Parser(argparse.ArgumentParser):
    """argparse, saying a usage error in one line (exit code 2) like every other error. Options are
    spelled out: an abbreviation (``--nproc`` for ``--nproc-per-node``) would be passed on, unread,
    to the processes ``train`` starts under torchrun."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {one_line(message)} (see {self.prog} --help)\n")


def make_parser() -> argparse.ArgumentParser:
    from training.cli import add_training_commands  # the window never loads the training package
    from workstation.commands import add_demo_project, add_render

    parser = Parser(prog="stopframe", description="Stopframe animation workstation")
    parser.add_argument("--version", action="version", version=f"stopframe {__version__}")
    commands = parser.add_subparsers(dest="command")
    add_training_commands(commands, open_bundle)
    add_render(commands)
    add_demo_project(commands)
    return parser


def open_bundle(folder: str) -> Engine:
    """A model bundle on the workstation's engine: how ``evaluate`` and ``demo`` run one (training
    imports no more of the workstation than its kernel, media and the bundle contract)."""
    from workstation.render.engine import Engine

    return Engine(folder)


def run_gui(argv: list[str]) -> int:
    """The workstation; it never imports torch (the headless commands below do)."""
    if len(argv) > 1:
        print("stopframe: usage: stopframe [PROJECT.stopframe] (or a subcommand; see --help)", file=sys.stderr)
        return EXIT_USAGE
    if argv and not Path(argv[0]).is_file():
        print(f"stopframe: {argv[0]}: no such project file", file=sys.stderr)
        return EXIT_USAGE
    from workstation.ui.shell.app import run

    return run(argv[0] if argv else None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    reuse_freed_memory()  # frames are megabytes: reuse their memory rather than fault in new pages
    if not argv or argv[0].endswith(".stopframe"):
        return run_gui(argv)
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already said in one line
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    args.command_line = [str(Path(__file__).resolve()), *argv]  # train --nproc-per-node: again, under torchrun
    missing = [name for module, name in getattr(args, "needs", {}).items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"stopframe {args.command} needs {' and '.join(missing)}: pip install 'stopframe[train]'",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except StopframeError as error:  # every error a user can cause: one line
        print(f"stopframe: {one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("stopframe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
