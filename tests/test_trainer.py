"""The trainer: checkpoints, exact resume, Ctrl-C, progress lines and clear errors."""

import csv
import json
import os
import signal
import subprocess
import sys

import pytest
import torch

from tests.conftest import MNIST_DIR, ROOT, run_cli, tiny_model_config, tiny_train_config
from training.model.config import ModelConfig, TrainConfig
from training.run import checkpoint
from training.run.run_files import read_metrics
from training.run.trainer import Callbacks, RunFolderError, Trainer, TrainingInterrupted
from workstation.kernel.errors import EXIT_INTERRUPTED
from workstation.kernel.locations import asset_path
from workstation.kernel.safe_write import LOCK_SUFFIX, is_temporary

TINY_CLI = ["--set", "model.width=8", "--set", "model.feature_channels=8", "--set", "model.motion_width=8",
            "--set", "init_from=\"\"",
            "--set", "val_examples=8", "--set", "val_every=5", "--set", "sample_every=5",
            "--set", "checkpoint_every=5", "--batch-size", "4", "--precision", "fp32"]


def leftovers(folder) -> list[str]:
    """What the safe writer leaves when it is interrupted: its temporaries and its claims."""
    return sorted(p.name for p in folder.rglob("*") if is_temporary(p) or p.name.endswith(LOCK_SUFFIX))


