"""Stopframe: the one entry point (the ``stopframe`` command; ``python main.py`` in a checkout).
Subcommands do headless work; heavy imports happen lazily so each command starts only what it
needs: the workstation, ``render`` and ``demo-project`` never import torch, and the commands of the
training extra (``train``, ``evaluate``, ``export-model``, ``demo``) say in one line when it is
missing. Shared data (MNIST) is found by one rule, ``workstation.kernel.locations.data_dir``.

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
import contextlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workstation import __version__
from workstation.cli import add_demo_project, add_render
from workstation.kernel.errors import StopframeError, one_line
from workstation.kernel.locations import DATA_DIR_VARIABLE, mnist_dir

if TYPE_CHECKING:
    from training.model.config import TrainConfig

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
MAX_EXAMPLES = 1_000_000  # evaluate --n: examples are drawn one batch at a time
MAX_PAIRS = 400_000  # evaluate --pairs: the T^Z analysis keeps every pair's theta
# The commands of the training extra (pip install 'stopframe[train]') and the modules each needs.
TRAINING_EXTRA = {"train": ("torch",), "evaluate": ("torch",), "demo": ("torch",), "devices": ("torch",),
                  "export-model": ("torch", "onnx", "onnxscript")}
MODULE_NAMES = {"torch": "PyTorch", "onnx": "ONNX", "onnxscript": "ONNX Script"}
DATA_DIR_HELP = f"the shared data folder, holding mnist/ (default: ${DATA_DIR_VARIABLE}, else ../shared/data " \
                "beside a checkout)"


def build_train_config(args) -> TrainConfig:
    from training.model.config import TrainConfig, apply_setting, load_recipe

    values: dict = {}
    if args.recipe:
        values = load_recipe(args.recipe)
    for option in ("dataset", "steps", "batch_size", "lr", "precision", "seed", "data_dir"):
        value = getattr(args, option)
        if value is not None:
            values[option] = value
    if getattr(args, "clips", None):
        values["clips"] = [str(Path(clip).resolve()) for clip in args.clips]
        if args.dataset is None:  # --clip means your own clips, whatever a recipe trained on
            values["dataset"] = "clips"
    for assignment in args.set or []:
        apply_setting(values, assignment)
    if values.get("dataset", TrainConfig.dataset) == "mmnist":
        from training.data.mnist import IMAGE_FILES

        values["data_dir"] = str(mnist_dir(values.get("data_dir"), "train", (IMAGE_FILES["train"],)))
    elif values.get("dataset") == "sprites":
        from training.data.sprites import sprites_dir

        values["data_dir"] = str(sprites_dir(values.get("data_dir"), "train"))
    return TrainConfig.from_dict(values).validate()


def command_train(args) -> int:
    from training.run import distributed

    if args.nproc_per_node and not distributed.launched_by_torchrun():
        if not args.resume:
            build_train_config(args)  # a bad setting is said once, here, not by every process
        return distributed.launch(args.nproc_per_node, str(Path(__file__).resolve()), args.argv, args.resume, args.out)
    return distributed.as_rank(lambda group: train_here(args, group))


def train_here(args, group) -> int:
    from training.run.progress import json_lines, terminal_bar
    from training.run.trainer import Trainer, TrainingInterrupted

    callbacks = json_lines() if args.progress == "json" else terminal_bar()
    if args.resume:
        trainer = Trainer.resume(args.out, callbacks, steps=args.steps)
    else:
        trainer = Trainer(build_train_config(args), args.out, callbacks)
    resume = f"continue with: stopframe train --resume --out {args.out}"
    try:
        trainer.train()
    except TrainingInterrupted as interrupted:
        if group.leads:  # the other ranks stopped at the same step; rank 0 wrote the checkpoint
            print(f"stopframe: {interrupted}; {resume}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:  # a second Ctrl-C: nothing is written in the middle of a step
        kept = trainer.last_checkpoint
        after = (f"the last periodic checkpoint {kept} is kept; {resume}" if kept.is_file()
                 else "no checkpoint had been written yet")
        print(f"stopframe: left at once during step {trainer.step + 1}; {after}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def command_devices(args) -> int:
    from training.run.distributed import describe_devices

    print(describe_devices(as_json=args.json))
    return 0


def is_bundle(path: str | Path) -> bool:
    return (Path(path) / "model.json").is_file()


def load_scene(model_path: str, plain: bool = False):
    """The model's four functions, from a model bundle (ONNX Runtime) or a checkpoint (PyTorch).
    ``plain`` switches anchored motion off (checkpoints only): the paper-faithful model, whose
    training is the same as the anchored one's."""
    if is_bundle(model_path):
        if plain:
            raise StopframeError("--plain needs a checkpoint (a bundle's motion is fixed at export)", model_path)
        from workstation.render.engine import Engine

        engine = Engine(model_path)
        print(f"stopframe: {engine.device_line}", file=sys.stderr)
        return engine, {"bundle": str(model_path), "metadata": engine.metadata}
    from training.model.scene_functions import TorchScene
    from training.run.checkpoint import load_model

    model, state = load_model(model_path)
    if plain:
        model.config.anchored = False
    return TorchScene(model), {"checkpoint": str(state["path"]), "step": state["step"],
                               "config": state["config"].to_dict(), "anchored": model.config.anchored}


