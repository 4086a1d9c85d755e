"""View > Layer > Parts on the Canvas: through its menu command and its key (Ctrl+5) on the window, the
selected character's parts coloured over the frame (every character's when none is selected), the
rest of the frame as the composite shows it; a view, not an edit."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import menu_action, wait_for_frame
from tests.ui.test_layers import engine_render, shown, to8
from workstation import project as doc

CTRL = Qt.KeyboardModifier.ControlModifier


def covered(window, name: str) -> np.ndarray:
    """bool [H, W]: where the engine draws ``name`` at all."""
    return engine_render(window, "alpha", name)[0] > 0


def test_the_parts_menu_command_colours_the_selected_character_only(trio, qtbot):
    window = trio
    composite = shown(window)[..., :3]
    menu_action(window, "View", "Layer")  # the submenu is there
    action = window.menus.layer_menu.actions["parts"]
    assert action.text().replace("&", "") == "Parts" and action.shortcut().toString() == "Ctrl+5"
    action.trigger()
    assert window.viewport.layer == "parts" and action.isChecked() and window.canvas.caption == "Parts"
    wait_for_frame(qtbot, window)
    parts = shown(window)[..., :3].astype(int)
    selected = covered(window, "digit 7")
    assert selected.sum() > 50
    assert np.array_equal(parts[~selected], composite[~selected])  # digit 2 and 5 uncoloured, as is the rest
    assert np.abs(parts[selected] - composite[selected]).max() > 40
    document = window.document
    request = doc.render_requests(document.project, document.shot_name, [document.frame])[0]
    seven = window.viewport.engine.render_requests([request], "parts", parts_of=["digit 7"])[0]
    assert np.array_equal(parts, to8(seven).transpose(1, 2, 0))
    assert window.document.undo_stack.count() == 0  # a view, not an edit


def test_the_parts_key_shows_every_character_when_none_is_selected(trio, qtbot):
    window = trio
    composite = shown(window)[..., :3].astype(int)
    window.document.select_character(None)
    QTest.keyClick(window, Qt.Key.Key_5, CTRL)
    assert window.viewport.layer == "parts" and window.menus.layer_menu.actions["parts"].isChecked()
    wait_for_frame(qtbot, window)
    parts = shown(window)[..., :3].astype(int)
    assert np.array_equal(parts, to8(engine_render(window, "parts")).transpose(1, 2, 0))
    for name in ("digit 2", "digit 7", "digit 5"):
        assert np.abs(parts[covered(window, name)] - composite[covered(window, name)]).max() > 40, name
    QTest.keyClick(window, Qt.Key.Key_1, CTRL)
    assert window.viewport.layer == "composite"
    wait_for_frame(qtbot, window)
