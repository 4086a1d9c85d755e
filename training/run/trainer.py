"""The trainer: AdamW on L_total, with validation, sample grids and resumable checkpoints.

A run folder holds ``config.json``, ``metrics.csv``, ``samples/step_NNNNNNN.png`` (every ``sample_every``
steps, by the clock of ``training/run/sample_clock.py`` and where a run stops) and ``checkpoints/{last,best}.pt``.
Progress goes to callbacks (a terminal bar or JSON lines, see ``training/run/progress.py``). Ctrl-C or SIGTERM
stops at the next step boundary and writes a checkpoint (``training/run/interrupts.py``); ``resume`` continues
exactly where the checkpoint stopped: model, optimizer, step and the data stream's random state.
"""

from __future__ import annotations

import errno
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import torch

from training.data.clips import ClipPairs
from training.data.mmnist import MovingMNIST
from training.data.sprites import Sprites, SpriteSheets
from training.evaluation.validation import manipulation_examples, sample_grid, validation_scores
from training.model.config import ConfigError, TrainConfig
from training.model.scene_model import SceneModel
from training.run import checkpoint, distributed
from training.run.batch_memory import check_batch_fits
from training.run.checkpoint import Checkpoint, RunProgress
from training.run.interrupts import stop_requests
from training.run.precision import pick_device, resolve_precision
from training.run.run_files import MetricRow, MetricsLog, RunFolderError, check_same_run, new_run_id, read_metrics
from training.run.sample_clock import SampleClock
from training.run.warm_start import warm_start
from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import OutputError, write_bytes, write_json

LOSS_NAMES = ("scene", "equiv", "inv", "sparse", "self", "plate", "bound", "static", "visible", "tight", "align")
STEP_FIELDS = ("step", "loss", *LOSS_NAMES, "lr", "pairs_per_s")
METRIC_FIELDS = (*STEP_FIELDS, "val_reconstruction_psnr", "val_background_psnr", "val_transform_psnr",
                 "val_theta_spread", "val_plate_psnr", "val_alpha_iou", "val_analogy_psnr",
                 "val_transform_sharpness", "val_analogy_sharpness", "val_model_psnr", "val_copy_psnr",
                 "val_flow_psnr")


__all__ = ["Callbacks", "RunFolderError", "Trainer", "TrainingDiverged", "TrainingInterrupted"]
# What a run folder holds when it was created but a death came before its first checkpoint: empty
# folders, nothing to lose, so a new run may start in it.
RUN_FOLDERS = ("checkpoints", "samples")


class TrainingDiverged(StopframeError, RuntimeError):
    """The loss or the weights stopped being finite; the last good checkpoint is kept."""


class Resumption(NamedTuple):
    """What ``--resume`` reads before anything is changed: the last checkpoint, and the columns and
    rows of metrics.csv up to its step."""

    checkpoint: Checkpoint
    metric_fields: list[str]
    metric_rows: list[MetricRow]


class TrainingInterrupted(Exception):
    def __init__(self, step: int, path: Path):
        super().__init__(f"interrupted at step {step}; checkpoint saved to {path}")
        self.step, self.path = step, path


@dataclass
class Callbacks:
    """Hooks for a user interface; ``should_stop`` is polled every step (a GUI's Cancel)."""

    on_start: Callable[[dict], None] = lambda info: None
    on_step: Callable[[dict], None] = lambda record: None
    on_validation: Callable[[dict], None] = lambda record: None
    on_checkpoint: Callable[[dict], None] = lambda record: None
    on_samples: Callable[[dict], None] = lambda record: None  # {"step", "path"}: a sample picture was written
    on_end: Callable[[dict], None] = lambda record: None
    should_stop: Callable[[], bool] = field(default=lambda: False)


def open_datasets(config: TrainConfig):
    """(training pairs, validation pairs): Moving MNIST or sprites generated on the fly, or your own clips."""
    size = config.model.image_size
    if config.dataset == "clips":
        return ClipPairs.splits(config.clips, size, config.max_gap, config.fit, config.shift, config.backgrounds)
    if config.data_dir is None:
        raise ConfigError("data_dir is not set: pass --data-dir, the folder with the MNIST files (or the sprites)")
    if config.dataset == "sprites":
        sheets = SpriteSheets.load(config.data_dir)
        return tuple(Sprites(sheets, split, size, config.backgrounds, with_backgrounds=config.backgrounds > 0,
                             shift=config.shift if split == "train" else 0)  # validation as the test draws it
                     for split in ("train", "val"))
    return (MovingMNIST.from_mnist_dir(config.data_dir, "train", size, config.backgrounds),
            MovingMNIST.from_mnist_dir(config.data_dir, "val", size))


