"""Training throughput of the default training (the recipe of the demo model, recipes/mmnist.toml):
pairs/s in fp32 and in bf16 autocast.

Each step is a whole training step as the trainer runs it: draw a batch of Moving MNIST pairs,
forward, every loss the defaults weight (L_self adds a render, L_equiv blurred levels), backward,
AdamW. Run: python benchmarks/train_throughput.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.config import TrainConfig  # noqa: E402
from training.data.mmnist import MovingMNIST  # noqa: E402
from training.model import SceneModel  # noqa: E402
from training.trainer import Trainer, bf16_supported, pick_device  # noqa: E402


def measure(precision: str, data: MovingMNIST, config: TrainConfig, steps: int, device: str) -> float:
    torch.manual_seed(0)
    model = SceneModel(config.model).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(0)
    trainer = Trainer.__new__(Trainer)  # only its step function is used here
    trainer.config, trainer.device = config, device

    def step():
        x1, x2 = (torch.from_numpy(a).to(device) for a in data.random_pairs(rng, config.batch_size))
        trainer._optimize(model, optimizer, x1, x2, precision, lr=config.lr)

    for _ in range(3):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return steps * config.batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    args = parser.parse_args()
    device = pick_device()
    config = TrainConfig(batch_size=args.batch_size)
    data = MovingMNIST.from_mnist_dir(args.data_dir, "train")
    parameters = sum(p.numel() for p in SceneModel(config.model).parameters())
    print(f"device {device}, {torch.get_num_threads()} threads, default model {config.model} "
          f"({parameters / 1e6:.2f} M parameters), batch {config.batch_size}, {args.steps} steps")
    results = {"fp32": measure("fp32", data, config, args.steps, device)}
    if bf16_supported(device):
        results["bf16"] = measure("bf16", data, config, args.steps, device)
    for precision, pairs in results.items():
        print(f"{precision:5s} {pairs:8.1f} training pairs/s")
    if "bf16" in results:
        print(f"bf16 / fp32 = {results['bf16'] / results['fp32']:.2f}x")
    print(f"target 150 pairs/s: {'met' if max(results.values()) >= 150 else 'missed'} "
          f"(best {max(results.values()):.1f})")


if __name__ == "__main__":
    main()
