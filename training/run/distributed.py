"""Data-parallel training with PyTorch's own engine: ``torch.distributed`` and DistributedDataParallel,
started by ``torchrun`` (or ``stopframe train --nproc-per-node N``, which runs ``torch.distributed.run``).

A process that torchrun started (it sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous
address) joins the group: gloo on CPUs, NCCL on GPUs, each rank on the GPU of its ``LOCAL_RANK``. Any
other process is a ``Solo``: the same calls, answered at once, so a plain ``stopframe train`` runs
exactly as before. What the trainer asks of the group (``training/run/trainer.py``):

- **data**: rank r draws its pairs from its own stream, ``data_seed(seed, r)``; rank 0's is the
  stream of a one-process run. Each step, DDP averages the gradients of the ranks' batches, so a
  step of W ranks of batch B is a step of one process on the W batches together (batch W*B), for
  every loss that is a mean over pairs (L_equiv with ``equiv_levels`` > 1 divides by each rank's own
  batch energy: near, not equal);
- **decisions made once** (``decided``): rank 0 reads the checkpoint, checks the run folder and
  measures ``--precision auto``; the others take its answer, or its error;
- **flags** (``any``): a stop request (Ctrl-C, SIGTERM, Cancel) or a loss that is not finite on any
  rank stops every rank at the same step boundary;
- **checkpoints** (``gathered``): every rank's data stream state goes into rank 0's checkpoint, so a
  resumed run of the same world size draws what the uninterrupted one would have.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from workstation.kernel.errors import EXIT_INTERRUPTED, EXIT_USAGE, StopframeError, one_line

if TYPE_CHECKING:
    from training.model.scene_model import SceneModel

# How long a rank waits for the others in one collective (a dead peer usually shows at once, as a
# closed connection; a frozen machine only through this). Rank 0's validation and sample grids run
# while the others wait for the next step, so it must outlast them.
PEER_TIMEOUT_VARIABLE = "STOPFRAME_PEER_TIMEOUT_S"
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


class PeerLost(StopframeError, RuntimeError):
    """Another training process died or cannot be reached."""


class SaidByRankZero(StopframeError):
    """Rank 0's error, raised on the other ranks too; rank 0 alone prints it."""


def data_seed(seed: int, rank: int) -> int | list[int]:
    """The seed of rank ``rank``'s stream of training pairs: ranks never draw the same batch."""
    return seed if rank == 0 else [seed, rank]


class Solo:
    """One process, no group: what a plain ``stopframe train`` is."""

    rank, local_rank, world_size = 0, 0, 1

    @property
    def leads(self) -> bool:
        """Rank 0: the one that validates, writes the run folder and prints progress."""
        return self.rank == 0

    def any(self, flag: bool) -> bool:
        return flag

    def decided(self, decide):
        return decide()

    def gathered(self, value) -> list:
        return [value]

    def wrap(self, model: SceneModel) -> torch.nn.Module:
        return model


class LossesOf(torch.nn.Module):
    """``model.losses`` as a forward pass, which is what DDP hooks its gradient averaging to."""

    def __init__(self, model: SceneModel):
        super().__init__()
        self.model = model

    def forward(self, x1, x2, options):
        return self.model.losses(x1, x2, options)


class DataParallel(DistributedDataParallel):
    def losses(self, x1, x2, options):
        return self(x1, x2, options)


class Group(Solo):
    """This process in a torchrun group; the collectives turn a lost peer into ``PeerLost``."""

    def __init__(self) -> None:
        self.rank, self.world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        self.local_rank = int(os.environ.get("LOCAL_RANK", 0))
        self.cuda = torch.cuda.is_available()
        if self.cuda:
            torch.cuda.set_device(self.local_rank)
        seconds = float(os.environ.get(PEER_TIMEOUT_VARIABLE, 600))
        dist.init_process_group("nccl" if self.cuda else "gloo", timeout=timedelta(seconds=seconds))

    def any(self, flag: bool) -> bool:
        tensor = torch.tensor([int(flag)], device="cuda" if self.cuda else "cpu")
        with peers_answering(self.rank):
            dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def decided(self, decide):
        answer: list = [None]
        if self.leads:
            try:
                answer[0] = ("value", decide())
            except StopframeError as error:
                answer[0] = ("error", one_line(error))
                self._broadcast(answer)
                raise
        self._broadcast(answer)
        kind, value = answer[0]
        if kind == "error":
            raise SaidByRankZero(value)
        return value

    def _broadcast(self, answer: list) -> None:
        with peers_answering(self.rank):
            dist.broadcast_object_list(answer, src=0)

    def gathered(self, value) -> list:
        values: list = [None] * self.world_size
        with peers_answering(self.rank):
            dist.all_gather_object(values, value)
        return values

    def wrap(self, model: SceneModel) -> torch.nn.Module:
        return DataParallel(LossesOf(model), device_ids=[self.local_rank] if self.cuda else None)


