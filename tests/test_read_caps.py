"""Reading inputs, the rest of them (issue 27): the MNIST files, the sprite sheets, a still image, a
run's metrics.csv and checkpoint, and a lock file are each a regular file of bounded size, checked
before a byte is read: a FIFO named like one is one line at once (never opened), a file over its cap
is one line naming the file and the cap (never read: memory stays small), and so is a gzip bomb."""

from __future__ import annotations

import gzip
import os
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

import main  # noqa: F401  (imported before memory is traced: an import is not a read)
import training.cli  # noqa: F401
import training.run.trainer  # noqa: F401
from tests.faults import fifo_watchdog, sparse_file
from tests.test_checkpoint_safety import run_main, saved_checkpoint
from training.data import mnist, sprites
from training.run import checkpoint, run_files
from workstation.kernel.reading import size_text
from workstation.kernel.safe_write import write_text
from workstation.kernel.temporary_names import lock_path
from workstation.media import readers
from workstation.media.media_error import MediaError
from workstation.media.probe import probe

T = TypeVar("T")
TINY = ["--steps", "1", "--precision", "fp32", "--set", 'init_from=""', "--set", "model.width=8",
        "--set", "model.feature_channels=8", "--set", "model.motion_width=8", "--set", "val_examples=8"]


def _cli_line(capsys, *arguments: object) -> str:
    """The one line a refused command prints, without its ``stopframe: `` prefix."""
    code, stderr = run_main(capsys, *arguments)
    assert code == 2 and stderr.count("\n") == 1 and stderr.startswith("stopframe: "), stderr
    return stderr.removeprefix("stopframe: ").rstrip("\n")


def _error_line(read: Callable[[], object], error: type[Exception]) -> str:
    with pytest.raises(error) as caught:
        read()
    line = str(caught.value)
    assert "\n" not in line, line
    return line


def _mnist_images(tmp_path: Path, capsys) -> str:
    return _cli_line(capsys, "train", "--out", tmp_path / "run", "--data-dir", tmp_path / "data", *TINY)


def _mnist_labels(tmp_path: Path, capsys) -> str:
    return _error_line(lambda: mnist.load_labels(tmp_path / "data", "test"), mnist.DataError)


def _sprite_sheet(tmp_path: Path, capsys) -> str:
    return _cli_line(capsys, "train", "--dataset", "sprites", "--out", tmp_path / "run", "--data-dir",
                     tmp_path / "sheets", *TINY)


def _still_image(tmp_path: Path, capsys) -> str:
    return _error_line(lambda: probe(tmp_path / "still.png"), MediaError)


def _resume(tmp_path: Path, capsys) -> str:
    return _cli_line(capsys, "train", "--resume", "--out", tmp_path / "run")


def _a_run(tmp_path: Path) -> None:
    saved_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")


FIFO = "{path}: not a file but a named pipe (FIFO)"
# reader: (its input, relative to the test's folder; what makes the rest of its folder; how a user
# reaches it, giving the one line; how that line begins for a FIFO; the cap; what the file is called)
READERS = {
    "MNIST images": ("data/train-images-idx3-ubyte.gz", None, _mnist_images, FIFO,
                     mnist.MNIST_FILE_MAX_BYTES, "an MNIST image file"),
    "MNIST labels": ("data/t10k-labels-idx1-ubyte.gz", None, _mnist_labels, FIFO,
                     mnist.MNIST_FILE_MAX_BYTES, "an MNIST label file"),
    "sprite sheet": ("sheets/body/0.png", None, _sprite_sheet, FIFO,
                     sprites.SHEET_MAX_BYTES, "a sprite layer sheet"),
    "still image": ("still.png", None, _still_image, "{path}: is a named pipe (FIFO), not a video",
                    readers.IMAGE_MAX_BYTES, "an image file"),
    "metrics.csv": ("run/metrics.csv", _a_run, _resume, FIFO,
                    run_files.METRICS_MAX_BYTES, "a run's metrics.csv"),
    # train --resume looks for a regular last.pt (a FIFO is none); checkpoint.load is tested below
    "checkpoint": ("run/checkpoints/last.pt", None, _resume, "{folder}/run: nothing to resume (no {path})",
                   checkpoint.CHECKPOINT_MAX_BYTES, "a checkpoint"),
}


