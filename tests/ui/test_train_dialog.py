"""File ▸ Train Model on Clips…, opened from its menu command as an animator would: one estimate of
the time it takes (measured by a warm-up before it starts, corrected as it runs), progress in plain
words with the sample pictures as they come, the quality measured against copying the frame and
against optical flow, the error curve, and at the end the new model's render beside the current
one, with the project's model changed only when the animator says so; after a Cancel, the model so
far can be used, or the run resumed. Every real run here is tiny (a few steps of a small model on
one thread), so the tests stay fast; the tests of what the dialog makes of a run's events feed it
the events of a fake child process (``FakeChild``), whose steps the test chooses."""

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QLabel

from tests.ui.conftest import menu_action, step, wait_for_frame
from workstation import project as doc
from workstation.kernel.errors import EXIT_INTERRUPTED
from workstation.ui.train import train_dialog
from workstation.ui.train.loss_curve import LossCurve
from workstation.ui.train.training_estimate import Estimate, duration_words
from workstation.ui.train.training_progress import quality_words

TINY = ("--set", "model.width=8", "--set", "model.feature_channels=8", "--set", "model.motion_width=8",
        "--set", "model.blocks=0", "--set", "init_from=\"\"", "--set", "val_every=2", "--set", "val_examples=8",
        "--set", "checkpoint_every=2", "--set", "sample_every=2", "--batch-size", "2", "--precision", "fp32")
SHELL_WORDS = ("main.py", "python", "--resume", "--out", "stopframe train", "held-out")
GRADES = ("rough", "fair", "good", "very good", "poor", "excellent")  # words a smear could earn


@pytest.fixture
def open_dialog(window, monkeypatch, tmp_path):
    """File ▸ Train Model on Clips… through its menu command, with the tiny model's settings."""
    from workstation.ui.shell import main_window

    # PyTorch in each child on one thread: on a small, busy machine its waiting threads cost more
    # than they give (a tiny run took five times as long)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(train_dialog, "models_folder", lambda document: tmp_path / "models")
    monkeypatch.setattr(main_window, "TrainDialog", lambda document, parent, extra=():
                        train_dialog.TrainDialog(document, parent, extra or TINY))

    def open_it():
        before = set(window.findChildren(train_dialog.TrainDialog))
        menu_action(window, "File", "Train Model on Clips…").trigger()
        (dialog,) = set(window.findChildren(train_dialog.TrainDialog)) - before
        return dialog
    return open_it


def texts(dialog) -> list[str]:
    """Every text the dialog shows: labels, buttons and their tool tips."""
    widgets = dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton)
    return [text for w in widgets for text in (w.text(), w.toolTip()) if text]


def estimates(dialog) -> list[str]:
    """The dialog's texts that say how long training takes."""
    return [text for text in texts(dialog) if re.search(r"\b(minutes?|hours?)\b", text)]


def button(dialog, text: str) -> QAbstractButton:
    (found,) = [b for b in dialog.findChildren(QAbstractButton) if b.text() == text and b.isVisible()]
    return found


def offered(dialog) -> list[str]:
    return sorted(b.text() for b in dialog.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled())


def assert_plain(dialog) -> None:
    for text in texts(dialog):
        for word in SHELL_WORDS:
            assert word not in text, f"{text!r} speaks of {word!r}"


def train_to_the_end(qtbot, dialog, steps: int = 10):
    dialog.steps.setValue(steps)
    with qtbot.waitSignal(dialog.model_ready, timeout=180_000) as ready:
        dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.choice.after_picture.pixmap() is not None
                    and not dialog.choice.after_picture.pixmap().isNull(), timeout=30_000)
    return Path(ready.args[0])


def test_the_menu_command_opens_the_dialog_and_estimates_the_time_before_training(window, qtbot, open_dialog):
    dialog = open_dialog()
    assert dialog.isVisible() and dialog.windowTitle() == "Train a Model on Clips"
    assert dialog.run_folder is None and dialog.warm_up.running()  # nothing trains yet: it only measures
    assert "Measuring" in dialog.duration.text()
    with qtbot.waitSignal(dialog.warm_up.measured, timeout=120_000) as measured:
        pass
    estimate = measured.args[0]
    assert estimate.step_s > 0 and estimate.start_s > 0
    assert dialog.duration.text() == f"Takes {duration_words(estimate.seconds(3000))} on this computer."
    dialog.steps.setValue(1_000_000)  # a longer training length: a longer time, at once
    assert dialog.duration.text() == f"Takes {duration_words(estimate.seconds(1_000_000))} on this computer."
    assert "hour" in dialog.duration.text()
    qtbot.waitUntil(lambda: not dialog.warm_up.running(), timeout=60_000)  # it stops by itself
    assert dialog.run_folder is None and not (Path(dialog.document.path).parent / "models").exists()
    assert_plain(dialog)
    dialog.close()


