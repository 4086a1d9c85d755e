"""Checkpoints: model, optimizer, step, config and random state, written atomically.

On disk a checkpoint is one dict of tensors and plain values (``SavedCheckpoint``), and it is only
ever read with ``torch.load(weights_only=True)``: a pickle that names anything else (a .pt from
elsewhere, whose unpickling could run code) is refused before any of it is built. ``load`` then
checks every part before anything uses one (the step a whole number, the weights those of the
config's model, the random states ones that can be set) and gives the checkpoint back typed
(``Checkpoint``); a damaged one is one line naming the file. A checkpoint holds its whole config as
a dict and is rebuilt from those values, not from today's defaults (``TrainConfig.from_saved``); one
that names a removed setting is refused in one line. Checkpoints of a run made since run ids exist
carry its ``run_id`` (``run_files.check_same_run``)."""

from __future__ import annotations

import io
import math
import pickle
import warnings
from pathlib import Path
from typing import Any, TypedDict, cast

import numpy as np
import torch

from training.model.config import ConfigError, RemovedSettingError, TrainConfig
from training.model.scene_model import SceneModel
from workstation.kernel.errors import StopframeError
from workstation.kernel.reading import InputError, not_regular, read_bytes_capped
from workstation.kernel.safe_write import OutputError, output_file

CHECKPOINT_FORMAT = "stopframe-checkpoint"
CHECKPOINT_VERSION = 1
LAST = "last.pt"
# A checkpoint is read whole, then loaded from memory: ours are a few MB (weights and optimizer
# state), and loading one of 16 GiB would take twice that memory; anything larger is refused unread.
CHECKPOINT_MAX_BYTES = 16 << 30


class RunProgress(TypedDict, total=False):
    """What a trainer adds to its checkpoints; absent from those saved outside a run (and from older ones)."""

    precision: str  # the precision the run measured or was given ("fp32" or "bf16")
    best_psnr: float  # the best validation score so far (the config's best_metric)
    world_size: int  # how many processes trained it
    rank_rngs: list[dict[str, Any]]  # each rank's data stream state (the numpy bit generator's)
    run_id: str  # the run the checkpoint belongs to (absent from runs made before run ids)
    start_scores: dict[str, float]  # a warm-started run's starting model on validation (else empty)


class _Training(RunProgress):
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    step: int
    numpy_rng: dict[str, Any]
    torch_rng: torch.Tensor


class SavedCheckpoint(_Training):
    """A checkpoint as it is on disk."""

    format: str
    version: int
    config: dict[str, Any]


class Checkpoint(_Training):
    """A checkpoint as ``load`` gives it: its config rebuilt, and the file it came from."""

    config: TrainConfig
    path: Path


class CheckpointError(StopframeError, RuntimeError):
    """A checkpoint cannot be used; the message is one line naming the file."""


def save(path: Path, *, model, optimizer, step: int, config: TrainConfig, rng: np.random.Generator,
         extra: RunProgress | None = None) -> None:
    """Write the checkpoint through the safe writer (workstation/kernel/safe_write.py): a temporary beside
    it, loaded back, then renamed over: never a half-written file, and on any error (a full disk:
    OutputError) the previous checkpoint stays."""
    state = SavedCheckpoint(format=CHECKPOINT_FORMAT, version=CHECKPOINT_VERSION, model=model.state_dict(),
                            optimizer=optimizer.state_dict(), step=step, config=config.to_dict(),
                            numpy_rng=dict(rng.bit_generator.state), torch_rng=torch.get_rng_state(), **(extra or {}))
    buffer = io.BytesIO()  # serialised in memory, then written by Python: a full disk is one OutputError
    torch.save(state, buffer)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot make the folder ({error.strerror or error})", path.parent) from None
    with output_file(path, overwrite=True, verify=lambda written: _check_written(written, path, step)) as temporary:
        with open(temporary, "wb") as stream:
            stream.write(buffer.getbuffer())


