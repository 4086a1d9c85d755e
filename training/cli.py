"""The commands of the training extra (``pip install 'stopframe[train]'``): ``train``, ``devices``,
``evaluate``, ``export-model`` and ``demo``, their arguments and what they do.

``main.py`` adds them to its parser beside the workstation's commands and runs one only when the
modules it ``needs`` are installed, so this module imports no torch itself: each command imports
what it needs when it runs. A model bundle runs on the workstation's engine, which training does
not import: ``main.py`` hands over ``open_bundle``. Shared data (MNIST) is found by one rule,
``workstation.kernel.locations.data_dir``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from training.provenance import evaluation_record
from training.run.train_arguments import DATA_DIR_HELP, a_path, add_train, build_train_config, whole_number
from workstation.kernel.errors import EXIT_INTERRUPTED, StopframeError
from workstation.kernel.locations import asset_path, mnist_dir
from workstation.kernel.own_inputs import refuse_inputs
from workstation.kernel.safe_write import OutputError, OutputExists, output_file

if TYPE_CHECKING:
    import numpy as np

    from training.evaluation.manipulation import BundleScene, SceneFunctions
    from training.model.config import TrainConfig
    from training.run.distributed import Solo

    Commands: TypeAlias = argparse._SubParsersAction[Any]  # what ArgumentParser.add_subparsers returns
    OpenBundle: TypeAlias = Callable[[str], BundleScene]  # main.py's: the workstation's engine on a bundle

MAX_EXAMPLES = 1_000_000  # evaluate --n: examples are drawn one batch at a time
MAX_PAIRS = 400_000  # evaluate --pairs: the T^Z analysis keeps every pair's theta
# What each command needs installed: module -> the name a person knows it by.
TORCH = {"torch": "PyTorch"}
ONNX_EXPORT = TORCH | {"onnx": "ONNX", "onnxscript": "ONNX Script"}
DEMO_MODEL = asset_path("models", "demo")  # the bundled demo model: `demo` without --model


# -- train, devices ---------------------------------------------------------------------------------
def command_train(args: argparse.Namespace) -> int:
    from training.run import distributed

    if args.resume and args.minutes:
        raise StopframeError("--minutes measures a new run; a resumed run keeps the steps it chose (--steps "
                             "raises them)", args.out)
    if args.nproc_per_node and not distributed.launched_by_torchrun():
        if not args.resume:
            build_train_config(args)  # a bad setting is said once, here, not by every process
        return distributed.launch(args.nproc_per_node, args.command_line, args.resume, args.out)
    return distributed.as_rank(lambda group: train_here(args, group))


def train_here(args: argparse.Namespace, group: Solo) -> int:
    """Train in this process (alone, or as one rank of torchrun's group)."""
    from training.run.progress import json_lines, terminal_bar
    from training.run.trainer import Trainer, TrainingInterrupted

    callbacks = json_lines() if args.progress == "json" else terminal_bar()
    if args.resume:
        trainer = Trainer.resume(args.out, callbacks, steps=args.steps)
    else:
        trainer = Trainer(build_train_config(args), args.out, callbacks)
        if args.minutes:
            from training.run.time_budget import fix_steps

            fixed = fix_steps(trainer, args.minutes)
            if group.leads:
                print(f"stopframe: {fixed}", file=sys.stderr)
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


def command_devices(args: argparse.Namespace) -> int:
    from training.run.distributed import describe_devices

    print(describe_devices(as_json=args.json))
    return 0


# -- a model to evaluate: a bundle or a checkpoint --------------------------------------------------
def is_bundle(path: str | Path) -> bool:
    return (Path(path) / "model.json").is_file()


def model_files(model_path: str) -> Path:
    """What evaluating ``model_path`` reads: the bundle folder, or the checkpoint file (a run
    folder's last.pt; outputs beside it in the run folder are fine)."""
    if is_bundle(model_path):
        return Path(model_path)
    from training.run.checkpoint import CheckpointError, resolve

    try:
        return resolve(model_path)
    except CheckpointError:  # said once, when it is loaded
        return Path(model_path)


def load_scene(model_path: str, open_bundle: OpenBundle, plain: bool = False) -> tuple[SceneFunctions, dict[str, Any]]:
    """The model's four functions, from a model bundle (ONNX Runtime) or a checkpoint (PyTorch),
    and where they came from. ``plain`` switches anchored motion off (checkpoints only): the
    paper-faithful model, whose training is the same as the anchored one's."""
    if is_bundle(model_path):
        if plain:
            raise StopframeError("--plain needs a checkpoint (a bundle's motion is fixed at export)", model_path)
        bundle = open_bundle(model_path)
        print(f"stopframe: {bundle.device_line}", file=sys.stderr)
        return bundle, {"bundle": str(model_path), "metadata": bundle.metadata}
    from training.model.scene_functions import TorchScene
    from training.run.checkpoint import load_model

    model, state = load_model(model_path)
    if plain:
        model.config.anchored = False
    return TorchScene(model), {"checkpoint": str(state["path"]), "step": state["step"],
                               "config": state["config"].to_dict(), "anchored": model.config.anchored}


def command_export_model(args: argparse.Namespace) -> int:
    from training.bundle_export import check_target, export_bundle, read_evaluation
    from training.run.checkpoint import load_model

    check_target(args.out)  # refuse before the slow part
    evaluation = read_evaluation(args.evaluation) if args.evaluation else None
    model, state = load_model(args.model)
    if args.plain:
        model.config.anchored = False
    config = state["config"]
    metadata = {"trained_on": {"dataset": config.dataset, "steps": state["step"], "train_config": config.to_dict()},
                "source": {"checkpoint": str(state["path"])}, "evaluation": evaluation}
    export_bundle(model, args.out, metadata, validation_frames(config), progress=lambda m: print(m, file=sys.stderr))
    print(f"wrote model bundle {args.out}", file=sys.stderr)
    return 0


def validation_frames(config: TrainConfig, count: int = 8) -> np.ndarray | None:
    """``count`` frames of the run's validation split, which the export checks the bundle on
    beside its random inputs; None when the run's data is no longer where it was."""
    import numpy as np

    if config.dataset == "mmnist" and config.data_dir and Path(config.data_dir).is_dir():
        from training.data.mmnist import MovingMNIST

        mmnist = MovingMNIST.from_mnist_dir(config.data_dir, "val", config.model.image_size)
        return mmnist.random_pairs(np.random.default_rng(0), count)[0]
    from workstation.media.clip_specs import spec_path

    if config.dataset == "clips" and all(spec_path(clip).exists() for clip in config.clips):
        from training.data.clips import ClipPairs

        clips = ClipPairs.load(config.clips, "val", config.model.image_size, config.max_gap, config.fit)
        return clips.random_pairs(np.random.default_rng(0), count)[0]
    return None


# -- evaluate ---------------------------------------------------------------------------------------
class Evaluation(Protocol):
    """What ``evaluate`` asks of an evaluation module besides running it (training/evaluation/
    evaluate.py for Moving MNIST, evaluate_sprites.py for the sprites)."""

    def figure_names(self) -> list[str]: ...
    def format_table(self, results: dict[str, Any]) -> str: ...
    def results_json(self, results: dict[str, Any]) -> str: ...
    def write_figures(self, scene: SceneFunctions, results: dict[str, Any], paths: dict[str, Path],
                      data_dir: Path) -> None: ...


def evaluation_of(args: argparse.Namespace) -> tuple[Evaluation, Path, Callable[[SceneFunctions], dict[str, Any]]]:
    """The evaluation module of ``--dataset``, its data folder (both found before anything is
    claimed) and what runs it on a model, its progress on stderr."""
    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    if args.dataset == "sprites":
        from training.data.sprites import sprites_dir
        from training.evaluation import evaluate_sprites

        folder = sprites_dir(args.data_dir, "evaluate")
        return evaluate_sprites, folder, lambda scene: evaluate_sprites.evaluate_sprites(
            scene, folder, examples=args.n, seed=args.seed, backgrounds=not args.no_backgrounds, progress=progress)
    if args.no_backgrounds:
        raise StopframeError("--no-backgrounds is for --dataset sprites (Moving MNIST always has backgrounds)")
    from training.data.mnist import IMAGE_FILES, LABEL_FILES
    from training.evaluation import evaluate

    folder = mnist_dir(args.data_dir, "evaluate", (IMAGE_FILES["test"], LABEL_FILES["test"]))
    return evaluate, folder, lambda scene: evaluate.evaluate(
        scene, folder, examples=args.n, analysis_pairs=args.pairs, seed=args.seed, progress=progress)


def claim(stack: contextlib.ExitStack, path: Path, force: bool) -> Path:
    """Claim an output before any work (its folder is probed, an existing file refused without
    --force); returns the temporary to write, which replaces ``path`` when the command succeeds."""
    try:
        return stack.enter_context(output_file(path, overwrite=force))
    except OutputExists:
        raise OutputExists("already exists; pass --force to replace it", path) from None


def made_folder(stack: contextlib.ExitStack, folder: Path) -> None:
    """``folder`` made when missing, and removed again (if still empty) when the command fails."""
    missing = [f for f in (*reversed(folder.parents), folder) if not f.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot make the folder ({error.strerror or error})", folder) from None

    def remove_if_failed(kind: type[BaseException] | None, *_: object) -> None:
        for made in reversed(missing if kind is not None else []):
            with contextlib.suppress(OSError):
                made.rmdir()

    stack.push(remove_if_failed)


def command_evaluate(args: argparse.Namespace) -> int:
    evaluation, data_dir, run_evaluation = evaluation_of(args)
    outputs_asked = ([Path(args.json)] if args.json else []) + (
        [Path(args.figures) / name for name in evaluation.figure_names()] if args.figures else [])
    refuse_inputs(outputs_asked, [("the model being evaluated", model_files(args.model)),
                                  ("the evaluation's data folder", data_dir)])
    written: list[Path] = []
    figures: dict[str, Path] = {}
    with contextlib.ExitStack() as outputs:  # every output claimed before the evaluation runs
        json_file = None
        if args.json:
            made_folder(outputs, Path(args.json).parent)
            json_file = claim(outputs, Path(args.json), args.force)
            written.append(Path(args.json))
        if args.figures:
            folder = Path(args.figures)
            made_folder(outputs, folder)
            figures = {name: claim(outputs, folder / name, args.force) for name in evaluation.figure_names()}
            written += [folder / name for name in figures]
        scene, source = load_scene(args.model, args.open_bundle, plain=args.plain)
        results = run_evaluation(scene)
        results["model"] = source
        print(evaluation.format_table(results))
        try:
            if json_file:
                json_file.write_text(evaluation.results_json(evaluation_record(results)), encoding="utf-8")
        except OSError as error:  # named here: the claim would name only its temporary
            raise StopframeError(f"cannot be written ({error.strerror or error})", args.json) from None
        try:
            if args.figures:
                evaluation.write_figures(scene, results, figures, data_dir)
        except OSError as error:
            raise StopframeError(f"cannot be written ({error.strerror or error})", args.figures) from None
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


# -- demo -------------------------------------------------------------------------------------------
def command_demo(args: argparse.Namespace) -> int:
    from training.data.mnist import IMAGE_FILES
    from training.evaluation.demo import run_demo

    data_dir = mnist_dir(args.data_dir, "demo", (IMAGE_FILES["test"],))
    model = args.model or (str(DEMO_MODEL) if is_bundle(DEMO_MODEL) else None)
    scene = load_scene(model, args.open_bundle)[0] if model else None
    run_demo(Path(args.out), data_dir, scene, print_line=print)
    return 0


# -- the arguments ----------------------------------------------------------------------------------
def add_training_commands(commands: Commands, open_bundle: OpenBundle) -> None:
    """``train``, ``devices``, ``evaluate``, ``export-model`` and ``demo``, each with the ``run``
    that does it and the modules it ``needs``; ``open_bundle`` runs a model bundle's graphs."""
    add_train(commands, run=command_train, needs=TORCH)
    devices = commands.add_parser("devices", help="what this machine can train on (GPUs, CPU threads)")
    devices.add_argument("--json", action="store_true", help="one JSON line, for programs")
    devices.set_defaults(run=command_devices, needs=TORCH)
    add_evaluate(commands, open_bundle)
    export_model = commands.add_parser("export-model", help="write a model bundle (ONNX) from a checkpoint")
    export_model.add_argument("model", type=a_path, help="a checkpoint file or a run folder")
    export_model.add_argument("--out", required=True, type=a_path, help="bundle folder: new, empty, or an older bundle")
    export_model.add_argument("--evaluation", type=a_path, help="an `evaluate --json` file to store in model.json")
    export_model.add_argument("--plain", action="store_true", help="export with anchored motion switched off")
    export_model.set_defaults(run=command_export_model, needs=ONNX_EXPORT)
    demo = commands.add_parser("demo", help="headless demo: example videos and manipulations as PNG")
    demo.add_argument("--out", default="runs/demo", type=a_path)
    demo.add_argument("--model", type=a_path,
                      help="a model bundle, checkpoint or run folder (default: the bundled demo model)")
    demo.add_argument("--data-dir", dest="data_dir", type=a_path, help=DATA_DIR_HELP)
    demo.set_defaults(run=command_demo, needs=TORCH, open_bundle=open_bundle)


def add_evaluate(commands: Commands, open_bundle: OpenBundle) -> None:
    evaluate = commands.add_parser("evaluate", help="the paper's evaluation of a model")
    evaluate.add_argument("model", type=a_path, help="a model bundle, a checkpoint file or a run folder")
    evaluate.add_argument("--dataset", choices=("mmnist", "sprites"), default="mmnist",
                          help="Moving MNIST (the default) or the game-character sprites (analogies, section 4.4)")
    evaluate.add_argument("--no-backgrounds", dest="no_backgrounds", action="store_true",
                          help="sprites over a flat grey canvas (the paper's Ours-BG setting), not test backgrounds")
    evaluate.add_argument("--n", type=whole_number(1, MAX_EXAMPLES), default=10_000,
                          help=f"test examples (default 10000, at most {MAX_EXAMPLES:,})")
    evaluate.add_argument("--pairs", type=whole_number(10, MAX_PAIRS), default=40_000,
                          help=f"frame pairs for the T^Z analysis (default 40000, from 10 to {MAX_PAIRS:,})")
    evaluate.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=0)
    evaluate.add_argument("--data-dir", dest="data_dir", type=a_path, help=DATA_DIR_HELP)
    evaluate.add_argument("--json", type=a_path,
                          help="also write the results here (claimed before the evaluation runs)")
    evaluate.add_argument("--figures", type=a_path, help="also write the pictures to this folder: the T^Z scatter and "
                          "Figures 2 / 10 (Moving MNIST); Figure 5 and the character layer (sprites)")
    evaluate.add_argument("--force", action="store_true", help="replace an existing --json file or figures")
    evaluate.add_argument("--plain", action="store_true",
                          help="switch anchored motion off (the paper-faithful ablation; checkpoints only)")
    evaluate.set_defaults(run=command_evaluate, needs=TORCH, open_bundle=open_bundle)
