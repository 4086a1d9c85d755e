"""Data-parallel training (training/run/distributed.py): processes started by torchrun, gloo on CPU.

Each test starts real processes through ``torch.distributed.run``; every one runs under a timeout,
so a hang fails the test instead of blocking the suite."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import torch
from conftest import ROOT, tiny_train_config

from training.run import checkpoint
from training.run.distributed import data_seed
from training.run.trainer import Trainer

# A tiny run: 2 pairs per process and step, no validation or samples before the end. L_equiv is
# the paper's (equiv_levels 1): every loss is then a mean over pairs, and averaging the gradients of
# two batches is the gradient of the two together (the pyramid's levels divide by their batch's energy).
SETTINGS = {"batch_size": 2, "warmup_steps": 2, "equiv_levels": 1, "backgrounds": 16, "init_from": "",
            "precision": "fp32", "model.width": 8, "model.feature_channels": 8, "model.motion_width": 8,
            "val_examples": 8}
TORCHRUN = [sys.executable, "-m", "torch.distributed.run"]
ENVIRONMENT = {**os.environ, "OMP_NUM_THREADS": "1", "STOPFRAME_PEER_TIMEOUT_S": "60"}


def train_arguments(out, steps: int, every: int | None = None, **extra) -> list[str]:
    every = every or steps
    values = {**SETTINGS, "val_every": every, "sample_every": every, "checkpoint_every": every, **extra}
    arguments = ["train", "--out", str(out), "--steps", str(steps), "--progress", "json"]
    for key, value in values.items():
        arguments += ["--set", f"{key}={json.dumps(value)}"]
    return arguments


def run(command: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout, env=ENVIRONMENT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def weights(run_dir) -> dict[str, torch.Tensor]:
    return checkpoint.load(run_dir)["model"]


def assert_same_weights(first: dict, second: dict, tolerance: float) -> None:
    assert first.keys() == second.keys()
    for name in first:
        assert torch.allclose(first[name], second[name], atol=tolerance, rtol=0), name


class UnionOfRanks(Trainer):
    """One process that sees, each step, the batches of ranks 0 and 1 of a 2-process run together."""

    def _batch(self):
        if not hasattr(self, "rank_streams"):
            self.rank_streams = [np.random.default_rng(data_seed(self.config.seed, rank)) for rank in (0, 1)]
        pairs = [self.train_data.random_pairs(stream, SETTINGS["batch_size"]) for stream in self.rank_streams]
        return tuple(torch.from_numpy(np.concatenate(frames)) for frames in zip(*pairs, strict=True))


def test_two_processes_train_as_one_process_on_both_batches(tmp_path):
    steps = 3
    run([*TORCHRUN, "--standalone", "--nproc-per-node", "2", "main.py", *train_arguments(tmp_path / "two", steps)])
    config = json.loads((tmp_path / "two" / "config.json").read_text())
    assert (config["world_size"], config["global_batch_size"], config["batch_size"]) == (2, 4, 2)

    union = tiny_train_config(steps=steps, batch_size=4, equiv_levels=1, backgrounds=16, val_every=steps,
                              sample_every=steps, checkpoint_every=steps, val_examples=8)
    UnionOfRanks(union, tmp_path / "one").train()
    assert_same_weights(weights(tmp_path / "two"), weights(tmp_path / "one"), tolerance=1e-5)
    # and not the trivial answer: training moved the weights
    start = Trainer(tiny_train_config(backgrounds=16), tmp_path / "untrained").model.state_dict()
    assert any(not torch.allclose(start[n], w, atol=1e-4) for n, w in weights(tmp_path / "two").items())


def test_a_stopped_two_process_run_resumes_into_the_uninterrupted_one(tmp_path):
    steps, every = 40, 5
    main = [sys.executable, "main.py"]
    run([*main, *train_arguments(tmp_path / "whole", steps, every), "--nproc-per-node", "2"])

    stopped = subprocess.Popen([*main, *train_arguments(tmp_path / "stopped", steps, every), "--nproc-per-node", "2"],
                               cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert stopped.stdout is not None
        for line in stopped.stdout:  # rank 0's progress: stop once training is under way
            record = json.loads(line) if line.startswith("{") else {}
            if record.get("event") == "step" and record["step"] >= 3:
                assert record["world_size"] == 2
                break
        stopped.send_signal(signal.SIGTERM)  # to the launcher, as a cluster's scheduler does
        _, errors = stopped.communicate(timeout=60)
    finally:
        stopped.kill()
    assert stopped.returncode == 130, errors[-3000:]
    assert "interrupted at step" in errors and "Traceback" not in errors, errors[-3000:]
    saved = checkpoint.load(tmp_path / "stopped")
    assert 3 <= saved["step"] < steps and saved["world_size"] == 2 and len(saved["rank_rngs"]) == 2
    assert saved["rank_rngs"][0] != saved["rank_rngs"][1]  # each rank's own stream is kept

    run([*main, "train", "--resume", "--out", str(tmp_path / "stopped"), "--progress", "json", "--nproc-per-node", "2"])
    assert checkpoint.load(tmp_path / "stopped")["step"] == steps
    assert_same_weights(weights(tmp_path / "stopped"), weights(tmp_path / "whole"), tolerance=1e-6)

    # the same run goes on only with as many processes as it began with
    alone = subprocess.run([*main, "train", "--resume", "--out", str(tmp_path / "stopped"), "--steps", "50"],
                           capture_output=True, text=True, cwd=ROOT, timeout=60, env=ENVIRONMENT)
    assert alone.returncode == 2 and alone.stderr.count("\n") == 1, alone.stderr
    assert "trained by 2 process(es) and is resumed by 1" in alone.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_machines_meet_through_a_c10d_rendezvous(tmp_path):
    """The multi-machine form, both "machines" on this one: the first from a checkout, the second
    through the installed ``stopframe`` command (torchrun --no-python)."""
    port = free_port()
    machine = [*TORCHRUN, "--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d",
               "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", f"test-{port}"]
    arguments = train_arguments(tmp_path / "run", 3)
    stopframe = str(os.path.join(os.path.dirname(sys.executable), "stopframe"))
    launchers = [subprocess.Popen(command, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for command in ([*machine, "--node-rank", "0", "main.py", *arguments],
                                 [*machine, "--node-rank", "1", "--no-python", stopframe, *arguments])]
    deadline = time.monotonic() + 90
    try:
        outputs = [launcher.communicate(timeout=max(1.0, deadline - time.monotonic())) for launcher in launchers]
    finally:
        for launcher in launchers:
            launcher.kill()
    for launcher, (_, errors) in zip(launchers, outputs, strict=True):
        assert launcher.returncode == 0, errors[-3000:]
    events = [json.loads(line) for out, _ in outputs for line in out.splitlines() if line.startswith("{")]
    assert {"event": "end"}.items() <= events[-1].items() and events[0]["world_size"] == 2
    assert checkpoint.load(tmp_path / "run")["step"] == 3
