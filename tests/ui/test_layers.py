"""The layers in the workstation: View > Layer on the Canvas, the Layers panel (order and
visibility as document state, selection and solo as view state), and clicks that select by alpha."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle

from tests.ui.conftest import empty_point, menu_action, order, snapshot, wait_for_frame
from workstation import project as doc
from workstation.render.matte import dilated
from workstation.ui.editing import animator_edits as edits
from workstation.ui.view.qimages import qimage_to_rgba8

CTRL = Qt.KeyboardModifier.ControlModifier


def shown(window) -> np.ndarray:
    """The Canvas image as uint8 [H, W, 4]."""
    return qimage_to_rgba8(window.canvas.image)


def engine_render(window, layer: str, character: str | None = None) -> np.ndarray:
    document = window.document
    request = doc.render_requests(document.project, document.shot_name, [document.frame])[0]
    return window.viewport.engine.render_requests([request], layer, character)[0]


def to8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def test_the_layer_menu_changes_the_canvas_and_the_alpha_view_is_the_engines_alpha(trio, qtbot):
    window = trio
    composite = shown(window)
    menu_action(window, "View", "Layer")  # the submenu is there
    views = {}
    for text, layer in (("Background", "background"), ("Characters", "characters"),
                        ("Alpha Matte", "alpha"), ("Composite", "composite")):
        action = window.menus.layer_menu.actions[layer]
        assert action.text().replace("&", "") == text
        action.trigger()
        assert window.viewport.layer == layer and action.isChecked()
        wait_for_frame(qtbot, window)
        views[layer] = shown(window)
    assert not np.array_equal(views["background"], composite)
    assert np.array_equal(views["composite"], composite)
    assert window.canvas.caption == ""
    alpha = to8(engine_render(window, "alpha")[0])
    assert np.array_equal(views["alpha"][..., 0], alpha)  # grey: R = G = B = the engine's alpha
    assert 0 < (alpha >= 128).mean() < 0.5  # the characters, not all or nothing
    characters = engine_render(window, "characters")
    assert np.array_equal(views["characters"][..., 3], to8(characters[3]))  # a cut-out with its alpha
    assert window.document.undo_stack.count() == 0  # a view, not an edit


def test_the_layer_keys_switch_the_view(trio, qtbot):
    window = trio
    QTest.keyClick(window, Qt.Key.Key_4, CTRL)
    assert window.viewport.layer == "alpha" and window.canvas.caption == "Alpha matte"
    wait_for_frame(qtbot, window)
    assert window.canvas.image.format() == QImage.Format.Format_Grayscale8
    QTest.keyClick(window, Qt.Key.Key_2, CTRL)
    assert window.viewport.layer == "background"
    QTest.keyClick(window, Qt.Key.Key_1, CTRL)
    assert window.viewport.layer == "composite" and window.canvas.caption == ""
    wait_for_frame(qtbot, window)


def panel_rows(window) -> list[str]:
    return window.layers.names()


def test_the_layers_panel_shows_the_order_front_first_and_moves_the_selection_one_undo_step_each(trio, qtbot,
                                                                                                 tmp_path):
    window, document = trio, trio.document
    panel = window.layers
    assert panel_rows(window) == ["digit 5", "digit 7", "digit 2"]  # front at the top
    assert panel.list.currentItem().data(Qt.ItemDataRole.UserRole) == "digit 7"
    QTest.mouseClick(panel.forward, Qt.MouseButton.LeftButton)
    assert order(window) == ["digit 2", "digit 5", "digit 7"]
    assert panel_rows(window) == ["digit 7", "digit 5", "digit 2"]
    assert document.undo_stack.count() == 1 and not panel.forward.isEnabled()  # already at the front
    QTest.mouseClick(panel.backward, Qt.MouseButton.LeftButton)
    QTest.mouseClick(panel.backward, Qt.MouseButton.LeftButton)
    assert order(window) == ["digit 7", "digit 2", "digit 5"] and document.undo_stack.count() == 3
    assert not panel.backward.isEnabled()
    menu_action(window, "Edit", "Undo").trigger()
    assert order(window) == ["digit 2", "digit 7", "digit 5"]
    assert panel_rows(window) == ["digit 5", "digit 7", "digit 2"]
    wait_for_frame(qtbot, window)


def click_check_box(panel, name: str) -> None:
    """A click on the check box of ``name``'s row (at the left of the row, where styles draw it)."""
    rect = panel.list.visualItemRect(panel.row_of(name))
    indicator = panel.list.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
    point = QPoint(rect.left() + 4 + indicator // 2, rect.center().y())
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_the_check_box_of_a_row_hides_and_shows_and_the_file_keeps_it(trio, qtbot, tmp_path, settings):
    window, document = trio, trio.document
    panel = window.layers
    click_check_box(panel, "digit 7")
    assert document.shot().character("digit 7").hidden
    assert panel.row_of("digit 7").checkState() == Qt.CheckState.Unchecked
    assert document.undo_stack.count() == 1 and document.undo_stack.undoText() == "Hide digit 7"
    wait_for_frame(qtbot, window)
    assert window.canvas.shape_of("digit 7") is None
    QTest.mouseClick(panel.backward, Qt.MouseButton.LeftButton)  # digit 7 is still selected: move it
    assert order(window) == ["digit 7", "digit 2", "digit 5"]
    path = tmp_path / "layers.stopframe"
    assert window.files.save_to(path)
    reopened = doc.load_project(path).shot("duet")
    assert [c.name for c in reopened.characters] == ["digit 7", "digit 2", "digit 5"]
    assert reopened.character("digit 7").hidden and not reopened.character("digit 5").hidden
    click_check_box(panel, "digit 7")
    assert not document.shot().character("digit 7").hidden and document.undo_stack.count() == 3
    wait_for_frame(qtbot, window)


def test_solo_shows_the_selected_character_alone_and_changes_nothing_in_the_file(trio, qtbot):
    window, document = trio, trio.document
    before = snapshot(window)
    QTest.mouseClick(window.layers.solo, Qt.MouseButton.LeftButton)
    assert window.viewport.solo == "digit 7" and "digit 7 alone" in window.canvas.caption
    wait_for_frame(qtbot, window)
    assert window.canvas.names == ["digit 7"]
    window.menus.layer_menu.actions["characters"].trigger()
    wait_for_frame(qtbot, window)
    assert np.array_equal(shown(window)[..., 3], to8(engine_render(window, "characters", "digit 7")[3]))
    assert snapshot(window) == before and document.undo_stack.count() == 0 and not window.isWindowModified()
    QTest.mouseClick(window.layers.solo, Qt.MouseButton.LeftButton)
    assert window.viewport.solo is None and window.canvas.caption == "Characters"
    wait_for_frame(qtbot, window)
    assert window.canvas.names == ["digit 2", "digit 7", "digit 5"]


def model_point(window, x: float, y: float) -> QPointF:
    return window.canvas.to_widget(x + 0.5, y + 0.5)


def test_a_click_on_empty_background_selects_no_character(trio, qtbot):
    window = trio
    assert window.document.character_name == "digit 7"
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=empty_point(window).toPoint())
    assert window.document.character_name is None