def command_export_model(args) -> int:
    from training.bundle_export import check_target, export_bundle, read_evaluation
    from training.run.checkpoint import load_model

    check_target(args.out)  # refuse before the slow part
    evaluation = read_evaluation(args.evaluation) if args.evaluation else None
    model, state = load_model(args.model)
    if args.plain:
        model.config.anchored = False
    config = state["config"]
    real_frames = None
    if config.dataset == "mmnist" and Path(config.data_dir).is_dir():
        import numpy as np

        from training.data.mmnist import MovingMNIST

        validation = MovingMNIST.from_mnist_dir(config.data_dir, "val", config.model.image_size)
        real_frames = validation.random_pairs(np.random.default_rng(0), 8)[0]
    elif config.dataset == "clips" and all(Path(clip).exists() for clip in config.clips):
        import numpy as np

        from training.data.clips import ClipPairs

        validation = ClipPairs.load(config.clips, "val", config.model.image_size, config.max_gap, config.fit)
        real_frames = validation.random_pairs(np.random.default_rng(0), 8)[0]
    metadata = {"trained_on": {"dataset": config.dataset, "steps": state["step"], "train_config": config.to_dict()},
                "source": {"checkpoint": str(state["path"])}, "evaluation": evaluation}
    export_bundle(model, args.out, metadata, real_frames, progress=lambda m: print(m, file=sys.stderr))
    print(f"wrote model bundle {args.out}", file=sys.stderr)
    return 0


def claim(stack: contextlib.ExitStack, path: Path, force: bool) -> Path:
    """Claim an output before any work (its folder is probed, an existing file refused without
    --force); returns the temporary to write, which replaces ``path`` when the command succeeds."""
    from workstation.kernel.safe_write import OutputExists, output_file

    try:
        return stack.enter_context(output_file(path, overwrite=force))
    except OutputExists:
        raise OutputExists("already exists; pass --force to replace it", path) from None


