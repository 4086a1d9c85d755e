"""The ``train`` command's arguments and the run's settings they make, with the argparse types that
every training command shares (a path, a whole number in range).

``--init-from`` is the ``init_from`` setting (training/run/warm_start.py); without ``--recipe``, a
layered bundle it names also gives the run its model and how it was trained (``bundle_settings``),
so ``train --init-from BUNDLE --clip ...`` fine-tunes that model on your clips. ``--minutes`` the time
budget (training/run/time_budget.py): it fixes ``steps``, so it and ``--steps`` are refused together.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from workstation.kernel.locations import DATA_DIR_VARIABLE, mnist_dir

if TYPE_CHECKING:
    from training.model.config import TrainConfig

    Commands: TypeAlias = argparse._SubParsersAction[Any]  # what ArgumentParser.add_subparsers returns

DATA_DIR_HELP = f"the shared data folder, holding mnist/ (default: ${DATA_DIR_VARIABLE}, else ../shared/data " \
                "beside a checkout)"
MAX_MINUTES = 7 * 24 * 60  # --minutes: a week


def a_path(text: str) -> str:
    """An argparse type: a file or folder name, never an empty one (which would mean the current folder,
    or nothing at all)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file or folder name")
    return text


def whole_number(low: int, high: int) -> Callable[[str], int]:
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


def minutes(text: str) -> float:
    """An argparse type: a time budget in minutes, more than 0 and at most a week."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 0 < value <= MAX_MINUTES:  # NaN is refused here too
        raise argparse.ArgumentTypeError(f"{text} is out of range (more than 0, at most {MAX_MINUTES:,})")
    return value


def build_train_config(args: argparse.Namespace) -> TrainConfig:
    """The run's settings: the recipe, then the options given, then each --set."""
    from training.model.config import TrainConfig
    from training.model.recipes import apply_setting, load_recipe

    values: dict[str, Any] = {}
    if args.recipe:
        values = load_recipe(args.recipe)
    for option in ("dataset", "steps", "batch_size", "lr", "precision", "seed", "data_dir", "init_from"):
        value = getattr(args, option, None)
        if value is not None:
            values[option] = value
    if getattr(args, "clips", None):
        from workstation.media.clip_specs import resolved_spec

        values["clips"] = [resolved_spec(clip) for clip in args.clips]
        if args.dataset is None:  # --clip means your own clips, whatever a recipe trained on
            values["dataset"] = "clips"
    for assignment in args.set or []:
        apply_setting(values, assignment)
    if not args.recipe and getattr(args, "init_from", None) and values.get("init_from"):
        from training.run.warm_start import bundle_settings  # a layered bundle goes on as it was trained

        inherited = bundle_settings(values["init_from"])
        values = {**inherited, **values, "model": {**inherited.get("model", {}), **values.get("model", {})}}
    config = TrainConfig.from_dict(values).validate()  # every setting in range before any folder is looked for
    if config.dataset == "mmnist":
        from training.data.mnist import IMAGE_FILES

        config.data_dir = str(mnist_dir(config.data_dir, "train", (IMAGE_FILES["train"],)))
    elif config.dataset == "sprites":
        from training.data.sprites import sprites_dir

        config.data_dir = str(sprites_dir(config.data_dir, "train"))
    return config.validate()


def add_train(commands: Commands, run: Callable[[argparse.Namespace], int], needs: dict[str, str]) -> None:
    """The ``train`` command, done by ``run`` when the modules it ``needs`` are installed."""
    train = commands.add_parser("train", help="train a scene model")
    train.add_argument("--out", required=True, type=a_path, help="run folder (created; must be new unless --resume)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    train.add_argument("--recipe", type=a_path, help="TOML file with [train] and [model] tables")
    train.add_argument("--dataset", help="mmnist (the default), sprites (game characters, from lpc-sprites/ in the "
                       "data folder) or clips (your own, named with --clip)")
    train.add_argument("--clip", dest="clips", action="append", metavar="PATH", type=a_path,
                       help="a video, GIF, image folder or sprite sheet (repeat for more; implies --dataset clips): "
                            "SHEET.json is a clip per Aseprite tag (SHEET.json:tag=NAME: one), SHEET.png:grid=WxH"
                            "[,row=R][,count=N][,margin=M][,spacing=S] (or cells=CxR) row R, or a clip per row")
    train.add_argument("--init-from", dest="init_from", metavar="BUNDLE", type=a_path,
                       help="start from this model bundle (a folder, digits-demo or summed-demo; the default is "
                            'summed-demo, --set init_from="" starts from scratch)')
    length = train.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="total training steps")
    length.add_argument("--minutes", type=minutes, metavar="N",
                        help="train for about N minutes: the steps that fill them are measured at the start and "
                             "saved with the run (a new run only)")
    train.add_argument("--batch-size", dest="batch_size", type=int)
    train.add_argument("--lr", type=float)
    train.add_argument("--precision", help="auto, fp32 or bf16")
    train.add_argument("--seed", type=int)
    train.add_argument("--data-dir", dest="data_dir", type=a_path, help=DATA_DIR_HELP)
    train.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="any config value, e.g. --set model.width=32 --set alpha_equiv=0.5")
    train.add_argument("--progress", choices=("bar", "json"), default="bar")
    train.add_argument("--nproc-per-node", dest="nproc_per_node", type=whole_number(1, 1024), metavar="N",
                       help="train with N processes on this machine (torchrun's standalone form; one per GPU)")
    train.set_defaults(run=run, needs=needs)