def best_score(metric: str, validation: dict[str, float]) -> float:
    """The score of ``validation`` that the config's ``best_metric`` names (BEST_METRICS)."""
    if metric == "manipulation_psnr":
        return validation["val_background_psnr"] + validation["val_transform_psnr"]
    return validation[f"val_{metric}"]


def learning_rate(config: TrainConfig, step: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak at the last step."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


class Trainer:
    def __init__(self, config: TrainConfig, run_dir: str | Path, callbacks: Callbacks | None = None,
                 _resumed: Resumption | None = None):
        """A new run in an empty (or absent) ``run_dir``; use ``Trainer.resume`` to continue one."""
        self.run_dir = Path(run_dir)
        self.group = distributed.current()  # a Solo unless torchrun started this process (training/run/distributed.py)
        self.callbacks = (callbacks or Callbacks()) if self.group.leads else Callbacks()
        self.device = pick_device()
        state = _resumed.checkpoint if _resumed else None
        self.config = state["config"] if state else config.validate()
        self.run_id = state.get("run_id") if state else new_run_id()  # None: a run from before run ids
        if state is None:
            self.group.decided(self._check_new_run_folder)
        torch.manual_seed(self.config.seed)
        self.train_data, self.val_data = open_datasets(self.config)
        # Moving MNIST knows what a manipulated frame should look like (sprites too: their analogies
        # are drawn at each validation); own clips are validated on reconstruction alone.
        self.val_examples = manipulation_examples(self.val_data, self.config.val_examples)
        self.model = SceneModel(self.config.model).to(self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.config.lr,
                                           weight_decay=self.config.weight_decay)
        self.rng = np.random.default_rng(distributed.data_seed(self.config.seed, self.group.rank))
        self.sample_clock = SampleClock()
        self.step = self.saved_step = 0
        self.best_psnr = -math.inf
        self.start_scores: dict[str, float] = {}  # a warm-started run's starting model, validated at step 0
        # metrics.csv goes on from the rows up to the resumed checkpoint; columns of older runs are kept
        extra_fields = [name for name in _resumed.metric_fields if name not in METRIC_FIELDS] if _resumed else []
        self.metrics = MetricsLog(self.run_dir / "metrics.csv", [*METRIC_FIELDS, *extra_fields])
        self.metric_rows_kept = _resumed.metric_rows if _resumed else []
        if state:
            self._restore(state)
        elif self.config.init_from:
            warm_start(self.model, self.config.init_from)
        # before the precision probe, which runs a whole batch: a batch that cannot fit is one line, not a kill
        check_batch_fits(self.model, self.config, self.device, self.group.world_size if self.device == "cpu" else 1)
        self.trained = self.group.wrap(self.model)  # what steps train: DDP averages gradients over the ranks
        self.precision = self.group.decided(lambda: self._resolve_precision(state))
        try:
            for folder in RUN_FOLDERS if self.group.leads else ():
                (self.run_dir / folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunFolderError(f"cannot make the run folder ({error.strerror or error})", self.run_dir) from None
        if state is None:  # a run killed before its first periodic checkpoint resumes from here
            self.save(self.last_checkpoint)

    def _check_new_run_folder(self) -> None:
        folder = self.run_dir
        if folder.exists() and not folder.is_dir():
            raise RunFolderError("is not a folder: choose another --out", folder)
        if self.last_checkpoint.is_file():
            raise RunFolderError("already holds a run: pass --resume to continue it, or choose another --out", folder)
        try:
            entries = list(folder.iterdir()) if folder.exists() else []
            ours = all(e.name in RUN_FOLDERS and e.is_dir() and not any(e.iterdir()) for e in entries)
        except OSError as error:
            raise RunFolderError(f"cannot read it ({error.strerror or error})", folder) from None
        if not ours:
            raise RunFolderError("is not empty and holds no checkpoint to resume: choose another --out", folder)

    # -- run folder ---------------------------------------------------------------------------
    @property
    def last_checkpoint(self) -> Path:
        return self.run_dir / "checkpoints" / checkpoint.LAST

    @classmethod
    def resume(cls, run_dir: str | Path, callbacks: Callbacks | None = None,
               steps: int | None = None) -> Trainer:
        """Continue the run in ``run_dir``; ``steps`` may raise its total, nothing else changes."""
        resumed = distributed.current().decided(lambda: cls._resumption(run_dir, steps))
        return cls(resumed.checkpoint["config"], run_dir, callbacks, _resumed=resumed)

    @staticmethod
    def _resumption(run_dir: str | Path, steps: int | None) -> Resumption:
        last = Path(run_dir) / "checkpoints" / checkpoint.LAST
        if not last.is_file():
            raise RunFolderError(f"nothing to resume (no {last}): start a new run there, or choose another --out",
                                 run_dir)
        state = checkpoint.load(last)
        check_same_run(Path(run_dir), last, state.get("run_id"), state["config"].to_dict())
        # a damaged metrics.csv is refused before the slow part, and before anything is changed
        fields, rows = read_metrics(Path(run_dir) / "metrics.csv", state["step"])
        if steps is not None:
            state["config"].steps = steps
            state["config"].validate()
        distributed.check_world_size(state.get("world_size", 1), distributed.current().world_size)
        return Resumption(state, fields, rows)

    def _restore(self, state: Checkpoint) -> None:
        checkpoint.restore(state, self.model, self.optimizer)
        self.step = state["step"]
        self.rng.bit_generator.state = (state.get("rank_rngs") or [state["numpy_rng"]])[self.group.rank]
        torch.set_rng_state(state["torch_rng"])
        self.best_psnr = state.get("best_psnr", -math.inf)
        self.start_scores = dict(state.get("start_scores", {}))
        self.saved_step = self.step

    def _resolve_precision(self, state: Checkpoint | None) -> str:
        if state and "precision" in state:
            return state["precision"]
        return resolve_precision(self.config, self.device, self._optimize)

    # -- one step ---------------------------------------------------------------------------
    def _optimize(self, model, optimizer, x1, x2, precision: str, lr: float) -> dict[str, float]:
        for group in optimizer.param_groups:
            group["lr"] = lr
        model.train()
        with torch.autocast(self.device, dtype=torch.bfloat16, enabled=precision == "bf16"):
            losses = model.losses(x1, x2, self.config.loss_options())
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        optimizer.step()
        return {"loss": losses["total"].item(), **{key: losses[key].item() for key in LOSS_NAMES}}

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        x1, x2 = self.train_data.random_pairs(self.rng, self.config.batch_size)
        return torch.from_numpy(x1).to(self.device), torch.from_numpy(x2).to(self.device)

    # -- the loop ---------------------------------------------------------------------------
    def train(self) -> dict:
        config = self.config
        world, batch = self.group.world_size, config.batch_size * self.group.world_size  # pairs of all ranks
        if self.group.leads:
            self._write_config()
            with self._writing():  # rows after the resumed checkpoint go: the resumed run logs them again
                self.metrics.restart(self.metric_rows_kept)
        self.callbacks.on_start({"step": self.step, "steps": config.steps, "device": self.device,
                                 "precision": self.precision, "run_dir": str(self.run_dir), "world_size": world})
        if self.step == 0 and config.init_from and self.group.leads:
            self._validate_starting_model()
        started, started_step = time.perf_counter(), self.step
        self.sample_clock.start()
        record: dict = {}
        with stop_requests() as stop_requested:
            while self.step < config.steps:
                if self.group.any(stop_requested() or self.callbacks.should_stop()):  # all ranks stop together
                    self.save(self.last_checkpoint)
                    if self.group.leads:  # pictures of the model as it stopped
                        self.write_samples()
                    raise TrainingInterrupted(self.step, self.last_checkpoint)
                tick = time.perf_counter()
                losses = self._optimize(self.trained, self.optimizer, *self._batch(), self.precision,
                                        lr=learning_rate(config, self.step))
                if self.group.any(not math.isfinite(losses["loss"])):
                    terms = ", ".join(f"{key} {value}" for key, value in losses.items() if not math.isfinite(value))
                    what = f"is {losses['loss']}" if terms else "is not finite on another process"
                    raise TrainingDiverged(f"the loss {what} at step {self.step + 1} ({terms or 'rank 0 is fine'}); "
                                           f"training stopped, {self._kept()}; try a lower lr", self.run_dir)
                self.step += 1
                elapsed = time.perf_counter() - started
                pairs_per_s = (self.step - started_step) * batch / max(elapsed, 1e-9)
                record = {"step": self.step, **losses, "lr": learning_rate(config, self.step - 1),
                          "pairs_per_s": pairs_per_s, "step_s": time.perf_counter() - tick,
                          "eta_s": (config.steps - self.step) * batch / max(pairs_per_s, 1e-9), "world_size": world}
                self.callbacks.on_step(record)
                self._periodic(record)
        self.save(self.last_checkpoint)
        summary = {"step": self.step, "checkpoint": str(self.last_checkpoint),
                   "best_val_psnr": self.best_psnr, "final": record}
        self.callbacks.on_end(summary)
        return summary

    def _periodic(self, record: dict) -> None:
        config, step = self.config, self.step
        last = step == config.steps
        validating = (step % config.val_every == 0 or last) and self.group.leads  # rank 0 alone validates
        row = {key: record[key] for key in STEP_FIELDS}
        if validating:
            validation = self.validate()
            row.update(validation)
            self._validated(validation)
        if (step % config.sample_every == 0 or last or self.sample_clock.due()) and self.group.leads:
            self.write_samples()
        if (step % 10 == 0 or validating) and self.group.leads:
            with self._writing():
                self.metrics.append(row)
        if step % config.checkpoint_every == 0 and not last:
            self.save(self.last_checkpoint)
            self.callbacks.on_checkpoint({"step": step, "path": str(self.last_checkpoint)})

    def _validate_starting_model(self) -> None:
        """A warm-started run's step 0: the model it starts from, validated as every later step is,
        so that what the training buys is measured (and best.pt is the starting model until a step
        beats it on validation)."""
        self.start_scores = self.validate()
        self._validated(self.start_scores)

    def _validated(self, validation: dict[str, float]) -> None:
        """Tell the callbacks, with the starting model's scores beside (``start_`` + name), and keep
        best.pt the best so far."""
        start = {f"start_{key}": value for key, value in self.start_scores.items()}
        self.callbacks.on_validation({"step": self.step, **validation, **start})
        score = best_score(self.config.best_metric, validation)
        if score > self.best_psnr:
            self.best_psnr = score
            self.save(self.run_dir / "checkpoints" / "best.pt")

    def save(self, path: Path) -> None:
        """A checkpoint of now; never one of weights that are no longer finite."""
        if not all(bool(torch.isfinite(p).all()) for p in self.model.parameters()):
            raise TrainingDiverged(f"the weights are not finite at step {self.step}; training stopped, "
                                   f"{self._kept()}; try a lower lr", self.run_dir)
        rngs = self.group.gathered(self.rng.bit_generator.state) if path == self.last_checkpoint else []
        progress = RunProgress(precision=self.precision, best_psnr=self.best_psnr, world_size=self.group.world_size,
                               rank_rngs=rngs, start_scores=self.start_scores)
        if self.run_id:
            progress["run_id"] = self.run_id
        with self._writing():
            if self.group.leads:
                checkpoint.save(path, model=self.model, optimizer=self.optimizer, step=self.step, config=self.config,
                                rng=self.rng, extra=progress)
        if path == self.last_checkpoint:
            self.saved_step = self.step

    def _kept(self) -> str:
        if not self.last_checkpoint.is_file():
            return "no checkpoint was written"
        return f"the last checkpoint (step {self.saved_step}) is kept"

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write into the run folder: a failure (a full disk) stops training in one line that
        names the file and says which checkpoint is kept."""
        try:
            yield
        except OutputError as error:
            raise RunFolderError(f"{error.problem}; training stopped at step {self.step}, {self._kept()}: "
                                 f"{_remedy(error.errno)}, then continue with --resume", error.path) from None

    # -- validation and samples -------------------------------------------------------------
    def validate(self) -> dict[str, float]:
        """The validation scores (training/evaluation/validation.py) of the model as it is now."""
        return validation_scores(self.model, self.val_data, self.val_examples, self.config.val_examples, self.device)

    def write_samples(self, count: int = 8) -> Path:
        """The sample grid (training/evaluation/validation.py) as samples/step_NNNNNNN.png."""
        path = self.run_dir / "samples" / f"step_{self.step:07d}.png"
        encoded, png = cv2.imencode(".png", cv2.cvtColor(sample_grid(self.model, self.val_data, count, self.device),
                                                         cv2.COLOR_RGB2BGR))
        if not encoded:
            raise RunFolderError("could not encode the sample image", path)
        with self._writing():
            write_bytes(path, png.tobytes())
        self.sample_clock.drawn()
        self.callbacks.on_samples({"step": self.step, "path": str(path)})
        return path

    def _write_config(self) -> None:
        payload = {**self.config.to_dict(), "device": self.device, "precision_used": self.precision,
                   "world_size": self.group.world_size,
                   "global_batch_size": self.config.batch_size * self.group.world_size,
                   **({"run_id": self.run_id} if self.run_id else {})}
        with self._writing():
            write_json(self.run_dir / "config.json", payload)


def _remedy(reason: int | None) -> str:
    """What the user does about a write into the run folder that failed for ``reason`` (an errno)."""
    if reason in (errno.ENOSPC, errno.EDQUOT):
        return "make room"
    if reason in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "make the run folder writable"
    return "put that right"
