"""Checkpoints: model, optimizer, step, config and random state, written atomically.

On disk a checkpoint is one dict of tensors and plain values (``SavedCheckpoint``), so it loads with
``torch.load(weights_only=True)``; ``load`` gives it back typed (``Checkpoint``), its config rebuilt.
A checkpoint holds its whole config as a dict and is rebuilt from those values, not from today's
defaults (``TrainConfig.from_saved``); one that names a removed setting is refused in one line."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, TypedDict, cast

import numpy as np
import torch

from training.model.config import ConfigError, RemovedSettingError, TrainConfig
from training.model.scene_model import SceneModel
from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import OutputError, output_file

CHECKPOINT_FORMAT = "stopframe-checkpoint"
CHECKPOINT_VERSION = 1
LAST = "last.pt"


class RunProgress(TypedDict, total=False):
    """What a trainer adds to its checkpoints; absent from those saved outside a run (and from older ones)."""

    precision: str  # the precision the run measured or was given ("fp32" or "bf16")
    best_psnr: float  # the best validation score so far (the config's best_metric)
    world_size: int  # how many processes trained it
    rank_rngs: list[dict[str, Any]]  # each rank's data stream state (the numpy bit generator's)


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
    """A checkpoint file, or a run folder (its checkpoints/last.pt)."""
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoints" / LAST
    if not path.is_file():
        raise CheckpointError("no such checkpoint", path)
    return path


def load(path: str | Path) -> Checkpoint:
    path = resolve(path)
    try:
        saved: Any = torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain values only
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
    try:
        config = TrainConfig.from_saved(saved["config"]).validate()
    except RemovedSettingError as error:
        raise CheckpointError(f"{error.setting} was removed (it lost on validation); "
                              f"retrain with {error.instead}", path) from None
    except (ConfigError, TypeError, AttributeError) as error:
        raise CheckpointError(f"bad config in checkpoint ({error})", path) from None
    state = Checkpoint(model=saved["model"], optimizer=saved["optimizer"], step=saved["step"],
                       numpy_rng=saved["numpy_rng"], torch_rng=saved["torch_rng"], config=config, path=path)
    state.update(cast(RunProgress, {key: saved[key] for key in RunProgress.__optional_keys__ if key in saved}))
    return state


def load_model(path: str | Path) -> tuple[SceneModel, Checkpoint]:
    state = load(path)
    model = SceneModel(state["config"].model)
    model.load_state_dict(state["model"])
    model.eval()
    return model, state