def test_durations_and_quality_in_plain_words():
    assert duration_words(20) == "under a minute"
    assert duration_words(7 * 60 + 10) == "about 7 minutes"
    assert duration_words(61) == "about 1 minute"
    assert duration_words(2 * 3600 + 14 * 60) == "about 2 hours 15 minutes"
    assert duration_words(3600) == "about 1 hour"
    assert Estimate(start_s=5, step_s=0.5).seconds(100) == 60
    copy_and_flow = {"val_copy_psnr": 24.13, "val_flow_psnr": 26.0}
    assert quality_words({"val_model_psnr": 25.33, **copy_and_flow}) == (
        "On frames it has not trained on: better than copying the frame by 1.2 dB; "
        "not yet better than moving its pixels by optical flow (0.7 dB behind).")
    assert quality_words({"val_model_psnr": 22.03, **copy_and_flow}) == (
        "On frames it has not trained on: not yet better than copying the frame (2.1 dB behind); "
        "not yet better than moving its pixels by optical flow (4.0 dB behind).")
    assert quality_words({"val_model_psnr": 24.16, **copy_and_flow}).startswith(  # a tie is no win
        "On frames it has not trained on: not yet better than copying the frame;")
    assert quality_words({"val_model_psnr": 27.5, "val_copy_psnr": 24.0}) == (
        "On frames it has not trained on: better than copying the frame by 3.5 dB.")
    # a score with nothing to hold it against says nothing: no grade from a PSNR alone
    assert quality_words({"val_reconstruction_psnr": 24.0}) is None


def test_one_estimate_measured_before_the_start_and_corrected_by_the_run_in_one_place(fake_dialog):
    dialog = fake_dialog(step_s=0.1)
    dialog.steps.setValue(3000)
    assert estimates(dialog) == ["Takes about 5 minutes on this computer."]  # 3000 steps of 0.1 s
    dialog.start_button.click()
    run = dialog.child
    assert run.arguments[0] == "train" and "--resume" not in run.arguments
    assert estimates(dialog) == ["About 5 minutes left."]
    # The run's first steps are slow (starting up), so its own average says 0.3 s a step: the
    # estimate moves a little towards it, never to the 15 minutes that average alone would say.
    run.record.emit(step(5, eta_s=2995 * 0.3))
    assert estimates(dialog) == ["About 7 minutes left."]  # (5 steps at 0.3 s + 20 at the warm-up's 0.1) / 25
    run.record.emit(step(100, eta_s=2900 * 0.11))
    assert estimates(dialog) == ["About 5 minutes left."]
    # A run slower than the warm-up measured (the computer got busy): the estimate follows the run.
    run.record.emit(step(1000, eta_s=2000 * 0.4))
    assert estimates(dialog) == ["About 13 minutes left."]
    run.record.emit(step(2990, eta_s=10 * 0.4))
    assert estimates(dialog) == ["Under a minute left."]
    assert dialog.status.text() == "Training: step 2,990 of 3,000."
    # Cancelled: one estimate still, of carrying on at the pace measured (0.4 s a step)
    (dialog.run_folder / "checkpoints").mkdir(parents=True)
    (dialog.run_folder / "checkpoints" / "last.pt").write_bytes(b"the run's checkpoint")
    dialog.cancel_button.click()
    assert run.cancelled
    run.finished.emit(EXIT_INTERRUPTED, "stopframe: interrupted at step 2990")
    assert offered(dialog) == ["Close", "Resume", "Use the Model So Far"]
    dialog.steps.setValue(30_000)
    assert estimates(dialog) == ["Carrying on to 30,000 steps takes about 3 hours."]
    assert_plain(dialog)


