"""Shot ▸ Output Size: the frame the current shot is rendered, shown and exported at, in pixels
(``Shot.output``). Offered: the background clip's own size ("Background Size (1280×720)"), the
whole multiples of the model's square (``OUTPUT_MULTIPLES``: 64×64 to 512×512 for a 64-pixel
model; none while no model renders), and any size typed in a small dialog ("Custom Size…",
``output_size_dialog.py``); then how the model's square is enlarged into it, Crisp Pixels or
Smooth. The sizes that match the shot's output are checked (Custom Size… when none does). Each
choice is one undo step, saved with the shot. The menu follows the document and the model, and so
does the status bar's line ("model 64×64 · output 1280×720 crisp")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.editing.output_size_dialog import OutputSizeDialog
from workstation.ui.view.viewport import Viewport

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut, checkable=...)
BACKGROUND_SIZE, CUSTOM_SIZE = "Background Size", "Custom Size…"


def output_line(model_size: int | None, output: doc.Output | None) -> str:
    """The model's size and the shot's output size, as the status bar and the Inspector say them."""
    model = "no model" if model_size is None else f"model {model_size}×{model_size}"
    return model if output is None else f"{model} · output {output.describe()}"


def set_output(document: ProjectDocument, size: tuple[int, int] | None = None, scaling: str | None = None) -> bool:
    """Change the current shot's output size (width, height) or scaling as one undo step; False
    (and no undo step) when there is no shot or it already is so."""
    shot = document.shot()
    if shot is None:
        return False
    width, height = shot.output.size if size is None else size
    output = doc.Output(int(width), int(height), shot.output.scaling if scaling is None else scaling)
    if output == shot.output:
        return False
    if size is not None:
        text = f"Output size {output.width}×{output.height}"
    else:
        text = f"{output.scaling.capitalize()} output"
    document.edit_shot(text, lambda s: setattr(s, "output", output))
    return True


class OutputMenu:
    def __init__(self, menu: QMenu, document: ProjectDocument, make_action: MakeAction, viewport: Viewport,
                 show_problem: Callable[[str], None]):
        self.menu, self.document, self.viewport, self.show_problem = menu, document, viewport, show_problem
        self.status_label = QLabel()  # for the status bar
        self.status_label.setToolTip("The model's square render, and the size the shot is rendered, shown and "
                                     "exported at (Shot ▸ Output Size)")
        # No action group: a size may match two items (a 64×64 background and a 64-pixel model's 1×).
        self.background_action = make_action(menu, BACKGROUND_SIZE, lambda checked: self.choose_background(),
                                             checkable=True)
        self.background_action.setStatusTip("The background clip's own width and height")
        self.multiple_actions: dict[int, QAction] = {}
        for multiple in doc.OUTPUT_MULTIPLES:
            action = make_action(menu, f"{multiple}×", lambda checked, m=multiple: self.choose_multiple(m),
                                 checkable=True)
            action.setStatusTip(f"{multiple} times the model's square, in each direction")
            self.multiple_actions[multiple] = action
        self.custom_action = make_action(menu, CUSTOM_SIZE, lambda checked: self.ask_size(), checkable=True)
        self.custom_action.setStatusTip("Type the output's width and height in pixels")
        self.size_dialog: OutputSizeDialog | None = None  # the latest Custom Size… dialog
        menu.addSeparator()
        scalings = QActionGroup(menu)
        self.scaling_actions: dict[str, QAction] = {}
        for scaling, text in (("crisp", "&Crisp Pixels"), ("smooth", "&Smooth")):
            action = make_action(menu, text, lambda checked, s=scaling: self.choose(scaling=s), checkable=True)
            action.setToolTip("Enlarge the model's square with hard pixels" if scaling == "crisp"
                              else "Enlarge the model's square smoothly (bicubic)")
            scalings.addAction(action)
            self.scaling_actions[scaling] = action
        for signal in (document.changed, document.selection_changed, viewport.engine_changed):
            signal.connect(self.refresh)
        self.refresh()

    # -- the sizes offered ------------------------------------------------------------------------------
    def model_size(self) -> int | None:
        engine = self.viewport.engine
        return engine.image_size if engine is not None else None

    def background_size(self) -> tuple[int, int] | None:
        """The current shot's background clip's own (width, height), as a new shot over it gets it."""
        shot = self.document.shot()
        clip = self.document.project.clips.get(shot.background.clip) if shot is not None else None
        return doc.background_output(clip).size if clip is not None else None

    def multiple_size(self, multiple: int) -> tuple[int, int] | None:
        """``multiple`` times the model's square; None without a model or past the largest output."""
        size = self.model_size()
        if size is None or size * multiple > doc.MAX_OUTPUT_SIDE:
            return None
        return size * multiple, size * multiple

    # -- choosing ---------------------------------------------------------------------------------------
    def choose(self, size: tuple[int, int] | None = None, scaling: str | None = None) -> None:
        try:
            set_output(self.document, size, scaling)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))
        self.refresh()  # the check marks show the document, also when the edit was refused or changed nothing

    def choose_background(self) -> None:
        self.choose(size=self.background_size())

    def choose_multiple(self, multiple: int) -> None:
        self.choose(size=self.multiple_size(multiple))

    def ask_size(self) -> OutputSizeDialog | None:
        """Custom Size…: the dialog, window-modal without blocking; its OK sets the size it holds."""
        shot = self.document.shot()
        if shot is None:
            self.refresh()
            return None
        if self.size_dialog is not None:
            self.size_dialog.deleteLater()
        dialog = OutputSizeDialog(self._window(), shot.output.size)
        dialog.accepted.connect(lambda: self.choose(size=dialog.chosen_size()))
        dialog.rejected.connect(self.refresh)
        self.size_dialog = dialog
        self.refresh()
        dialog.open()
        return dialog

    def _window(self) -> QWidget | None:
        """The main window the menu belongs to (a submenu's parents are menus, then the menu bar)."""
        widget = self.menu.parentWidget()
        while isinstance(widget, QMenu):
            widget = widget.parentWidget()
        return widget.window() if widget is not None else None

    # -- showing the document ---------------------------------------------------------------------------
    def refresh(self) -> None:
        shot = self.document.shot()
        current = shot.output.size if shot is not None else None
        self.menu.setEnabled(shot is not None)
        background = self.background_size()
        self.background_action.setText(f"{BACKGROUND_SIZE} ({background[0]}×{background[1]})" if background
                                       else BACKGROUND_SIZE)
        self.background_action.setEnabled(background is not None)
        matched = background is not None and background == current
        self.background_action.setChecked(matched)
        for multiple, action in self.multiple_actions.items():
            size = self.multiple_size(multiple)
            action.setVisible(size is not None)
            action.setEnabled(size is not None and shot is not None)
            action.setText(f"{size[0]}×{size[1]}" if size else f"{multiple}×")
            action.setChecked(size is not None and size == current)
            matched = matched or action.isChecked()
        self.custom_action.setEnabled(shot is not None)
        self.custom_action.setChecked(shot is not None and not matched)
        for scaling, action in self.scaling_actions.items():
            action.setEnabled(shot is not None)
            action.setChecked(shot is not None and shot.output.scaling == scaling)
        self.status_label.setText(output_line(self.model_size(), shot.output if shot else None))
