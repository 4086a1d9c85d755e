"""Teaching a model your own characters from the Train dialog (issue 29, item 4): "Start from"
offers the project's model, the game-character model and a new one; the warm-up measures the
choice; the run fine-tunes the model chosen (``--init-from``), and the quality says what training
bought over the model it started from. Child processes are fakes (``FakeChild``)."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from workstation.kernel.locations import asset_path
from workstation.render.shot_frames import DEMO_BUNDLE
from workstation.ui.train import training_estimate
from workstation.ui.train.start_from import NEW_MODEL


def init_from(arguments: list[str]) -> str | None:
    return arguments[arguments.index("--init-from") + 1] if "--init-from" in arguments else None


def test_start_from_offers_the_models_and_the_run_fine_tunes_the_one_chosen(fake_dialog):
    dialog = fake_dialog(step_s=0.1)
    choices = [dialog.start_from.itemText(i) for i in range(dialog.start_from.count())]
    assert choices == ["This project's model (demo)", "The game-character model (sprites)", NEW_MODEL]
    assert init_from(dialog.training_arguments()) == str(DEMO_BUNDLE)  # the project's own model first
    measured = dialog.warm_up.child
    assert init_from(measured.arguments) == str(DEMO_BUNDLE)

    dialog.start_from.setFocus()
    QTest.keyClick(dialog.start_from, Qt.Key.Key_Down)  # the animator picks the game-character model
    assert dialog.start_from.currentText() == "The game-character model (sprites)"
    again = dialog.warm_up.child
    assert again is not measured and init_from(again.arguments) == str(asset_path("models", "sprites"))
    assert dialog.estimate is None and "Measuring" in dialog.duration.text()  # the old measure no longer holds
    for number in range(1, training_estimate.WARM_UP_STEPS + 1):
        again.record.emit({"event": "step", "step": number, "loss": 1.0, "step_s": 0.2})
    assert dialog.estimate.step_s == 0.2

    dialog.start_button.click()
    run = dialog.child
    assert init_from(run.arguments) == str(asset_path("models", "sprites"))
    assert not dialog.start_from.isEnabled()  # what a run started from is settled
    run.record.emit({"event": "validation", "step": 0, "val_model_psnr": 20.8, "val_copy_psnr": 18.0,
                     "val_flow_psnr": 23.0, "start_val_model_psnr": 20.8})
    assert dialog.progress.quality.text() == (
        "The model it starts from, on frames it will not train on: better than copying the frame by 2.8 dB; "
        "not yet better than moving its pixels by optical flow (2.2 dB behind).")
    run.record.emit({"event": "validation", "step": 250, "val_model_psnr": 22.1, "val_copy_psnr": 18.0,
                     "val_flow_psnr": 23.0, "start_val_model_psnr": 20.8})
    assert dialog.progress.quality.text().startswith(
        "On frames it has not trained on: better than the model it started from by 1.3 dB; "
        "better than copying the frame by 4.1 dB;")


def test_a_new_model_starts_from_nothing_given(fake_dialog):
    dialog = fake_dialog(step_s=0.1)
    dialog.start_from.setCurrentIndex(dialog.start_from.findText(NEW_MODEL))
    assert init_from(dialog.training_arguments()) is None


def test_a_sheet_row_of_four_frames_or_more_is_offered_to_train_on():
    """The dialog's floor is the trainer's: a slash row of 6 frames was greyed out at 8."""
    from training.data.clips import MIN_FRAMES
    from workstation.ui.train import train_dialog

    assert train_dialog.MIN_FRAMES == MIN_FRAMES == 4