def test_pictures_and_quality_come_as_the_run_writes_them_never_a_grade(fake_dialog):
    dialog = fake_dialog(step_s=2.0)
    dialog.start_button.click()
    run = dialog.child
    # validation, which measures the quality, is set to come about every minute at the measured pace
    assert run.arguments[run.arguments.index("val_every=30") - 1] == "--set"
    samples = dialog.run_folder / "samples"
    samples.mkdir(parents=True)
    for number in (7, 37):
        picture = QImage(48, 16, QImage.Format.Format_RGB32)
        picture.fill(0x553311 + number)
        assert picture.save(str(samples / f"step_{number:07d}.png"))
        run.record.emit({"event": "samples", "step": number, "path": str(samples / f"step_{number:07d}.png")})
        # shown as soon as the run says it wrote it
        assert dialog.progress.samples.isVisible() and dialog.progress.sample_shown.name == f"step_{number:07d}.png"
        assert dialog.progress.samples_caption.text() == f"Its drawings at step {number}"
    # a brown smear: 24 dB once earned "fair"; copying the frame does better, and the dialog says so
    run.record.emit({"event": "validation", "step": 30, "val_reconstruction_psnr": 24.0, "val_model_psnr": 23.0,
                     "val_copy_psnr": 25.5, "val_flow_psnr": 27.0})
    smear = dialog.progress.quality.text()
    assert smear.startswith("On frames it has not trained on: not yet better than copying the frame (2.5 dB behind)")
    run.record.emit({"event": "validation", "step": 60, "val_reconstruction_psnr": 30.0, "val_model_psnr": 26.7,
                     "val_copy_psnr": 25.5, "val_flow_psnr": 27.0})
    assert dialog.progress.quality.text().startswith("On frames it has not trained on: better than copying the "
                                                     "frame by 1.2 dB; not yet better than moving its pixels")
    assert not [text for text in texts(dialog) for grade in GRADES if re.search(rf"\b{grade}\b", text)]
    assert_plain(dialog)


def test_the_loss_curve_is_painted_from_the_step_events(qtbot):
    curve = LossCurve()
    qtbot.addWidget(curve)
    curve.resize(300, 120)
    for number, loss in ((1, 1.0), (2, 0.1), (3, 0.01)):
        curve.add(number, loss)
    points = curve.polyline(curve.rect().toRectF())
    assert curve.log_scale() and [round(p.y()) for p in points] == [0, 60, 120]  # a steady fall, on a log scale
    assert [round(p.x()) for p in points] == [0, 150, 300]
    curve.add(2, 0.5)  # a resumed run repeats the steps after its checkpoint: they replace the old ones
    assert curve.points == [(1, 1.0), (2, 0.5)]
    image = curve.grab().toImage()
    assert image.width() == 300 and not image.isNull()


def test_progress_in_plain_words_then_the_new_model_beside_the_old_and_declining_keeps_the_old(
        window, qtbot, open_dialog, caplog):
    dialog = open_dialog()
    shown_steps = []
    dialog.progress.bar.valueChanged.connect(shown_steps.append)
    bundle = train_to_the_end(qtbot, dialog)
    assert bundle == dialog.bundle_folder and (bundle / "model.json").is_file()
    assert [r.message for r in caplog.records if r.levelname == "ERROR"] == []  # the stopped warm-up is no crash
    assert shown_steps[-1] == 10 and dialog.progress.curve.points[-1][0] == 10  # the curve, step by step
    quality = dialog.progress.quality.text()
    assert re.fullmatch(r"On frames it has not trained on: (better than copying the frame by \d+\.\d dB|not yet "
                        r"better than copying the frame( \(\d+\.\d dB behind\))?); .*optical flow.*\.", quality)
    assert dialog.progress.samples.isVisible() and dialog.progress.sample_shown.name == "step_0000010.png"
    assert dialog.progress.samples_caption.text() == "Its drawings at step 10"
    # the comparison: the current frame by the project's model (the demo) and by the new one
    choice = dialog.choice
    assert choice.isVisible() and choice.before_caption.text() == "Now: the demo model"
    assert choice.after_caption.text() == f"New: “{bundle.name}”"
    assert not choice.before_picture.pixmap().isNull()
    assert "Use the new model for this project?" in choice.question.text()
    assert choice.use_button.isVisible() and choice.keep_button.isVisible()
    assert window.document.project.model is None  # nothing changed without asking
    assert_plain(dialog)
    choice.keep_button.click()
    assert window.document.project.model is None and not window.document.undo_stack.canUndo()
    assert choice.switch_button.isVisible() and choice.switch_button.text() == "Use the New Model"
    assert str(bundle.parent) in choice.question.text()  # where the new model is kept
    dialog.close()


def test_accepting_switches_the_model_and_one_click_brings_the_old_one_back(window, qtbot, open_dialog):
    dialog = open_dialog()
    bundle = train_to_the_end(qtbot, dialog)
    demo_engine = window.viewport.engine
    dialog.choice.use_button.click()
    assert doc.model_path(window.document.project) == bundle and window.viewport.engine.folder == bundle
    wait_for_frame(qtbot, window)
    back = dialog.choice.switch_button
    assert back.isVisible() and back.text() == "Go Back to the Previous Model"
    assert "now renders with" in dialog.choice.question.text()
    back.click()  # one click: the demo model again, as an undoable edit of its own
    assert window.document.project.model is None and window.viewport.engine.folder == demo_engine.folder
    assert back.text() == "Use the New Model"
    wait_for_frame(qtbot, window)
    window.document.undo_stack.undo()  # Edit ▸ Undo takes the going-back back
    assert doc.model_path(window.document.project) == bundle and back.text() == "Go Back to the Previous Model"
    window.document.undo_stack.undo()  # and then the switch itself
    assert window.document.project.model is None
    wait_for_frame(qtbot, window)
    dialog.close()