def parameters(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_checkpoint_round_trip(tmp_path):
    trainer = Trainer(tiny_train_config(steps=2), tmp_path / "run")
    trainer.train()
    state = checkpoint.load(tmp_path / "run")
    assert state["step"] == 2
    assert state["config"] == trainer.config
    assert state["numpy_rng"] == trainer.rng.bit_generator.state
    model, _ = checkpoint.load_model(tmp_path / "run")
    assert torch.equal(parameters(model), parameters(trainer.model))
    assert (tmp_path / "run" / "config.json").is_file()
    assert (tmp_path / "run" / "samples" / "step_0000002.png").is_file()


def test_resume_continues_exactly(tmp_path):
    straight = Trainer(tiny_train_config(steps=6), tmp_path / "straight")
    straight.train()
    stop_after_three = Callbacks(should_stop=lambda: stopped.step >= 3)
    stopped = Trainer(tiny_train_config(steps=6), tmp_path / "split", stop_after_three)
    with pytest.raises(TrainingInterrupted):
        stopped.train()
    resumed = Trainer.resume(tmp_path / "split")
    assert resumed.step == 3
    resumed.train()
    assert torch.allclose(parameters(resumed.model), parameters(straight.model), atol=1e-6)
    with (tmp_path / "split" / "metrics.csv").open() as handle:
        steps = [int(row["step"]) for row in csv.DictReader(handle)]
    assert steps == sorted(set(steps))


def test_cancel_leaves_a_checkpoint_that_resumes(tmp_path):
    steps_seen = []
    callbacks = Callbacks(on_step=lambda record: steps_seen.append(record["step"]),
                          should_stop=lambda: len(steps_seen) >= 3)
    trainer = Trainer(tiny_train_config(steps=50), tmp_path / "run", callbacks)
    with pytest.raises(TrainingInterrupted) as interrupted:
        trainer.train()
    assert interrupted.value.step == 3
    assert checkpoint.load(tmp_path / "run")["step"] == 3
    assert Trainer.resume(tmp_path / "run").step == 3


def ctrl_c_during_step(trainer_class, during: int, times: int = 1):
    """Trainer._optimize that sends Ctrl-C once the batch of step ``during`` is drawn, before the
    step is counted: where a KeyboardInterrupt would leave a checkpoint that resumes differently."""
    optimize = trainer_class._optimize

    def optimize_with_ctrl_c(self, *args, **kwargs):
        if self.step + 1 == during:
            for _ in range(times):
                os.kill(os.getpid(), signal.SIGINT)
        return optimize(self, *args, **kwargs)

    return optimize_with_ctrl_c


def test_ctrl_c_in_the_middle_of_a_step_stops_after_it_and_resumes_exactly(tmp_path, monkeypatch):
    straight = Trainer(tiny_train_config(steps=6), tmp_path / "straight")
    straight.train()
    handler = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(Trainer, "_optimize", ctrl_c_during_step(Trainer, during=3))
    with pytest.raises(TrainingInterrupted) as stopped:
        Trainer(tiny_train_config(steps=6), tmp_path / "split").train()
    assert stopped.value.step == 3
    assert signal.getsignal(signal.SIGINT) is handler  # training gives the signal back
    monkeypatch.undo()
    resumed = Trainer.resume(tmp_path / "split")
    resumed.train()
    assert torch.allclose(parameters(resumed.model), parameters(straight.model), atol=1e-6)


def test_a_second_ctrl_c_leaves_at_once_keeping_the_last_periodic_checkpoint(tmp_path, monkeypatch, capsys):
    import main

    monkeypatch.setattr(Trainer, "_optimize", ctrl_c_during_step(Trainer, during=4, times=2))
    out = tmp_path / "run"
    code = main.main(["train", "--steps", "6", "--out", str(out), "--progress", "json", *TINY_CLI,
                      "--set", "checkpoint_every=3"])
    assert code == EXIT_INTERRUPTED
    assert checkpoint.load(out)["step"] == 3
    assert leftovers(out) == []
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("stopframe: left at once during step 4; the last periodic checkpoint")
    assert "--resume" in last


def test_a_run_folder_is_never_reused_silently(tmp_path):
    Trainer(tiny_train_config(steps=1), tmp_path / "run").train()
    with pytest.raises(RunFolderError, match="already holds a run"):
        Trainer(tiny_train_config(steps=1), tmp_path / "run")
    with pytest.raises(RunFolderError, match="nothing to resume"):
        Trainer.resume(tmp_path / "empty")


def test_validation_scores_the_manipulations(tmp_path):
    trainer = Trainer(tiny_train_config(steps=1), tmp_path / "run")
    scores = trainer.validate()
    spread, iou = scores.pop("val_theta_spread"), scores.pop("val_alpha_iou")
    sharpness = scores.pop("val_transform_sharpness")
    assert set(scores) == {"val_reconstruction_psnr", "val_background_psnr", "val_transform_psnr", "val_plate_psnr"}
    assert all(5 < value < 40 for value in scores.values()) and 0 <= iou <= 1
    assert 0 <= sharpness < 5  # an untrained model's blur, against the moved digit's strokes
    assert spread > 1e-3  # the registration follows each pair's character from the first step
    net_alone = tiny_model_config(motion_input="rms", motion_alignment="none")
    paper = Trainer(tiny_train_config(steps=1, model=net_alone), tmp_path / "paper")
    assert paper.validate()["val_theta_spread"] < 1e-6  # the motion net alone starts at the identity


def test_runs_with_different_seeds_are_validated_on_the_same_examples(tmp_path):
    """Model choices compare runs: the validation set may not change with the run's seed."""
    first = Trainer(tiny_train_config(steps=1, seed=0), tmp_path / "first")
    second = Trainer(tiny_train_config(steps=1, seed=7), tmp_path / "second")
    assert not torch.equal(first.model.encoder_character.layers[0].weight,
                           second.model.encoder_character.layers[0].weight)  # the seed matters for training
    second.model.load_state_dict(first.model.state_dict())
    assert second.validate() == first.validate()


def test_cli_json_progress_and_resume(tmp_path):
    out = tmp_path / "run"
    done = run_cli("train", "--dataset", "mmnist", "--steps", "5", "--out", str(out), "--progress", "json", *TINY_CLI)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3, 4, 5]
    assert {"loss", "scene", "equiv", "inv", "pairs_per_s", "eta_s"} <= steps[0].keys()
    assert any(e["event"] == "validation" for e in events) and events[-1]["event"] == "end"
    again = run_cli("train", "--resume", "--out", str(out), "--steps", "7", "--progress", "json")
    assert again.returncode == 0, again.stderr
    assert [json.loads(line)["step"] for line in again.stdout.splitlines() if '"step"' in line][1] == 6


def ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as for a job started in the background of a script


@pytest.mark.parametrize("stop, started", [(signal.SIGINT, None), (signal.SIGTERM, None),
                                           (signal.SIGINT, ignore_sigint)])