def _check_written(written: Path, path: Path, step: int) -> None:
    """The temporary loads back as the checkpoint of ``step``, or it never replaces the last one."""
    try:
        state = torch.load(written, map_location="cpu", weights_only=True)
    except Exception as error:
        raise OutputError(f"the written checkpoint does not load back ({type(error).__name__})", path) from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT or state.get("step") != step:
        raise OutputError("the written checkpoint does not load back as written", path)


def resolve(path: str | Path) -> Path:
    """A checkpoint file, or a run folder (its checkpoints/last.pt); anything but a regular file is
    refused without being opened (a FIFO would wait for a writer)."""
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoints" / LAST
    try:
        kind = not_regular(path.stat().st_mode)
    except OSError:
        raise CheckpointError("no such checkpoint", path) from None
    if kind is not None:
        raise CheckpointError(f"not a file but {kind} (a checkpoint was expected); it was not read", path)
    return path


def load(path: str | Path) -> Checkpoint:
    path = resolve(path)
    try:
        data = read_bytes_capped(path, CHECKPOINT_MAX_BYTES, "a checkpoint")
    except InputError as error:  # gone, or replaced since resolve looked
        raise CheckpointError(error.problem, path) from None
    try:
        with warnings.catch_warnings():  # torch warns of pickles it did not write: the error below says it
            warnings.simplefilter("ignore")
            # tensors and plain values only: never unpickle anything that could run code
            saved: Any = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "GLOBAL" in str(error):  # torch names the global it refused to build
            raise CheckpointError("not a Stopframe checkpoint (it names Python objects beyond tensors and plain "
                                  "values; none of it was loaded or run)", path) from None
        raise CheckpointError(f"not a readable checkpoint ({type(error).__name__})", path) from None
    except Exception as error:  # torch raises many kinds for a damaged file
        raise CheckpointError(f"not a readable checkpoint ({type(error).__name__})", path) from None
    if not isinstance(saved, dict) or saved.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError("not a Stopframe checkpoint", path)
    if saved.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"checkpoint version {saved.get('version')} is not supported "
                              f"(this Stopframe reads version {CHECKPOINT_VERSION})", path)
    missing = sorted(key for key in SavedCheckpoint.__required_keys__ if key not in saved)
    if missing:
        raise CheckpointError(f"not a complete checkpoint (no {missing[0]!r})", path)
    damage = _damage(saved)
    if damage:
        raise CheckpointError(f"a damaged checkpoint ({damage})", path)
    try:
        config = TrainConfig.from_saved(saved["config"]).validate()
    except RemovedSettingError as error:
        raise CheckpointError(f"{error.setting} was removed (it lost on validation); "
                              f"retrain with {error.instead}", path) from None
    except (ConfigError, TypeError, AttributeError) as error:
        raise CheckpointError(f"bad config in checkpoint ({error})", path) from None
    misfit = _weights_misfit(config, saved["model"])
    if misfit:
        raise CheckpointError(f"its weights are not those of its config's model ({misfit})", path)
    state = Checkpoint(model=saved["model"], optimizer=saved["optimizer"], step=saved["step"],
                       numpy_rng=saved["numpy_rng"], torch_rng=saved["torch_rng"], config=config, path=path)
    state.update(cast(RunProgress, {key: saved[key] for key in RunProgress.__optional_keys__ if key in saved}))
    return state


