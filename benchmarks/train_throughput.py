"""Training throughput of the default training (the recipe of the demo model, recipes/mmnist.toml):
pairs/s in fp32 and in bf16 autocast.

Each step is a whole training step as the trainer runs it: draw a batch of Moving MNIST pairs,
forward, every loss the defaults weight (L_self adds a render, L_equiv blurred levels), backward,
AdamW. Run: python benchmarks/train_throughput.py

With ``--nproc-per-node N`` it compares data-parallel training instead (training/run/distributed.py):
the same steps in fp32 by 1 process and by N processes started through ``torch.distributed.run``
(DDP, gloo on CPUs, one GPU each with NCCL), each process drawing ``--batch-size`` pairs a step;
pairs/s counts the pairs of all processes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.data.mmnist import MovingMNIST  # noqa: E402
from training.model.config import TrainConfig  # noqa: E402
from training.model.scene_model import SceneModel  # noqa: E402
from training.run import distributed  # noqa: E402
from training.run.precision import bf16_supported, pick_device  # noqa: E402
from training.run.trainer import Trainer  # noqa: E402


def measure(precision: str, data: MovingMNIST, config: TrainConfig, steps: int, device: str,
            group: distributed.Solo | None = None) -> float:
    """Training pairs/s of this process, or of the whole group (every process calls it)."""
    group = group or distributed.Solo()
    torch.manual_seed(0)
    model = SceneModel(config.model).to(device)
    trained = group.wrap(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(distributed.data_seed(0, group.rank))
    trainer = Trainer.__new__(Trainer)  # only its step function is used here
    trainer.config, trainer.device = config, device

    def step():
        x1, x2 = (torch.from_numpy(a).to(device) for a in data.random_pairs(rng, config.batch_size))
        trainer._optimize(trained, optimizer, x1, x2, precision, lr=config.lr)

    for _ in range(3):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    group.any(False)  # every process starts the clock together
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    group.any(False)
    return steps * config.batch_size * group.world_size / (time.perf_counter() - start)


def worker(args) -> None:
    """One process of a ``--nproc-per-node`` measurement; rank 0 writes the figure to ``--result``."""
    group = distributed.current()
    config = TrainConfig(batch_size=args.batch_size)
    data = MovingMNIST.from_mnist_dir(args.data_dir, "train")
    pairs = measure("fp32", data, config, args.steps, pick_device(), group)
    if group.leads:
        Path(args.result).write_text(json.dumps({"pairs_per_s": pairs, "processes": group.world_size}))
    distributed.leave()


def compare_processes(args) -> None:
    from torch.distributed.run import get_args_parser, run

    print(f"device {pick_device()}, fp32, {args.batch_size} pairs per process and step, {args.steps} steps")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for processes in sorted({1, args.nproc_per_node}):
            result = Path(folder) / f"{processes}.json"
            run(get_args_parser().parse_args([
                "--standalone", "--nproc-per-node", str(processes), __file__, "--worker", "--result", str(result),
                "--steps", str(args.steps), "--batch-size", str(args.batch_size), "--data-dir", args.data_dir]))
            results[processes] = json.loads(result.read_text())["pairs_per_s"]
    print("processes  pairs/s  speed-up")
    for processes, pairs in results.items():
        print(f"{processes:9d} {pairs:8.1f} {pairs / results[1]:8.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--nproc-per-node", type=int, help="compare 1 and N training processes (DDP)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker or args.nproc_per_node:
        (worker if args.worker else compare_processes)(args)
        return
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
