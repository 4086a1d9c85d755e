"""A checkpoint is data, never code; a damaged one, or another run's, is one line naming the file.

Every entry point that reads a .pt (``export-model``, ``evaluate``, ``demo --model`` and
``train --resume``, which the workstation's Train dialog runs as a child process for its Resume
button: workstation/ui/train/train_dialog.py) is run as a user runs it, through ``main.main``."""

import builtins
import pickle
import shutil

import numpy as np
import pytest
import torch

from tests.conftest import tiny_train_config
from training.model.scene_model import SceneModel
from training.run import checkpoint
from training.run.trainer import Trainer


class Payload:
    """What a hostile .pt holds: unpickling it writes ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return builtins.exec, (f"open({self.marker!r}, 'w').write('ran')",)


def hostile_checkpoint(path, marker, as_torch: bool = True):
    """A file that looks like a Stopframe checkpoint and runs code when unpickled."""
    state = {"format": checkpoint.CHECKPOINT_FORMAT, "version": checkpoint.CHECKPOINT_VERSION, "step": Payload(marker)}
    path.parent.mkdir(parents=True, exist_ok=True)
    if as_torch:
        torch.save(state, path)
    else:  # a plain pickle, which torch.load also reads
        path.write_bytes(pickle.dumps(state))
    return path


def run_main(capsys, *arguments) -> tuple[int, str]:
    import main

    capsys.readouterr()
    code = main.main([str(argument) for argument in arguments])
    return code, capsys.readouterr().err


def assert_refused_in_one_line(code: int, stderr: str, *fragments: str) -> None:
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in stderr, stderr


@pytest.mark.parametrize("as_torch", [True, False], ids=["torch-save", "plain-pickle"])
def test_the_hostile_file_does_run_code_when_unpickled(tmp_path, as_torch):
    """The control: the payload is real, so the tests below prove that loading refused it."""
    marker = tmp_path / "marker"
    path = hostile_checkpoint(tmp_path / "X.pt", marker, as_torch)
    torch.load(path, weights_only=False) if as_torch else pickle.loads(path.read_bytes())
    assert marker.read_text() == "ran"


ENTRY_POINTS = {
    "export-model": lambda pt, tmp: ["export-model", pt, "--out", tmp / "bundle"],
    "evaluate": lambda pt, tmp: ["evaluate", pt, "--n", "10", "--pairs", "10"],
    "demo": lambda pt, tmp: ["demo", "--model", pt, "--out", tmp / "demo"],
    "train --resume": lambda pt, tmp: ["train", "--resume", "--out", tmp / "run"],
}


@pytest.mark.parametrize("as_torch", [True, False], ids=["torch-save", "plain-pickle"])
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_no_entry_point_runs_code_from_a_checkpoint(tmp_path, capsys, entry, as_torch):
    marker = tmp_path / "marker"
    path = tmp_path / "run" / "checkpoints" / "last.pt"  # train --resume reads the run's own last.pt
    hostile_checkpoint(path, marker, as_torch)
    code, stderr = run_main(capsys, *ENTRY_POINTS[entry](path, tmp_path))
    refusal = "not a Stopframe checkpoint (it names Python objects" if as_torch else "not a readable checkpoint"
    assert_refused_in_one_line(code, stderr, f"stopframe: {path}: {refusal}")
    assert not marker.exists()
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["checkpoints", "last.pt", "run"]  # nothing written


# -- damaged checkpoints -------------------------------------------------------------------------
def saved_checkpoint(path, **config):
    """A checkpoint as the trainer writes one (step 5), and its dict as it is on disk."""
    model = SceneModel(tiny_train_config(**config).model)
    checkpoint.save(path, model=model, optimizer=torch.optim.AdamW(model.parameters()), step=5,
                    config=tiny_train_config(**config), rng=np.random.default_rng(0))
    return torch.load(path, weights_only=True)


def wider_config(saved):
    saved["config"]["model"]["width"] = 16  # the weights stay those of width 8


def one_weight_less(saved):
    del saved["model"][next(iter(saved["model"]))]


def step_as_text(saved):
    saved["step"] = "five"


def another_optimizer(saved):
    saved["optimizer"]["param_groups"][0]["params"] = [0]


def bad_random_state(saved):
    saved["numpy_rng"] = {"bit_generator": "PCG64", "state": "lost"}


DAMAGE = {
    wider_config: "its weights are not those of its config's model",
    one_weight_less: "its weights are not those of its config's model (1 missing",
    step_as_text: "a damaged checkpoint (step 'five' is not a whole number >= 0)",
    another_optimizer: "its optimizer state does not fit the model",
    bad_random_state: "a damaged checkpoint (its numpy_rng is not a random state)",
}
NOT_TRAINING = (wider_config, one_weight_less, step_as_text)  # what export-model and evaluate read


@pytest.mark.parametrize("damage, entry", [(damage, entry) for damage in DAMAGE for entry in ENTRY_POINTS
                                           if entry == "train --resume" or damage in NOT_TRAINING],
                         ids=lambda value: getattr(value, "__name__", value))
def test_a_damaged_checkpoint_is_one_line_naming_it(tmp_path, capsys, damage, entry):
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    saved = saved_checkpoint(last)
    damage(saved)
    torch.save(saved, last)
    code, stderr = run_main(capsys, *ENTRY_POINTS[entry](last, tmp_path))
    assert_refused_in_one_line(code, stderr, f"stopframe: {last}: ", DAMAGE[damage])
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["checkpoints", "last.pt", "run"]  # nothing written


# -- another run's checkpoint --------------------------------------------------------------------
def trained_run(folder, **config):
    Trainer(tiny_train_config(steps=2, val_every=2, sample_every=2, checkpoint_every=2, **config), folder).train()
    return folder


def run_files(run) -> dict[str, bytes]:
    return {path.relative_to(run).as_posix(): path.read_bytes() for path in sorted(run.rglob("*")) if path.is_file()}


def before_run_ids(run):
    """The run as a Stopframe from before run ids left it: no run_id in config.json or any checkpoint."""
    import json

    config = json.loads((run / "config.json").read_text())
    del config["run_id"]
    (run / "config.json").write_text(json.dumps(config))
    for path in (run / "checkpoints").glob("*.pt"):
        saved = torch.load(path, weights_only=True)
        del saved["run_id"]
        torch.save(saved, path)


@pytest.mark.parametrize("older", [False, True], ids=["run-ids", "before-run-ids"])
def test_resume_refuses_another_runs_checkpoint_before_changing_anything(tmp_path, capsys, older):
    ours = trained_run(tmp_path / "ours")
    theirs = trained_run(tmp_path / "theirs", **({"lr": 3e-3} if older else {}))  # the same settings, with run ids
    if older:
        before_run_ids(ours)
        before_run_ids(theirs)
    shutil.copyfile(theirs / "checkpoints" / "last.pt", ours / "checkpoints" / "last.pt")
    files = run_files(ours)
    code, stderr = run_main(capsys, "train", "--resume", "--out", ours, "--steps", "4")
    named = "in lr" if older else "run "
    assert_refused_in_one_line(code, stderr, f"{ours / 'checkpoints' / 'last.pt'}: is another run's checkpoint", named)
    assert run_files(ours) == files  # config.json, metrics.csv, best.pt, samples: as they were


def test_a_run_resumes_its_own_checkpoint_and_keeps_its_id(tmp_path, capsys):
    run = trained_run(tmp_path / "run")
    run_id = checkpoint.load(run)["run_id"]
    code, stderr = run_main(capsys, "train", "--resume", "--out", run, "--steps", "3", "--progress", "json")
    assert code == 0, stderr
    assert checkpoint.load(run)["run_id"] == run_id and checkpoint.load(run)["step"] == 3


def test_a_run_from_before_run_ids_still_resumes(tmp_path, capsys):
    run = trained_run(tmp_path / "run")
    before_run_ids(run)
    code, stderr = run_main(capsys, "train", "--resume", "--out", run, "--steps", "3", "--progress", "json")
    assert code == 0, stderr
    assert checkpoint.load(run)["step"] == 3 and "run_id" not in checkpoint.load(run)  # matched by its config


def test_a_named_pipe_as_a_checkpoint_is_refused_unopened(tmp_path, capsys):
    import os

    fifo = tmp_path / "model.pt"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    code, stderr = run_main(capsys, "export-model", fifo, "--out", tmp_path / "bundle")
    assert_refused_in_one_line(code, stderr, f"{fifo}: not a file but a named pipe (FIFO)")
