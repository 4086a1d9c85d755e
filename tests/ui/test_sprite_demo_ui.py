"""File ▸ Open Demo ▸ Digits / Sprites, as a user picks them: the demo is written to the user's demo
folder and opened, the sprite demo with the sprite model. Help ▸ About credits the sprite art."""

from tests.ui.conftest import menu_action, wait_for_frame
from workstation.demos.sprite_demo import SPRITE_BUNDLE
from workstation.kernel.locations import default_demo_folder
from workstation.render.shot_frames import DEMO_BUNDLE


def open_demo_action(window, text: str):
    submenu = menu_action(window, "File", "Open Demo").menu()
    assert submenu is not None, "File ▸ Open Demo is not a submenu"
    for action in submenu.actions():
        if action.text().replace("&", "") == text:
            return action
    raise AssertionError(f"no command File ▸ Open Demo ▸ {text}")


def test_open_demo_sprites_opens_and_plays_the_sprite_demo_with_the_sprite_model(window, qtbot, answers):
    window.document.edit_shot("Slower", lambda shot: setattr(shot, "fps", 6.0))  # unsaved: offered, discarded

    open_demo_action(window, "Sprites").trigger()
    assert [question.title for question in answers.asked] == ["Unsaved changes"]
    path = default_demo_folder() / "sprites.stopframe"
    assert window.document.path == path and path.is_file()
    assert [shot.name for shot in window.document.project.shots] == ["walk", "slash", "spellcast", "party"]
    assert window.windowTitle().startswith("sprites.stopframe")
    wait_for_frame(qtbot, window)
    assert window.viewport.engine.folder == SPRITE_BUNDLE

    window.menus.play_action.trigger()  # it plays
    qtbot.waitUntil(lambda: window.document.frame >= 3, timeout=10_000)
    window.menus.play_action.trigger()

    open_demo_action(window, "Digits").trigger()  # and back
    assert window.document.path == default_demo_folder() / "demo.stopframe"
    wait_for_frame(qtbot, window)
    assert window.viewport.engine.folder == DEMO_BUNDLE


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
