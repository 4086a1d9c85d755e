"""Configuration dataclasses for the model and the trainer, and the loss options they give.

Both are plain dataclasses so they can be saved in every checkpoint (as dicts) and rebuilt
exactly. ``validate`` raises ConfigError with one line naming the key and what is allowed.

The defaults are the validated recipe, the one that trained the demo model (recipes/mmnist.toml,
docs/RESULTS.md): ``main.py train`` with no recipe trains the model we ship. The paper's setup is
the preset recipes/paper.toml. Settings that lost on validation are removed (REMOVED); a saved
config that names one is refused in one line. A saved config is rebuilt from its own values
(``TrainConfig.from_saved``): a key it lacks takes the value runs used before the key existed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from workstation.kernel.errors import StopframeError


class ConfigError(StopframeError, ValueError):
    """A configuration value is out of range; the message names the key and the allowed values
    (and the recipe file, when it came from one)."""


class RemovedSettingError(ConfigError):
    """A config names a setting value that was removed because it lost on validation."""

    def __init__(self, setting: str, instead: str):
        super().__init__(f"{setting} was removed (it lost on validation); use {instead}")
        self.setting, self.instead = setting, instead


IMAGE_SIZES = (64, 128, 256)
MAX_SEED = 2**32 - 1  # seeds numpy and torch alike (evaluate --seed has the same range)
PRECISIONS = ("auto", "fp32", "bf16")
DATASETS = ("mmnist", "clips", "sprites")
FIT_MODES = ("crop", "letterbox")
MOTION_INPUTS = ("rms", "instance")
MOTION_ALIGNMENTS = ("none", "registration")
RENDERERS = ("layered", "summed")
COLOURS = ("decoder", "source")
PART_MOTIONS = ("shift", "residual", "gated")
MAX_PARTS = 16
DENSE_STEPS = (0, 1, 2, 4)  # model.dense: displacements per feature cell side (0: none)
# best_metric: the validation score (training/evaluation/validation.py) that chooses
# checkpoints/best.pt, and the datasets whose validation measures it. "manipulation_psnr" is
# val_background_psnr + val_transform_psnr; the others are their val_ column.
BEST_METRICS = {"manipulation_psnr": ("mmnist",), "analogy_psnr": ("sprites",), "reconstruction_psnr": DATASETS}
# Each dataset's own, the default: the score that chose every best.pt before the setting existed.
DATASET_BEST_METRIC = {"mmnist": "manipulation_psnr", "sprites": "analogy_psnr", "clips": "reconstruction_psnr"}
SUMMED_DEMO = "summed-demo"  # init_from: the summed demo model shipped with Stopframe (assets/models/summed)
DIGITS_DEMO = "digits-demo"  # init_from: the layered digit model coloured by its decoder (assets/models/digits_decoder)

# Setting values that lost on validation (docs/RESULTS.md section 5), with what to use instead:
# the centroid alignment's theta diverged from step 3,000; relative losses were worse than absolute.
# A key whose every value is listed here is gone from the dataclasses; a saved config may still
# hold it with its one surviving value (ALWAYS), which is what the code now always does.
REMOVED = {
    ("model.motion_alignment", "centroid"): '"registration"',
    ("relative_losses", True): "the absolute L_equiv and L_inv (leave relative_losses out)",
}
ALWAYS = {"relative_losses": False}

# What a saved config that lacks a key was trained with: the defaults until they became the
# recipe's values (every key whose default has changed since it was introduced).
DEFAULTS_BEFORE_THE_RECIPE: dict[str, Any] = {
    "steps": 20_000, "warmup_steps": 200, "alpha_self": 0.0, "alpha_sparse": 0.0, "equiv_levels": 1,
    "alpha_plate": 0.0, "alpha_bound": 0.0, "init_from": "", "backgrounds": 64,
    "model": {"motion_input": "rms", "motion_alignment": "none", "renderer": "summed"},
}


@dataclass
class ModelConfig:
    image_size: int = 64
    width: int = 32  # channels at full / 2 resolution; the feature stage uses 2 * width
    feature_channels: int = 64  # C of the [N, C, H/4, W/4] features
    blocks: int = 1  # residual blocks per encoder stage
    motion_width: int = 64
    anchored: bool = True  # docs/DESIGN.md "Anchored motion"; False is the paper-faithful ablation
    # How T^Z normalises its input pair: "instance" (each channel less its spatial mean; without
    # it T^Z never learnt) or "rms" (one scale, the paper preset)
    motion_input: str = "instance"
    # "registration": T^Z centres the pair on the characters, turns by a soft rotation search and
    # refines with the motion net (SceneModel.registered_motion); "none": the motion net alone
    motion_alignment: str = "registration"
    # "layered": a character decoder gives RGB and alpha, a background decoder the plate, and the
    # frame is their composite; "summed": the paper's g(warp(f_c) + f_b), one image from summed
    # features (the ablation, and format 1 bundles)
    renderer: str = "layered"
    # Where a layered character's colour comes from: "decoder" (its decoder's RGB, formats 1 and 2) or
    # "source" (its own source frame sampled through the motion, v * sample(x_c) + (1 - v) * rgb, with a
    # visibility v the decoder learns: bundle format 3)
    colour: str = "decoder"
    # T^Z as a field of parts (training/model/parts.py): 1 is the single affine; part_motion: how K >= 2 move
    parts: int = 1
    part_motion: str = "shift"
    # T^Z refined by a dense displacement (training/model/dense_motion.py): 0 none, else D x D displacements
    # per feature cell (1: one a cell; 4 at the 64 square: one a pixel); true, as the first runs said it, is 1
    dense: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.dense, bool):
            self.dense = int(self.dense)

    def validate(self) -> ModelConfig:
        _check_choice("model.image_size", self.image_size, IMAGE_SIZES)
        for key in ("width", "feature_channels", "motion_width"):
            _check_range(f"model.{key}", getattr(self, key), 4, 1024)
        _check_range("model.blocks", self.blocks, 0, 8)
        _check_choice("model.anchored", self.anchored, (True, False))
        _check_choice("model.motion_input", self.motion_input, MOTION_INPUTS)
        _refuse_removed("model.motion_alignment", self.motion_alignment)
        _check_choice("model.motion_alignment", self.motion_alignment, MOTION_ALIGNMENTS)
        _check_choice("model.renderer", self.renderer, RENDERERS)
        _check_choice("model.colour", self.colour, COLOURS)
        if self.colour == "source" and self.renderer != "layered":
            raise ConfigError('model.colour="source": needs model.renderer="layered" (a summed model has no layers)')
        _check_range("model.parts", self.parts, 1, MAX_PARTS)
        _check_choice("model.part_motion", self.part_motion, PART_MOTIONS)
        if self.parts > 1 and (self.colour, self.anchored, self.motion_alignment) != ("source", True, "registration"):
            raise ConfigError('model.parts > 1: needs model.colour="source", anchored and "registration" motion')
        _check_choice("model.dense", self.dense, DENSE_STEPS)
        if self.dense and (self.colour, self.anchored, self.motion_alignment, self.parts) != ("source", True,
                                                                                           "registration", 1):
            raise ConfigError('model.dense: needs model.colour="source", anchored, "registration" motion and parts=1')
        return self

    @property
    def feature_size(self) -> int:
        return self.image_size // 4


@dataclass(frozen=True)
class LossOptions:
    """Everything ``SceneModel.losses`` needs to know, from one TrainConfig (``of``).

    L_total = L_scene + alpha_equiv L_equiv + alpha_inv L_inv + alpha_sparse L_sparse
    + alpha_self L_self + alpha_plate L_plate + alpha_bound L_bound + alpha_static L_static
    + alpha_visible L_visible + alpha_tight L_tight + alpha_align L_align.
    ``equiv_levels`` 1 is the paper's L_equiv; more adds blurred levels, each divided by its energy
    (loss_terms.pyramid_equivariance). L_self costs one more render, so it is computed only when it is
    weighted. L_plate (the layered renderer only) asks the plates of the two frames of a pair to be
    equal in image space; L_bound keeps the character decoder's logits within +-LOGIT_BOUND, where
    the sigmoid still passes a gradient; L_static asks each plate to show the pair's pixels where
    its two frames agree (loss_terms.static_background); L_visible (``model.colour = "source"`` only)
    is the mean of alpha * (1 - v): the character's colour from its own pixels wherever it can be;
    L_tight (the same) is the mean alpha where the drawn colour is what lies behind it
    (``loss_terms.unseen_alpha``); L_align (the same) is the blurred-pyramid error of the first frame's
    own alpha moved by T^Z's field against the second's, which only T^Z learns from."""

    alpha_equiv: float
    alpha_inv: float
    alpha_sparse: float
    alpha_self: float
    alpha_plate: float
    alpha_bound: float
    alpha_static: float
    alpha_visible: float
    equiv_levels: int
    alpha_tight: float = 0.0
    alpha_align: float = 0.0

    @classmethod
    def of(cls, config: TrainConfig) -> LossOptions:
        return cls(**{f.name: getattr(config, f.name) for f in dataclasses.fields(cls)})


@dataclass
class TrainConfig:
    dataset: str = "mmnist"  # "clips": pairs from your own clips (training/data/clips.py); "sprites": game
    # characters from the LPC layer sheets (training/data/sprites.py)
    data_dir: str | None = None  # the MNIST (or lpc-sprites) folder; None: the caller resolves it (main.py)
    clips: list[str] = field(default_factory=list)  # videos, GIFs or image folders (dataset "clips")
    max_gap: int = 4  # dataset "clips": the two frames of a pair are at most this many frames apart
    fit: str = "crop"  # dataset "clips": how a frame becomes square ("crop" or "letterbox")
    # "mmnist", "sprites" and clips of a character alone: how many training backgrounds (validation and
    # test keep their 64, 100 for sprites): with 64, the plate learnt them by heart (30.3 against 23.4 dB).
    # Sprites only: 0 draws every frame of every split over flat grey (the runs without backgrounds)
    backgrounds: int = 4096
    # dataset "sprites" (and a clip of a character alone): each training frame moved by up to this many
    # pixels (x and y), so the two frames of a pair stand apart over their background (Figure 15)
    shift: int = 0
    steps: int = 12_000
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    alpha_equiv: float = 1.0
    alpha_inv: float = 1.0
    alpha_self: float = 1.0  # h(x1, x1, x1, x1) = x1: makes f_c carry the character from the start
    alpha_sparse: float = 0.02  # character features silent away from the character (loss_terms.sparsity)
    equiv_levels: int = 4  # L_equiv also on features blurred by 1, 2 and 4 cells: gives T^Z a gradient
    # ||plate(x1) - plate(x2)||^2: without it the plate kept the digit and alpha was a flat tint
    alpha_plate: float = 4.0
    # the character decoder's outputs stay within LOGIT_BOUND before the sigmoid: without it alpha
    # sank to 1e-35 everywhere by step 1,500 (logits near -80) and never came back
    alpha_bound: float = 1.0
    # where the two frames of a pair agree all around, the plate shows them (loss_terms.static_background):
    # without it the sprite model's plate blurred every background, 21 dB on bare ones (the digit model's:
    # 31 dB); 0 by default, as the digit model was trained (recipes/sprites-stage2.toml sets 4)
    alpha_static: float = 0.0
    # model.colour="source": the character's colour is taken from its own pixels wherever alpha is, unless
    # the decoder says they cannot show it (L_visible, the mean of alpha * (1 - v)); the scene loss alone
    # prefers the decoder's blur to sharp pixels a little off
    alpha_visible: float = 0.0
    # model.colour="source": L_tight, alpha where the drawn colour is what lies behind it. A source pixel
    # carries its own background, which matches the target under a still camera, so nothing else stops
    # alpha from spreading over it (a halo of the old background wherever it is drawn over another)
    alpha_tight: float = 0.0
    # model.colour="source": L_align, the first frame's own alpha moved by T^Z against the second's, at
    # pixel level. Sampled from the source, a character is only as sharp as T^Z is exact, and T^Z learnt
    # from 16x16 features misplaces a digit's strokes (its angle slope is about 0.7)
    alpha_align: float = 0.0
    # a summed model bundle whose encoders and T^Z start a layered run, and whose renderer starts both
    # decoders (training/run/warm_start.py); "" starts from scratch, where alpha never came alive
    init_from: str = SUMMED_DEMO
    # the validation score that chooses checkpoints/best.pt (BEST_METRICS); "": the dataset's own
    # (DATASET_BEST_METRIC), filled in when the config is made
    best_metric: str = ""
    precision: str = "auto"
    seed: int = 0
    val_every: int = 500
    val_examples: int = 256
    sample_every: int = 500
    checkpoint_every: int = 250
    model: ModelConfig = field(default_factory=ModelConfig)

    def __post_init__(self) -> None:
        if self.best_metric == "":
            self.best_metric = DATASET_BEST_METRIC.get(self.dataset, "")

    def validate(self) -> TrainConfig:
        _check_choice("dataset", self.dataset, DATASETS)
        if self.data_dir is not None and (not isinstance(self.data_dir, str) or not self.data_dir):
            raise ConfigError(f"data_dir={self.data_dir!r}: must be a folder path")
        _check_choice("fit", self.fit, FIT_MODES)
        _check_range("max_gap", self.max_gap, 1, 1000)
        _check_range("shift", self.shift, 0, 24)
        if self.shift and self.dataset == "mmnist":
            raise ConfigError(f"shift={self.shift}: moves sprites and characters alone, not dataset={self.dataset!r}")
        _check_range("backgrounds", self.backgrounds, 0 if self.dataset == "sprites" else 1, 100_000)
        if not isinstance(self.clips, list) or not all(isinstance(c, str) and c for c in self.clips):
            raise ConfigError(f"clips={self.clips!r}: must be a list of paths")
        if self.dataset == "clips" and not self.clips:
            raise ConfigError("dataset='clips' needs at least one clip: pass --clip PATH (a video, GIF or folder)")
        if self.dataset != "clips" and self.clips:
            raise ConfigError(f"clips are for dataset='clips', not dataset={self.dataset!r}")
        _check_choice("best_metric", self.best_metric, tuple(BEST_METRICS))
        if self.dataset not in BEST_METRICS[self.best_metric]:
            measured = ", ".join(name for name, datasets in BEST_METRICS.items() if self.dataset in datasets)
            raise ConfigError(f"best_metric={self.best_metric!r}: dataset={self.dataset!r} is not validated on it; "
                              f"allowed values there are {measured}")
        _check_choice("precision", self.precision, PRECISIONS)
        _check_range("steps", self.steps, 1, 10**9)
        _check_range("seed", self.seed, 0, MAX_SEED)
        _check_range("batch_size", self.batch_size, 1, 4096)
        _check_range("warmup_steps", self.warmup_steps, 0, 10**9)
        _check_range("equiv_levels", self.equiv_levels, 1, 5)
        for key in ("val_every", "val_examples", "sample_every", "checkpoint_every"):
            _check_range(key, getattr(self, key), 1, 10**9)
        for key in ("lr", "weight_decay", "alpha_equiv", "alpha_inv", "alpha_sparse", "alpha_self", "alpha_plate",
                    "alpha_bound", "alpha_static", "alpha_visible", "alpha_tight", "alpha_align"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ConfigError(f"{key}={value!r}: must be a finite number >= 0")
        if not self.lr > 0:
            raise ConfigError(f"lr={self.lr!r}: must be a number > 0")
        self.model.validate()
        if not isinstance(self.init_from, str):
            raise ConfigError(f"init_from={self.init_from!r}: must be a model bundle folder, {SUMMED_DEMO!r}, "
                              f"{DIGITS_DEMO!r} or \"\"")
        for key in ("alpha_visible", "alpha_tight", "alpha_align"):
            if getattr(self, key) and self.model.colour != "source":
                raise ConfigError(f"{key}={getattr(self, key)!r}: needs model.colour=\"source\"")
        for key, off in (("alpha_plate", "0"), ("alpha_bound", "0"), ("alpha_static", "0"), ("init_from", '""')):
            if getattr(self, key) and self.model.renderer != "layered":
                raise ConfigError(f"{key}={getattr(self, key)!r}: needs model.renderer=\"layered\" "
                                  f"(set {key}={off} with the summed renderer)")
        return self

    def loss_options(self) -> LossOptions:
        return LossOptions.of(self)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """A config from settings (a recipe, --set): what they leave out takes today's defaults."""
        values = dict(values)
        for key in ALWAYS:
            if key in values:
                _refuse_removed(key, values[key])
                _check_choice(key, values.pop(key), (ALWAYS[key],))
        model = values.pop("model", {})
        if not isinstance(model, dict):
            raise ConfigError(f"model={model!r}: must be a table of model settings, e.g. --set model.width=32")
        model = model_config_from_dict(dict(model))
        _reject_unknown(cls, values, prefix="")
        return cls(model=model, **values)

    @classmethod
    def from_saved(cls, values: dict) -> TrainConfig:
        """The config a checkpoint was trained with: a key it lacks (it predates the key) takes the
        value runs used before the key existed, never a later default."""
        model = {**DEFAULTS_BEFORE_THE_RECIPE["model"], **values.get("model", {})}
        earlier = {k: v for k, v in DEFAULTS_BEFORE_THE_RECIPE.items() if k != "model"}
        return cls.from_dict({**earlier, **values, "model": model})


def model_config_from_dict(values: dict) -> ModelConfig:
    _reject_unknown(ModelConfig, values, prefix="model.")
    return ModelConfig(**values)


def _refuse_removed(key: str, value) -> None:
    try:
        instead = REMOVED.get((key, value))
    except TypeError:  # an unhashable value is refused by the range checks instead
        return
    if instead is not None:
        raise RemovedSettingError(f"{key}={json.dumps(value)}", instead)


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