@pytest.fixture
def overlapping(trio, qtbot):
    """digit 7 moved onto digit 2, so that they overlap; returns a model pixel both cover."""
    window = trio
    two, seven = (window.canvas.shape_of(name) for name in ("digit 2", "digit 7"))
    side = window.canvas.framing.size  # shapes are in the model square's pixels, a pose in fractions of its side
    edits.change_edit(window.document, "digit 7", window.document.frame,
                      dx=(two.x - seven.x) / side, dy=(two.y - seven.y) / side)
    wait_for_frame(qtbot, window)
    lower, upper = (window.canvas.shape_of(name).coverage for name in ("digit 2", "digit 7"))
    both = np.argwhere(lower & upper & ~_covered_by_others(window, ("digit 2", "digit 7")))
    assert len(both), "the two characters do not overlap"
    y, x = both[len(both) // 2]
    return window, model_point(window, float(x), float(y))


def _covered_by_others(window, names) -> np.ndarray:
    canvas = window.canvas
    others = [shape.coverage for name, shape in zip(canvas.names, canvas.shapes)
              if name not in names and shape.coverage is not None]
    covered = np.any(others, axis=0) if others else np.zeros((canvas.framing.size,) * 2, bool)
    return dilated(covered)  # a click takes a character within a few screen pixels of what it covers


def test_a_click_where_two_characters_overlap_selects_the_upper_one(overlapping, qtbot):
    window, point = overlapping
    window.document.select_character(None)
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert window.document.character_name == "digit 7"  # drawn after digit 2: on top
    menu_action(window, "Character", "Send Backward").trigger()
    assert order(window)[:2] == ["digit 7", "digit 2"]
    wait_for_frame(qtbot, window)
    window.document.select_character(None)
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert window.document.character_name == "digit 2"
