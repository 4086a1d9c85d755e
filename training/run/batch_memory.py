"""Whether a training batch fits in memory, decided before the first step.

A step keeps every activation that backward needs, and those grow with the batch and the image size.
``bytes_per_pair`` measures them on the model itself: the storage of the tensors the loss saves for
backward on a batch of two pairs less that on one (the weights, saved too, cancel out). A step's
peak was 1.3 to 1.6 times that on the CPU (64x64 at batch 32 and 128, 128x128 at batch 16), so a
step is taken to need twice it for each pair, plus the weights, their gradients and AdamW's two
moments. That is set against the graphics card's free memory, or the CPU's ``MemAvailable``
(/proc/meminfo, Linux; shared by the ranks of this machine); elsewhere nothing is checked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from training.model.config import ConfigError, TrainConfig
from training.model.scene_model import SceneModel

PEAK_PER_SAVED = 2.0  # a step's peak over what its loss saves for backward (measured 1.3 to 1.6)
WEIGHT_COPIES = 4  # the weights, their gradients and AdamW's two moments
MEMINFO = Path("/proc/meminfo")
MIB, GIB = 1 << 20, 1 << 30


class BatchTooLarge(ConfigError):
    """A training step of this batch size needs more memory than there is."""


def bytes_per_pair(model: SceneModel, config: TrainConfig, device: str) -> int:
    """The bytes the loss saves for backward for each pair of a batch (measured, see above)."""
    def saved(batch: int) -> int:
        storages: dict[int, int] = {}

        def keep(tensor: torch.Tensor) -> torch.Tensor:
            storage = tensor.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
            return tensor

        inputs = torch.Generator().manual_seed(0)  # the run's own random streams are not touched
        size = config.model.image_size
        x1, x2 = (torch.rand(batch, 3, size, size, generator=inputs).to(device) for _ in range(2))
        with torch.autograd.graph.saved_tensors_hooks(keep, lambda tensor: tensor):
            model.losses(x1, x2, config.loss_options())
        return sum(storages.values())

    return max(0, saved(2) - saved(1))


def available_bytes(device: str) -> int | None:
    """Free memory for training on ``device``; None where it cannot be known."""
    if device == "cuda":
        return torch.cuda.mem_get_info()[0]
    if not sys.platform.startswith("linux"):
        return None
    try:
        for line in MEMINFO.read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "MemAvailable":
                return int(value.split()[0]) * 1024  # in kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def amount(size: float) -> str:
    """``1.5 GiB``, ``64 MiB``: an amount of memory as a message says it."""
    return f"{size / GIB:.1f} GiB" if size >= GIB else f"{size / MIB:.0f} MiB" if size >= MIB else f"{size:.0f} bytes"


def check_batch_fits(model: SceneModel, config: TrainConfig, device: str, processes: int = 1) -> None:
    """Refuse in one line a batch size whose step cannot fit; ``processes``: how many train beside
    this one in the same memory (the ranks of this machine on its CPU)."""
    available = available_bytes(device)
    if available is None:
        return
    per_pair = PEAK_PER_SAVED * bytes_per_pair(model, config, device)
    weights = WEIGHT_COPIES * sum(p.numel() * p.element_size() for p in model.parameters())
    need = processes * (weights + config.batch_size * per_pair)
    if need <= available:
        return
    fits = int((available / processes - weights) // per_pair) if per_pair else 0
    size = config.model.image_size
    where = "the graphics card" if device == "cuda" else "this machine"
    each = f" for each of {processes} processes" if processes > 1 else ""
    raise BatchTooLarge(f"batch_size={config.batch_size}: a training step needs about {amount(need)} of memory "
                        f"({amount(per_pair)} a pair at {size}x{size}{each}), {where} has {amount(available)} "
                        "available; "
                        + (f"about {fits} fits: lower --batch-size" if fits > 0 else "free memory, or train a smaller "
                           "model.image_size"))