def _damage(saved: dict[str, Any]) -> str | None:
    """What is wrong with the parts of a saved checkpoint other than its config, or None."""
    step, model, optimizer = saved["step"], saved["model"], saved["optimizer"]
    if not _whole(step, low=0):
        return f"step {step!r} is not a whole number >= 0"
    if not isinstance(model, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in model.items()):
        return "its model is not a set of named tensors"
    if not (isinstance(optimizer, dict) and isinstance(optimizer.get("state"), dict)
            and isinstance(optimizer.get("param_groups"), list)):
        return "its optimizer state is not one"
    if not isinstance(saved["config"], dict):
        return "its config is not a table of settings"
    rng = saved["torch_rng"]
    if not (isinstance(rng, torch.Tensor) and rng.dtype == torch.uint8 and rng.shape == torch.get_rng_state().shape):
        return "its torch_rng is not a random state"
    for name, value in [("numpy_rng", saved["numpy_rng"]),
                        *(("rank_rngs", v) for v in _listed(saved.get("rank_rngs", [])))]:
        if not _numpy_state(value):
            return f"its {name} is not a random state"
    if "precision" in saved and saved["precision"] not in ("fp32", "bf16"):
        return f"precision {saved['precision']!r} is not fp32 or bf16"
    best = saved.get("best_psnr", 0.0)
    if not isinstance(best, (int, float)) or isinstance(best, bool) or math.isnan(best):
        return f"best_psnr {best!r} is not a number"
    if not _whole(saved.get("world_size", 1), low=1):
        return f"world_size {saved['world_size']!r} is not a whole number >= 1"
    if not isinstance(saved.get("run_id", ""), str):
        return f"run_id {saved['run_id']!r} is not a run id"
    start = saved.get("start_scores", {})
    if not (isinstance(start, dict) and all(isinstance(k, str) and isinstance(v, float) for k, v in start.items())):
        return "its start_scores are not named numbers"
    return None


def _whole(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _listed(value: object) -> list[object]:
    return value if isinstance(value, list) else [None]  # not a list: one state that is not one


def _numpy_state(value: object) -> bool:
    """Whether ``value`` is a state numpy's default bit generator can be set to."""
    try:
        np.random.default_rng().bit_generator.state = cast(dict[str, Any], value)
    except (TypeError, ValueError, KeyError):
        return False
    return True


def _weights_misfit(config: TrainConfig, weights: dict[str, torch.Tensor]) -> str | None:
    """How ``weights`` differ from the parameters of the model ``config`` builds (built on the meta
    device: shapes without memory), or None where they fit."""
    with torch.device("meta"):
        expected = {name: tuple(tensor.shape) for name, tensor in SceneModel(config.model).state_dict().items()}
    missing, unexpected = sorted(expected.keys() - weights.keys()), sorted(weights.keys() - expected.keys())
    if missing:
        return f"{len(missing)} missing, the first {missing[0]}"
    if unexpected:
        return f"{len(unexpected)} not in the model, the first {unexpected[0]}"
    for name, shape in expected.items():
        if tuple(weights[name].shape) != shape:
            return f"{name} is {list(weights[name].shape)}, the model's is {list(shape)}"
    return None


def restore(state: Checkpoint, model: SceneModel, optimizer: torch.optim.Optimizer) -> None:
    """The model's weights and the optimizer's state from ``state`` (whose weights ``load`` checked);
    an optimizer state that does not fit the model is one line naming the file."""
    model.load_state_dict(state["model"])
    try:
        optimizer.load_state_dict(state["optimizer"])
        misfit = next((list(moment.shape) for parameter, moments in optimizer.state.items()
                       for moment in moments.values()
                       if isinstance(moment, torch.Tensor) and moment.dim() and moment.shape != parameter.shape), None)
    except (ValueError, KeyError, TypeError, RuntimeError, IndexError) as error:
        raise CheckpointError(f"a damaged checkpoint (its optimizer state does not fit the model: "
                              f"{type(error).__name__})", state["path"]) from None
    if misfit is not None:
        raise CheckpointError(f"a damaged checkpoint (its optimizer holds a {misfit} moment that fits no weight "
                              "of the model)", state["path"])


def load_model(path: str | Path) -> tuple[SceneModel, Checkpoint]:
    state = load(path)
    model = SceneModel(state["config"].model)
    model.load_state_dict(state["model"])
    model.eval()
    return model, state