def test_ctrl_c_writes_a_checkpoint_and_says_how_to_resume(tmp_path, stop, started):
    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", "--steps", "100000", "--out",
                                str(out), "--progress", "json", *TINY_CLI], cwd=ROOT, preexec_fn=started,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if json.loads(line).get("step", 0) >= 3:
            break
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1].startswith("stopframe: interrupted at step")
    assert "Traceback" not in stderr and "--resume" in stderr
    assert checkpoint.load(out)["step"] >= 3


@pytest.mark.parametrize("arguments, named", [
    (["--precision", "fp64"], "precision='fp64': allowed values are auto, fp32, bf16"),
    (["--dataset", "cifar"], "dataset='cifar': allowed values are mmnist"),
    (["--set", "model.image_size=100"], "model.image_size=100: allowed values are 64, 128, 256"),
    (["--set", "model.depth=3"], "unknown setting model.depth"),
    (["--steps", "0"], "steps=0: must be an integer from 1"),
    (["--set", "model.motion_alignment=centroid"],
     'model.motion_alignment="centroid" was removed (it lost on validation); use "registration"'),
    (["--set", "relative_losses=true"], "relative_losses=true was removed (it lost on validation)"),
])
def test_bad_config_values_get_one_line_naming_the_key(tmp_path, capsys, arguments, named):
    import main

    capsys.readouterr()
    assert main.main(["train", "--out", str(tmp_path / "run"), *arguments]) == 2  # in-process: no interpreter start
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and named in stderr
    assert not (tmp_path / "run").exists()


