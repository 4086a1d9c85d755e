"""Configuration dataclasses for the model and the trainer.

Both are plain dataclasses so they can be saved in every checkpoint (as dicts) and rebuilt
exactly. ``validate`` raises ConfigError with one line naming the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


class ConfigError(ValueError):
    """A configuration value is out of range; the message names the key and the allowed values."""


IMAGE_SIZES = (64, 128, 256)
PRECISIONS = ("auto", "fp32", "bf16")
DATASETS = ("mmnist", "clips")
FIT_MODES = ("crop", "letterbox")
MOTION_INPUTS = ("rms", "instance")
MOTION_ALIGNMENTS = ("none", "centroid", "registration")


@dataclass
class ModelConfig:
    image_size: int = 64
    width: int = 32  # channels at full / 2 resolution; the feature stage uses 2 * width
    feature_channels: int = 64  # C of the [N, C, H/4, W/4] features
    blocks: int = 1  # residual blocks per encoder stage
    motion_width: int = 64
    anchored: bool = True  # DESIGN.md "anchored motion"; False is the paper-faithful ablation
    motion_input: str = "rms"  # how T^Z normalises its input pair: "rms" (one scale) or "instance"
    # "centroid": T^Z compares the pair centred on each one's character; "registration": T^Z
    # centres, turns by a soft rotation search and refines (SceneModel.registered_motion)
    motion_alignment: str = "none"

    def validate(self) -> ModelConfig:
        _check_choice("model.image_size", self.image_size, IMAGE_SIZES)
        for key in ("width", "feature_channels", "motion_width"):
            _check_range(f"model.{key}", getattr(self, key), 4, 1024)
        _check_range("model.blocks", self.blocks, 0, 8)
        _check_choice("model.anchored", self.anchored, (True, False))
        _check_choice("model.motion_input", self.motion_input, MOTION_INPUTS)
        _check_choice("model.motion_alignment", self.motion_alignment, MOTION_ALIGNMENTS)
        return self

    @property
    def feature_size(self) -> int:
        return self.image_size // 4


@dataclass
class TrainConfig:
    dataset: str = "mmnist"  # "clips": pairs from your own clips (training/data/clips.py)
    data_dir: str = "../shared/data/mnist"
    clips: list[str] = field(default_factory=list)  # videos, GIFs or image folders (dataset "clips")
    max_gap: int = 4  # dataset "clips": the two frames of a pair are at most this many frames apart
    fit: str = "crop"  # dataset "clips": how a frame becomes square ("crop" or "letterbox")
    steps: int = 20_000
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 200
    alpha_equiv: float = 1.0
    alpha_inv: float = 1.0
    alpha_self: float = 0.0  # weight of the self-reconstruction h(x1, x1, x1, x1) = x1 (model.losses)
    alpha_sparse: float = 0.0  # weight of the character-feature sparsity prior (model.sparsity)
    equiv_levels: int = 1  # >1: L_equiv also on blurred features (model.pyramid_equivariance)
    relative_losses: bool = False  # L_equiv and L_inv divided by feature energy (see model.losses)
    precision: str = "auto"
    seed: int = 0
    val_every: int = 500
    val_examples: int = 256
    sample_every: int = 500
    checkpoint_every: int = 250
    model: ModelConfig = field(default_factory=ModelConfig)

    def validate(self) -> TrainConfig:
        _check_choice("dataset", self.dataset, DATASETS)
        _check_choice("fit", self.fit, FIT_MODES)
        _check_range("max_gap", self.max_gap, 1, 1000)
        if not isinstance(self.clips, list) or not all(isinstance(c, str) for c in self.clips):
            raise ConfigError(f"clips={self.clips!r}: must be a list of paths")
        if self.dataset == "clips" and not self.clips:
            raise ConfigError("dataset='clips' needs at least one clip: pass --clip PATH (a video, GIF or folder)")
        if self.dataset != "clips" and self.clips:
            raise ConfigError(f"clips are for dataset='clips', not dataset={self.dataset!r}")
        _check_choice("precision", self.precision, PRECISIONS)
        _check_choice("relative_losses", self.relative_losses, (True, False))
        _check_range("steps", self.steps, 1, 10**9)
        _check_range("batch_size", self.batch_size, 1, 4096)
        _check_range("warmup_steps", self.warmup_steps, 0, 10**9)
        _check_range("equiv_levels", self.equiv_levels, 1, 5)
        for key in ("val_every", "val_examples", "sample_every", "checkpoint_every"):
            _check_range(key, getattr(self, key), 1, 10**9)
        for key in ("lr", "weight_decay", "alpha_equiv", "alpha_inv", "alpha_sparse", "alpha_self"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{key}={value!r}: must be a number >= 0")
        if self.lr <= 0:
            raise ConfigError(f"lr={self.lr!r}: must be a number > 0")
        self.model.validate()
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        values = dict(values)
        model = model_config_from_dict(values.pop("model", {}))
        _reject_unknown(cls, values, prefix="")
        return cls(model=model, **values)


def model_config_from_dict(values: dict) -> ModelConfig:
    _reject_unknown(ModelConfig, values, prefix="model.")
    return ModelConfig(**values)


def _reject_unknown(cls, values: dict, prefix: str) -> None:
    known = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            allowed = ", ".join(sorted(prefix + k for k in known))
            raise ConfigError(f"unknown setting {prefix}{key}: allowed settings are {allowed}")


def _check_choice(key: str, value, allowed) -> None:
    if value not in allowed or isinstance(value, bool) != isinstance(allowed[0], bool):
        raise ConfigError(f"{key}={value!r}: allowed values are {', '.join(map(str, allowed))}")


def _check_range(key: str, value, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{key}={value!r}: must be an integer from {low} to {high}")
