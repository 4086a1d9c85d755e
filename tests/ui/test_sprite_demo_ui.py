"""File ▸ Open Demo ▸ Digits / Sprites, as a user picks them: the demo is written to the user's demo
folder and opened; the sprite demo renders with the digit model, saying so in the status bar, until
the sprite model is installed, and then with it. Help ▸ About credits the sprite art."""

import shutil

import pytest

from tests.ui.conftest import menu_action, wait_for_frame
from workstation import rendering, sprite_demo
from workstation.locations import default_demo_folder
from workstation.rendering import DEMO_BUNDLE

STAND_IN = 'The "sprites" model is not installed yet, so the digit model renders meanwhile'


def open_demo_action(window, text: str):
    submenu = menu_action(window, "File", "Open Demo").menu()
    assert submenu is not None, "File ▸ Open Demo is not a submenu"
    for action in submenu.actions():
        if action.text().replace("&", "") == text:
            return action
    raise AssertionError(f"no command File ▸ Open Demo ▸ {text}")


@pytest.fixture
def models(tmp_path, monkeypatch):
    """The package's model folder in a temporary folder, with the sprite model not installed yet."""
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setattr(rendering, "BUNDLED_MODELS", models)
    monkeypatch.setattr(sprite_demo, "SPRITE_BUNDLE", models / "sprites")
    return models


def test_open_demo_sprites_plays_with_the_digit_model_until_the_sprite_model_is_installed(window, qtbot, models,
                                                                                          answers):
    window.document.edit_shot("Slower", lambda shot: setattr(shot, "fps", 6.0))  # unsaved: offered, discarded

    open_demo_action(window, "Sprites").trigger()
    assert [question.title for question in answers.asked] == ["Unsaved changes"]
    path = default_demo_folder() / "sprites.stopframe"
    assert window.document.path == path and path.is_file()
    assert [shot.name for shot in window.document.project.shots] == ["walk", "slash", "spellcast", "party"]
    assert window.windowTitle().startswith("sprites.stopframe")
    wait_for_frame(qtbot, window)
    assert window.viewport.engine.folder == DEMO_BUNDLE
    assert window.statusBar().currentMessage() == STAND_IN

    window.play_action.trigger()  # it plays
    qtbot.waitUntil(lambda: window.document.frame >= 3, timeout=10_000)
    window.play_action.trigger()

    shutil.copytree(DEMO_BUNDLE, models / "sprites")  # the sprite model arrives
    window.statusBar().clearMessage()
    open_demo_action(window, "Digits").trigger()
    assert window.document.path == default_demo_folder() / "demo.stopframe"
    assert window.viewport.engine.folder == DEMO_BUNDLE
    open_demo_action(window, "Sprites").trigger()
    assert window.document.path == path
    wait_for_frame(qtbot, window)
    assert window.viewport.engine.folder == models / "sprites"
    assert window.statusBar().currentMessage() != STAND_IN


def test_open_demo_digits_opens_the_digit_demo(window, qtbot):
    open_demo_action(window, "Digits").trigger()
    assert window.document.path == default_demo_folder() / "demo.stopframe"
    assert [shot.name for shot in window.document.project.shots] == ["demo", "sway", "by hand", "duet"]
    wait_for_frame(qtbot, window)


def test_the_about_box_credits_the_sprite_art(window, answers):
    menu_action(window, "Help", "About Stopframe").trigger()
    about = answers.asked[-1]
    assert about.kind == "about"
    assert "Liberated Pixel Cup" in about.text and "CC-BY-SA 3.0" in about.text and "GPL 3.0" in about.text
    assert "CREDITS.txt" in about.text
