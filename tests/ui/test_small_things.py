"""Small things an animator met (issue 29, item 6): the Inspector of a project with no shot shows
no length or speed; a long status message stops short of the status bar's labels on its right."""

from PySide6.QtCore import QRect

from tests.ui.conftest import menu_action


def test_the_inspector_without_a_shot_shows_no_length_or_speed(window, project_path):
    inspector = window.inspector
    window.document.undo_stack.setClean()
    menu_action(window, "File", "New Project").trigger()
    assert window.document.shot() is None and not inspector.shot_group.isEnabled()
    shown = inspector.length.text() + inspector.fps.text()
    assert not any(character.isdigit() for character in shown)  # not "1" and "0.10 fps": no number at all
    assert inspector.offset_unit.text() == ""
    assert window.open_project(project_path)  # a shot again: its length and speed again
    shot = window.document.shot()
    assert (inspector.length.text(), inspector.fps.value()) == (str(shot.length), shot.fps)


def _plain(image, x0: int, width: int) -> bool:
    """Whether columns x0 .. x0 + width - 1 of ``image`` hold one colour only (no text)."""
    colours = {image.pixel(x, y) for x in range(x0, x0 + width) for y in range(image.height())}
    return len(colours) == 1


def test_a_long_status_message_stops_short_of_the_labels_on_its_right(window, project_path):
    bar = window.statusBar()
    window.viewport.wait()
    long_line = f"{project_path.parent / ('a_long_folder_name/' * 12)}walk_01.png: image is 32x24 but walk_02.png " \
                "is 64x48; all images in a folder must be the same size"
    window.show_problem(long_line)
    labels = [label for label in (window.device_label, window.render_label, window.fps_label,
                                  window.menus.output_menu.status_label) if label.isVisible()]
    first = min(label.x() for label in labels)
    image = bar.grab(QRect(0, 0, bar.width(), bar.height())).toImage()
    assert _plain(image, first - 12, 10)  # a clear gap before the first label: the text does not run into it
    assert not _plain(image, 8, 60)  # the message is there, on the left
    assert bar.currentMessage() == long_line and bar.toolTip() == long_line  # the whole line, on hovering
    window.show_problem("imported walk")
    assert bar.toolTip() == ""  # a line that fits needs none
