"""Which precision a run trains in: the one it was given, or with ``precision = "auto"`` bf16 where
the device has it and a few timed steps show it clearly faster than fp32 (it costs a little accuracy)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from training.model.config import TrainConfig
from training.model.scene_model import SceneModel
from training.run.run_files import RunFolderError

# (model, optimizer, x1, x2, precision, lr) -> losses: the trainer's own step
Step = Callable[..., dict[str, float]]


def pick_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def bf16_supported(device: str) -> bool:
    if device == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def resolve_precision(config: TrainConfig, device: str, step: Step) -> str:
    """"fp32" or "bf16" for a new run of ``config`` on ``device``; RunFolderError for bf16 where there is none."""
    wanted = config.precision
    if wanted == "bf16" and not bf16_supported(device):
        raise RunFolderError(f"precision=bf16: this {device} has no bf16 support; use fp32 or auto")
    if wanted != "auto":
        return wanted
    if not bf16_supported(device):
        return "fp32"
    return faster_precision(config, device, step)


def faster_precision(config: TrainConfig, device: str, step: Step) -> str:
    """Time a few steps in each precision on a throwaway copy of the model; pick the faster."""
    probe = SceneModel(config.model).to(device)
    optimizer = torch.optim.AdamW(probe.parameters(), lr=config.lr)
    size = config.model.image_size
    x1, x2 = (torch.rand(config.batch_size, 3, size, size, device=device) for _ in range(2))
    timings: dict[str, float] = {}
    for precision in ("fp32", "bf16"):
        for attempt in range(4):  # the first is a warm-up
            start = time.perf_counter()
            step(probe, optimizer, x1, x2, precision, lr=config.lr)
            if device == "cuda":
                torch.cuda.synchronize()
            if attempt:
                timings[precision] = min(timings.get(precision, math.inf), time.perf_counter() - start)
    # bf16 must win clearly: it costs a little accuracy.
    return "bf16" if timings["bf16"] < 0.8 * timings["fp32"] else "fp32"