def made_folder(stack: contextlib.ExitStack, folder: Path) -> None:
    """``folder`` made when missing, and removed again (if still empty) when the command fails."""
    from workstation.kernel.safe_write import OutputError

    missing = [f for f in (*reversed(folder.parents), folder) if not f.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot make the folder ({error.strerror or error})", folder) from None

    def remove_if_failed(kind, *_) -> None:
        for made in reversed(missing if kind is not None else []):
            with contextlib.suppress(OSError):
                made.rmdir()

    stack.push(remove_if_failed)


def evaluation_of(args):
    """The evaluation module of ``--dataset`` and its data folder, found before anything is claimed."""
    if args.dataset == "sprites":
        from training.data.sprites import sprites_dir

        return importlib.import_module("training.evaluation.evaluate_sprites"), sprites_dir(args.data_dir, "evaluate")
    if args.no_backgrounds:
        raise StopframeError("--no-backgrounds is for --dataset sprites (Moving MNIST always has backgrounds)")
    from training.data.mnist import IMAGE_FILES, LABEL_FILES

    data_dir = mnist_dir(args.data_dir, "evaluate", (IMAGE_FILES["test"], LABEL_FILES["test"]))
    return importlib.import_module("training.evaluation.evaluate"), data_dir


def command_evaluate(args) -> int:
    evaluation, data_dir = evaluation_of(args)
    figures: dict[str, Path] = {}
    with contextlib.ExitStack() as outputs:  # every output claimed before the evaluation runs
        if args.json:
            made_folder(outputs, Path(args.json).parent)
        json_file = claim(outputs, Path(args.json), args.force) if args.json else None
        if args.figures:
            made_folder(outputs, Path(args.figures))
            figures = {name: claim(outputs, Path(args.figures) / name, args.force)
                       for name in evaluation.figure_names()}
        scene, source = load_scene(args.model, plain=args.plain)
        if args.dataset == "sprites":
            results = evaluation.evaluate_sprites(scene, data_dir, examples=args.n, seed=args.seed,
                                                  backgrounds=not args.no_backgrounds,
                                                  progress=lambda message: print(message, file=sys.stderr))
        else:
            results = evaluation.evaluate(scene, data_dir, examples=args.n, analysis_pairs=args.pairs, seed=args.seed,
                                          progress=lambda message: print(message, file=sys.stderr))
        results["model"] = source
        print(evaluation.format_table(results))
        json_text = evaluation.results_json(results)
        for target, write in ((args.json, lambda: json_file.write_text(json_text, encoding="utf-8")),
                              (args.figures, lambda: evaluation.write_figures(scene, results, figures, data_dir))):
            try:
                if target:
                    write()
            except OSError as error:  # named here: each claim would name only its own file
                raise StopframeError(f"cannot be written ({error.strerror or error})", target) from None
    for name in [args.json] * bool(args.json) + [str(Path(args.figures) / name) for name in figures]:
        print(f"wrote {name}", file=sys.stderr)
    return 0


def command_demo(args) -> int:
    from training.data.mnist import IMAGE_FILES
    from training.evaluation.demo import run_demo
    from workstation.render.shot_frames import DEMO_BUNDLE

    data_dir = mnist_dir(args.data_dir, "demo", (IMAGE_FILES["test"],))
    model = args.model or (str(DEMO_BUNDLE) if is_bundle(DEMO_BUNDLE) else None)
    scene = load_scene(model)[0] if model else None
    run_demo(Path(args.out), data_dir, scene, print_line=print)
    return 0


class Parser(argparse.ArgumentParser):
    """argparse, saying a usage error in one line (exit code 2) like every other error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {one_line(message)} (see {self.prog} --help)\n")


def whole_number(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range (from {low:,} to {high:,})")
        return value
    return parse


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="stopframe", description="Stopframe animation workstation")
    parser.add_argument("--version", action="version", version=f"stopframe {__version__}")
    commands = parser.add_subparsers(dest="command")

    train = commands.add_parser("train", help="train a scene model")
    train.add_argument("--out", required=True, help="run folder (created; must be new unless --resume)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    train.add_argument("--recipe", help="TOML file with [train] and [model] tables")
    train.add_argument("--dataset", help="mmnist (the default), sprites (game characters, from lpc-sprites/ in the "
                       "data folder) or clips (your own, named with --clip)")
    train.add_argument("--clip", dest="clips", action="append", metavar="PATH",
                       help="a video, GIF or image folder to train on (repeat for more); implies --dataset clips")
    train.add_argument("--steps", type=int, help="total training steps")
    train.add_argument("--batch-size", dest="batch_size", type=int)
    train.add_argument("--lr", type=float)
    train.add_argument("--precision", help="auto, fp32 or bf16")
    train.add_argument("--seed", type=int)
    train.add_argument("--data-dir", dest="data_dir", help=DATA_DIR_HELP)
    train.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="any config value, e.g. --set model.width=32 --set alpha_equiv=0.5")
    train.add_argument("--progress", choices=("bar", "json"), default="bar")
    train.add_argument("--nproc-per-node", dest="nproc_per_node", type=whole_number(1, 1024), metavar="N",
                       help="train with N processes on this machine (torchrun's standalone form; one per GPU)")
    train.set_defaults(run=command_train)

    devices = commands.add_parser("devices", help="what this machine can train on (GPUs, CPU threads)")
    devices.add_argument("--json", action="store_true", help="one JSON line, for programs")
    devices.set_defaults(run=command_devices)

    evaluate = commands.add_parser("evaluate", help="the paper's evaluation of a model")
    evaluate.add_argument("model", help="a model bundle, a checkpoint file or a run folder")
    evaluate.add_argument("--dataset", choices=("mmnist", "sprites"), default="mmnist",
                          help="Moving MNIST (the default) or the game-character sprites (analogies, section 4.4)")
    evaluate.add_argument("--no-backgrounds", dest="no_backgrounds", action="store_true",
                          help="sprites over a flat grey canvas (the paper's Ours-BG setting), not test backgrounds")
    evaluate.add_argument("--n", type=whole_number(1, MAX_EXAMPLES), default=10_000,
                          help=f"test examples (default 10000, at most {MAX_EXAMPLES:,})")
    evaluate.add_argument("--pairs", type=whole_number(10, MAX_PAIRS), default=40_000,
                          help=f"frame pairs for the T^Z analysis (default 40000, from 10 to {MAX_PAIRS:,})")
    evaluate.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=0)
    evaluate.add_argument("--data-dir", dest="data_dir", help=DATA_DIR_HELP)
    evaluate.add_argument("--json", help="also write the results here (claimed before the evaluation runs)")
    evaluate.add_argument("--figures", help="also write the pictures to this folder: the T^Z scatter and Figures 2 / "
                          "10 (Moving MNIST); Figure 5 and the character layer (sprites)")
    evaluate.add_argument("--force", action="store_true", help="replace an existing --json file or figures")
    evaluate.add_argument("--plain", action="store_true",
                          help="switch anchored motion off (the paper-faithful ablation; checkpoints only)")
    evaluate.set_defaults(run=command_evaluate)

    export_model = commands.add_parser("export-model", help="write a model bundle (ONNX) from a checkpoint")
    export_model.add_argument("model", help="a checkpoint file or a run folder")
    export_model.add_argument("--out", required=True, help="bundle folder: new, empty, or an older bundle")
    export_model.add_argument("--evaluation", help="an `evaluate --json` file to store in model.json")
    export_model.add_argument("--plain", action="store_true", help="export with anchored motion switched off")
    export_model.set_defaults(run=command_export_model)

    add_render(commands)

    demo = commands.add_parser("demo", help="headless demo: example videos and manipulations as PNG")
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--model", help="a model bundle, checkpoint or run folder (default: the bundled demo model)")
    demo.add_argument("--data-dir", dest="data_dir", help=DATA_DIR_HELP)
    demo.set_defaults(run=command_demo)

    add_demo_project(commands)
    return parser


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
    args.argv = argv  # train --nproc-per-node starts itself again under torchrun
    missing = [MODULE_NAMES[name] for name in TRAINING_EXTRA.get(args.command, ())
               if importlib.util.find_spec(name) is None]
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