@contextmanager
def peers_answering(rank: int) -> Iterator[None]:
    """A failed collective (a peer died, or did not answer within the timeout) as ``PeerLost``."""
    try:
        yield
    except PEER_ERRORS as error:
        raise peer_lost(rank, error) from None


PEER_ERRORS = (dist.DistError, RuntimeError)


def peer_lost(rank: int, error: BaseException) -> PeerLost:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    detail = re.sub(r"^\[[^\]]*\]\s*", "", first)[:160]  # without gloo's source file and line
    return PeerLost(f"rank {rank}: another training process stopped or cannot be reached ({detail}); "
                    "the last periodic checkpoint is kept: continue with --resume")


_current: Solo | None = None


def launched_by_torchrun() -> bool:
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def current() -> Solo:
    """This process's place in training: a ``Group`` under torchrun (joined once), else a ``Solo``."""
    global _current
    if _current is None:
        _current = Group() if launched_by_torchrun() else Solo()
    return _current


def leave() -> None:
    global _current
    if isinstance(_current, Group) and dist.is_initialized():
        dist.destroy_process_group()
    _current = None


def check_world_size(saved: int, now: int) -> None:
    if saved != now:
        raise StopframeError(f"this run was trained by {saved} process(es) and is resumed by {now}: resume it "
                             f"with {saved} in all (--nproc-per-node, or torchrun's), so it goes on as it began")


def as_rank(train: Callable[[Solo], int]) -> int:
    """``train(group)`` in this process's place (a Solo, or a rank of torchrun's group), then leave
    the group: an error rank 0 said is not said again, a peer lost inside a step is one line."""
    try:
        return train(current())
    except SaidByRankZero:
        return EXIT_USAGE
    except StopframeError as error:
        if current().leads or isinstance(error, PeerLost):
            raise
        raise StopframeError(f"rank {current().rank}: {one_line(error)}") from None
    except RuntimeError as error:  # DDP's gradient averaging, inside a step: a peer is gone
        if isinstance(error, StopframeError) or not isinstance(current(), Group):
            raise
        raise peer_lost(current().rank, error) from None
    finally:
        leave()


def launch(processes: int, command_line: list[str], resume: bool, out: str) -> int:
    """``torchrun --standalone --nproc-per-node N SCRIPT ARGUMENTS`` on this machine, through
    ``torch.distributed.run`` itself (``command_line``: the script, main.py, and the arguments it
    was given, which lose ``--nproc-per-node``); the exit code of the run (130: stopped by Ctrl-C
    or SIGTERM, with a checkpoint)."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    if resume and not (Path(out) / "checkpoints" / "last.pt").is_file():  # said once, not by every process
        raise StopframeError("nothing to resume (no checkpoints/last.pt): start a new run there, "
                             "or choose another --out", out)
    script, *arguments = command_line
    at = next(i for i, a in enumerate(arguments) if a.startswith("--nproc-per-node"))
    del arguments[at:at + (1 if "=" in arguments[at] else 2)]
    options = get_args_parser().parse_args(["--standalone", "--nproc-per-node", str(processes), script, *arguments])
    try:
        run(options)
    except SignalException:  # the workers were told, and have stopped at one step boundary
        return EXIT_INTERRUPTED
    except ChildFailedError as failed:
        codes = {rank: failure.exitcode for rank, failure in failed.failures.items()}
        if set(codes.values()) <= {EXIT_INTERRUPTED, EXIT_USAGE}:  # the processes said why themselves
            return max(codes.values())
        said = ", ".join(f"rank {rank} exit code {code}" for rank, code in sorted(codes.items()))
        print(f"stopframe: a training process failed ({said}); the last periodic checkpoint is kept: "
              "continue with --resume", file=sys.stderr)
        return 1
    return 0


def devices() -> dict:
    """What this machine can train on (``stopframe devices --json``; the workstation asks a child)."""
    gpus = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            properties = torch.cuda.get_device_properties(index)
            gpus.append({"index": index, "name": properties.name,
                         "memory_gib": round(properties.total_memory / 2**30, 1)})
    return {"torch": torch.__version__, "cuda": torch.cuda.is_available(), "gpus": gpus,
            "cpu_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
            "backend": "nccl" if gpus else "gloo"}


def describe_devices(as_json: bool) -> str:
    found = devices()
    if as_json:
        return json.dumps(found)
    lines = [f"PyTorch {found['torch']}, {found['cpus']} CPUs ({found['cpu_threads']} threads), "
             f"backend {found['backend']}"]
    lines += [f"GPU {gpu['index']}: {gpu['name']}, {gpu['memory_gib']} GiB" for gpu in found["gpus"]]
    return "\n".join(lines if found["gpus"] else [*lines, "no GPU: training runs on the CPU"])