def test_cancelled_training_keeps_a_checkpoint_and_resumes_from_it_in_plain_words(window, qtbot, open_dialog):
    dialog = open_dialog()
    dialog.steps.setValue(100_000)
    dialog.start_button.click()
    assert not dialog.warm_up.running()  # the warm-up gives way to the run
    child = dialog.child
    with qtbot.waitSignal(child.record, timeout=120_000, check_params_cb=lambda r: r.get("event") == "step"):
        pass
    with qtbot.waitSignal(child.finished, timeout=60_000) as finished:
        dialog.cancel_button.click()
    assert finished.args[0] == EXIT_INTERRUPTED
    stopped_at = dialog.progress.last_step
    assert dialog.status.text().startswith(f"Stopped at step {stopped_at:,} of 100,000. Its drawings so far are "
                                           "shown below. Use the Model So Far")
    assert (dialog.run_folder / "checkpoints" / "last.pt").is_file()
    # what the model it stopped with draws: a picture of that very step
    assert dialog.progress.samples.isVisible() and dialog.progress.sample_shown.name == f"step_{stopped_at:07d}.png"
    assert dialog.progress.samples_caption.text() == f"Its drawings at step {stopped_at:,}"
    assert offered(dialog) == ["Close", "Resume", "Use the Model So Far"] and dialog.steps.isEnabled()
    assert len(estimates(dialog)) == 1 and estimates(dialog)[0].startswith("Carrying on to 100,000 steps takes ")
    assert_plain(dialog)
    # use it: its last checkpoint exported as a bundle of its own, and the project renders with it
    with qtbot.waitSignal(dialog.model_ready, timeout=180_000) as ready:
        button(dialog, "Use the Model So Far").click()
    partial = Path(ready.args[0])
    assert partial.name == f"{dialog.bundle_folder.name}-at-step-{stopped_at}" and (partial / "model.json").is_file()
    assert doc.model_path(window.document.project) == partial and window.viewport.engine.folder == partial
    assert "this project renders with it now" in dialog.status.text()
    assert offered(dialog) == ["Close", "Go Back to the Previous Model", "Resume"]
    wait_for_frame(qtbot, window)
    target = max(dialog.steps.minimum(), stopped_at + 3)
    dialog.steps.setValue(target)
    with qtbot.waitSignal(dialog.model_ready, timeout=180_000):
        button(dialog, "Resume").click()
    assert dialog.progress.bar.value() == target and dialog.progress.curve.points[-1][0] == target
    assert doc.model_path(window.document.project) == partial  # the finished model is only offered
    qtbot.waitUntil(lambda: "Use the new model" in dialog.choice.question.text(), timeout=30_000)
    assert dialog.choice.before_caption.text() == f"Now: “{partial.name}”"
    dialog.close()


def test_the_number_of_graphics_cards_is_offered_only_where_there_are_several(window, qtbot, open_dialog):
    """The dialog asks a child (`main.py devices --json`) what there is: this machine has no GPU, so
    nothing is offered; an answer of two GPUs (faked here) offers one training process on each."""
    dialog = open_dialog()
    gpus_row = lambda: dialog.form.isRowVisible(dialog.gpus)  # noqa: E731

    def processes() -> str | None:
        arguments = dialog.training_arguments(Path("run"))
        return arguments[arguments.index("--nproc-per-node") + 1] if "--nproc-per-node" in arguments else None

    with qtbot.waitSignal(dialog.devices.record, timeout=60_000) as answer:  # the real answer, from PyTorch
        pass
    several = len(answer.args[0]["gpus"]) > 1
    assert gpus_row() == several and (processes() is not None) == several
    dialog.devices.record.emit({"gpus": [{"index": 0, "name": "GPU A"}, {"index": 1, "name": "GPU B"}]})
    assert gpus_row() and dialog.gpus.value() == 2 and dialog.gpus.maximum() == 2
    assert processes() == "2"
    dialog.gpus.setValue(1)  # one card: one process, as without a choice
    assert processes() is None
    assert_plain(dialog)
    dialog.close()