def test_missing_mnist_gets_one_line_naming_the_expected_files(tmp_path):
    done = run_cli("train", "--out", str(tmp_path / "run"), "--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert str(tmp_path / "nowhere" / "train-images-idx3-ubyte.gz") in done.stderr
    assert str(tmp_path / "nowhere" / "t10k-images-idx3-ubyte.gz") in done.stderr
    assert not (tmp_path / "run").exists()


def test_a_damaged_checkpoint_gets_one_line(tmp_path):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    done = run_cli("evaluate", str(broken), "--n", "10")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert str(broken) in done.stderr and "not a readable checkpoint" in done.stderr


def test_shared_data_is_where_the_cli_looks_by_default():
    from training import cli

    assert cli.mnist_dir(None, "train", ()) == MNIST_DIR  # the data-dir rule: ../shared/data beside a checkout


def recipe_config(recipe: str | None, *settings: str) -> TrainConfig:
    """What `main.py train [--recipe recipes/RECIPE.toml] [--set ...]` trains."""
    import argparse

    from training import cli

    fields = ("dataset", "steps", "batch_size", "lr", "precision", "seed", "data_dir")
    path = str(ROOT / "recipes" / f"{recipe}.toml") if recipe else None
    return cli.build_train_config(argparse.Namespace(recipe=path, set=list(settings), **dict.fromkeys(fields)))


def test_the_defaults_are_the_recipe_of_the_demo_model():
    """`main.py train` with no recipe trains the model we ship: recipes/mmnist.toml, every key."""
    config = recipe_config("mmnist")
    assert config == recipe_config(None)
    assert config.to_dict() == {**TrainConfig().to_dict(), "data_dir": config.data_dir}
    assert config.model == ModelConfig(motion_input="instance", motion_alignment="registration")  # default sizes
    assert config.model.renderer == "layered" and config.init_from == "summed-demo"
    assert config.steps == 12_000 and config.warmup_steps == 100 and config.dataset == "mmnist"
    assert config.backgrounds == 4096
    assert config.alpha_sparse == 0.02 and config.alpha_self == 1.0 and config.equiv_levels == 4
    assert config.alpha_plate == 4.0 and config.alpha_bound == 1.0
    overridden = recipe_config("mmnist", "model.anchored=false", "steps=10")
    assert overridden.model.anchored is False and overridden.steps == 10


def test_the_paper_preset_differs_from_the_defaults_in_its_setup_alone():
    """recipes/paper.toml: the motion net alone on an RMS-scaled pair, no terms beyond the paper's."""
    paper, default = recipe_config("paper").validate().to_dict(), recipe_config(None).to_dict()
    differences = {key: paper[key] for key in paper if key != "model" and paper[key] != default[key]}
    differences.update({f"model.{key}": value for key, value in paper["model"].items()
                        if value != default["model"][key]})
    assert differences == {"alpha_sparse": 0.0, "alpha_self": 0.0, "equiv_levels": 1, "alpha_plate": 0.0,
                           "alpha_bound": 0.0, "init_from": "", "model.renderer": "summed",
                           "model.motion_input": "rms", "model.motion_alignment": "none"}


def save_checkpoint(path, config: TrainConfig) -> None:
    """A checkpoint of an untrained model with this config, as the trainer writes one."""
    import numpy as np

    from training.model.scene_model import SceneModel

    model = SceneModel(config.model)
    checkpoint.save(path, model=model, optimizer=torch.optim.AdamW(model.parameters()), step=5, config=config,
                    rng=np.random.default_rng(0))


def saved_with(path, **changes):
    """Rewrite the config saved in the checkpoint at ``path`` (as an older Stopframe wrote it)."""
    state = torch.load(path, weights_only=False)
    model_changes = changes.pop("model", {})
    state["config"] = {**state["config"], **changes, "model": {**state["config"]["model"], **model_changes}}
    torch.save(state, path)


@pytest.mark.parametrize("change, named", [
    ({"model": {"motion_alignment": "centroid"}}, 'model.motion_alignment="centroid" was removed (it lost on '
                                                  'validation); retrain with "registration"'),
    ({"relative_losses": True}, "relative_losses=true was removed (it lost on validation); retrain with the "
                                "absolute L_equiv and L_inv (leave relative_losses out)"),
])
def test_a_checkpoint_naming_a_removed_setting_is_refused_in_one_line(tmp_path, change, named):
    out = tmp_path / "run"
    last = out / "checkpoints" / "last.pt"
    save_checkpoint(last, tiny_train_config())
    saved_with(last, **change)
    with pytest.raises(checkpoint.CheckpointError) as refused:
        checkpoint.load(out)
    assert str(refused.value) == f"{last}: {named}"
    done = run_cli("train", "--resume", "--out", str(out), "--steps", "2")
    assert done.returncode == 2 and done.stderr == f"stopframe: {last}: {named}\n"


# A config as the Stopframe before the recipe became the defaults saved it (relative_losses
# included, at the only value left), every key different from today's default.
OLDER_CONFIG = {
    "dataset": "clips", "data_dir": "/elsewhere/mnist", "clips": ["/clips/walk.mp4"], "max_gap": 7,
    "fit": "letterbox", "steps": 20_000, "batch_size": 4, "lr": 0.002, "weight_decay": 0.0, "warmup_steps": 200,
    "alpha_equiv": 0.5, "alpha_inv": 2.0, "alpha_self": 0.0, "alpha_sparse": 0.0, "equiv_levels": 1,
    "relative_losses": False, "precision": "fp32", "seed": 3, "val_every": 7, "val_examples": 9,
    "sample_every": 11, "checkpoint_every": 13,
    "model": {"image_size": 128, "width": 8, "feature_channels": 8, "blocks": 0, "motion_width": 8,
              "anchored": False, "motion_input": "rms", "motion_alignment": "none"},
}


def test_a_checkpoint_is_rebuilt_from_its_own_config_never_from_todays_defaults(tmp_path):
    save_checkpoint(tmp_path / "old.pt", TrainConfig.from_saved(OLDER_CONFIG))
    saved_with(tmp_path / "old.pt", relative_losses=False)  # the key today's configs no longer write
    loaded, state = checkpoint.load_model(tmp_path / "old.pt")
    saved = {key: value for key, value in OLDER_CONFIG.items() if key != "relative_losses"}
    before_layers = {"alpha_plate": 0.0, "alpha_bound": 0.0, "init_from": "", "backgrounds": 64,  # what such runs used
                     "shift": 0, "alpha_static": 0.0, "alpha_visible": 0.0, "alpha_tight": 0.0, "alpha_align": 0.0,
                     "best_metric": "reconstruction_psnr"}
    assert state["config"].to_dict() == {**saved, **before_layers,
                                         "model": {**saved["model"], "renderer": "summed", "colour": "decoder",
                                                   "parts": 1, "part_motion": "shift", "dense": 0}}
    default = TrainConfig().to_dict()
    assert all(saved[key] != default[key] for key in saved if key != "model")  # the test can fail
    assert all(saved["model"][key] != default["model"][key] for key in saved["model"])
    assert loaded.config == ModelConfig(**OLDER_CONFIG["model"], renderer="summed")
    assert not hasattr(loaded.motion_net, "registration")  # the motion net alone, as it was trained


def test_a_checkpoint_from_before_a_setting_existed_gets_the_value_it_was_trained_with(tmp_path):
    """Keys a saved config lacks take the value runs used before they were introduced (the old
    defaults), not today's recipe values."""
    older = {key: value for key, value in OLDER_CONFIG.items()
             if key not in ("steps", "warmup_steps", "alpha_self", "alpha_sparse", "equiv_levels")}
    older["model"] = {key: value for key, value in OLDER_CONFIG["model"].items()
                      if key not in ("motion_input", "motion_alignment")}
    rebuilt = TrainConfig.from_saved(older).validate()
    assert (rebuilt.steps, rebuilt.warmup_steps, rebuilt.alpha_self, rebuilt.alpha_sparse, rebuilt.equiv_levels) == (
        20_000, 200, 0.0, 0.0, 1)
    assert (rebuilt.model.motion_input, rebuilt.model.motion_alignment) == ("rms", "none")
    assert TrainConfig.from_dict(older).model.motion_alignment == "registration"  # a recipe takes today's


def test_evaluate_plain_switches_anchoring_off_for_checkpoints_only(tmp_path, anchored_bundle):
    Trainer(tiny_train_config(steps=1), tmp_path / "run").train()
    done = run_cli("evaluate", str(tmp_path / "run"), "--n", "20", "--pairs", "20", "--plain",
                   "--json", str(tmp_path / "plain.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "plain.json").read_text())["model"]["anchored"] is False
    refused = run_cli("evaluate", str(anchored_bundle[1]), "--n", "20", "--plain")
    assert refused.returncode == 2 and "--plain needs a checkpoint" in refused.stderr


@pytest.mark.parametrize("bundle, recipe", [("demo", "mmnist-source"), ("digits_decoder", "mmnist")])
def test_the_digit_models_runs_are_rebuilt_as_they_were_trained(bundle, recipe):
    """The shipped digit models' runs (the demo model, and the stage it started from) come back value
    for value, and each is its recipe's."""
    saved = json.loads((asset_path("models", bundle) / "model.json").read_text())["trained_on"]["train_config"]
    rebuilt = TrainConfig.from_saved(saved).validate().to_dict()
    assert {key: rebuilt[key] for key in saved if key != "model"} == {k: v for k, v in saved.items() if k != "model"}
    assert {key: rebuilt["model"][key] for key in saved["model"]} == saved["model"]
    later = {"shift", "alpha_static", "alpha_visible", "alpha_tight", "alpha_align", "best_metric"}  # added since
    assert set(rebuilt) - set(saved) <= later
    assert set(rebuilt["model"]) - set(saved["model"]) <= {"colour", "parts", "part_motion", "dense"}
    assert rebuilt == {**recipe_config(recipe).to_dict(), "data_dir": saved["data_dir"]}


def test_a_model_that_draws_from_the_source_trains_and_shows_its_visibility(tmp_path):
    """model.colour="source" with L_visible: it trains, logs the term and the sharpness, and its
    sample grid has one more column, the visibility (white where the source's pixels are the colour)."""
    import cv2

    plain = Trainer(tiny_train_config(steps=3), tmp_path / "plain")
    plain.train()
    config = tiny_train_config(steps=3, alpha_visible=0.5, model=tiny_model_config(colour="source"))
    sighted = Trainer(config, tmp_path / "sighted")
    sighted.train()
    rows = read_metrics(tmp_path / "sighted" / "metrics.csv", up_to_step=3)[1]
    assert float(rows[-1]["visible"]) > 0 and rows[-1]["val_transform_sharpness"] != ""
    widths = [cv2.imread(str(folder / "samples" / "step_0000003.png")).shape[1]
              for folder in (tmp_path / "plain", tmp_path / "sighted")]
    assert widths[1] == widths[0] + 64  # one 64-pixel column more