def _input_of(tmp_path: Path, reader: str) -> Path:
    relative, prepare = READERS[reader][:2]
    if prepare is not None:
        prepare(tmp_path)
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _traced(read: Callable[[], T]) -> tuple[T, int]:
    """What ``read`` gives, and the most memory Python held meanwhile (numpy's arrays included)."""
    tracemalloc.start()
    try:
        return read(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("reader", READERS)
def test_a_fifo_is_one_line_at_once_and_never_opened(tmp_path, capsys, reader):
    """Before: MNIST and the sprites said "not found", metrics.csv waited for a writer forever."""
    path = _input_of(tmp_path, reader)
    reach, begins = READERS[reader][2:4]
    with fifo_watchdog(path) as rescued:
        started = time.monotonic()
        line = reach(tmp_path, capsys)
        took = time.monotonic() - started
    assert not rescued, f"the FIFO was opened: {line}"
    assert line.startswith(begins.format(path=path, folder=tmp_path)), line
    assert took < 4, f"{took:.1f} s"


@pytest.mark.parametrize("reader", READERS)
def test_a_file_over_the_cap_is_one_line_naming_it_and_the_cap_and_is_not_read(tmp_path, capsys, reader):
    """Sparse files: no disk is used. Before: metrics.csv and the still image were read whole (64
    MiB, 1 GiB), MNIST and the sheets too."""
    path = _input_of(tmp_path, reader)
    reach, cap, what = READERS[reader][2], READERS[reader][4], READERS[reader][5]
    sparse_file(path, cap + 1)
    line, peak = _traced(lambda: reach(tmp_path, capsys))
    assert line.startswith(f"{path}: {cap + 1} bytes: too large for {what} (at most {size_text(cap)}); "
                           "it was not read"), line
    assert peak < 16 << 20, f"{peak} bytes held"


def test_a_checkpoint_that_is_a_fifo_is_refused_unopened(tmp_path):
    """What evaluate, export-model and init_from load: a run folder's last.pt, or a file named."""
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    last.parent.mkdir(parents=True)
    with fifo_watchdog(last) as rescued:
        for named in (tmp_path / "run", last):
            line = _error_line(partial(checkpoint.load, named), checkpoint.CheckpointError)
            assert line == f"{last}: not a file but a named pipe (FIFO) (a checkpoint was expected); it was not read"
    assert not rescued


def test_an_image_that_became_a_fifo_after_it_was_looked_at_is_refused_unopened(tmp_path):
    """``kind_of`` looked first, but a file in a folder of images may be replaced before it is read."""
    path = tmp_path / "0007.png"
    with fifo_watchdog(path) as rescued:
        line = _error_line(lambda: readers.read_image(path), MediaError)
    assert not rescued
    assert line.startswith(f"{path}: not a file but a named pipe (FIFO) (an image file was expected)"), line


def _idx_images(count: int) -> bytes:
    header = np.array([mnist.IMAGE_MAGIC, count, 28, 28], ">u4").tobytes()
    return header + bytes(range(256)) * (count * 28 * 28 // 256) + bytes(count * 28 * 28 % 256)


def test_a_gzip_bomb_stops_at_the_cap_and_real_files_still_load(tmp_path, capsys):
    """1 MB that decompresses to 1 GiB (64 gzip members of 16 MiB of zeros): before, all of it was
    decompressed into memory."""
    data = tmp_path / "data"
    data.mkdir()
    images = data / mnist.IMAGE_FILES["train"]
    images.write_bytes(gzip.compress(_idx_images(12), mtime=0))
    assert mnist.load_images(data, "train").shape == (12, 28, 28)  # the control: a real file reads
    images.write_bytes(gzip.compress(bytes(16 << 20), compresslevel=9, mtime=0) * 64)
    assert images.stat().st_size < 2 << 20
    line, peak = _traced(lambda: _mnist_images(tmp_path, capsys))
    assert line == f"{images}: decompresses to more than 64 MiB: too large for an MNIST image file; it was not " \
                   "decompressed further", line
    assert peak < 2 * mnist.MNIST_DATA_MAX_BYTES, f"{peak} bytes held"


def test_a_small_gzip_over_the_data_cap_is_refused(tmp_path, monkeypatch):
    """The decompressed cap is the one that holds for a gzipped file: a file of 12 digits (9 kB
    decompressed) is refused when the cap is lowered below it, and read when it is not."""
    (tmp_path / mnist.LABEL_FILES["test"]).write_bytes(
        gzip.compress(np.array([mnist.LABEL_MAGIC, 9000], ">u4").tobytes() + bytes(9000), mtime=0))
    assert len(mnist.load_labels(tmp_path, "test")) == 9000
    monkeypatch.setattr(mnist, "MNIST_DATA_MAX_BYTES", 8 << 10)
    line = _error_line(lambda: mnist.load_labels(tmp_path, "test"), mnist.DataError)
    assert line.endswith("decompresses to more than 8 KiB: too large for an MNIST label file; it was not "
                         "decompressed further"), line


@pytest.mark.parametrize("lock", ["fifo", "huge"])
def test_a_lock_that_is_a_fifo_or_huge_holds_no_pid_and_is_taken_over(tmp_path, lock):
    """A stale lock is taken over; before, a FIFO at the lock's name hung the next writer, and a
    huge one was read whole."""
    target = tmp_path / "notes.txt"
    lock_file = lock_path(target)
    if lock == "fifo":
        with fifo_watchdog(lock_file) as rescued:
            os.utime(lock_file, (1, 1))  # not one being written this moment
            write_text(target, "kept\n")
        assert not rescued, "the FIFO lock was opened"
    else:
        sparse_file(lock_file, 1 << 30)
        os.utime(lock_file, (1, 1))
        _, peak = _traced(partial(write_text, target, "kept\n"))
        assert peak < 16 << 20, f"{peak} bytes held"
    assert target.read_text() == "kept\n" and not lock_file.exists()
