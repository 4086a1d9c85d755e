"""Checkpoints: one dict with model, optimizer, step, config and random state, written atomically.

A checkpoint holds its whole config as a dict and is rebuilt from those values, not from today's
defaults (``TrainConfig.from_saved``); one that names a removed setting is refused in one line."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from training.config import ConfigError, RemovedSettingError, TrainConfig
from training.model import SceneModel

CHECKPOINT_FORMAT = "stopframe-checkpoint"
CHECKPOINT_VERSION = 1
LAST = "last.pt"


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used; the message is one line naming the file."""


def save(path: Path, *, model, optimizer, step: int, config: TrainConfig, rng: np.random.Generator,
         extra: dict | None = None) -> None:
    """Write the checkpoint beside its final name, then rename it over: never a half-written file."""
    state = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": step,
        "config": config.to_dict(),
        "numpy_rng": rng.bit_generator.state,
        "torch_rng": torch.get_rng_state(),
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        torch.save(state, temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def resolve(path: str | Path) -> Path:
    """A checkpoint file, or a run folder (its checkpoints/last.pt)."""
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoints" / LAST
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    return path


def load(path: str | Path) -> dict:
    path = resolve(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # torch raises many kinds for a damaged file
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: not a Stopframe checkpoint")
    if state.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"{path}: checkpoint version {state.get('version')} is not supported "
                              f"(this Stopframe reads version {CHECKPOINT_VERSION})")
    try:
        state["config"] = TrainConfig.from_saved(state["config"]).validate()
    except RemovedSettingError as error:
        raise CheckpointError(f"{path}: {error.setting} was removed (it lost on validation); "
                              f"retrain with {error.instead}") from None
    except (ConfigError, TypeError) as error:
        raise CheckpointError(f"{path}: bad config in checkpoint ({error})") from None
    state["path"] = path
    return state


def load_model(path: str | Path) -> tuple[SceneModel, dict]:
    state = load(path)
    model = SceneModel(state["config"].model)
    model.load_state_dict(state["model"])
    model.eval()
    return model, state
