"""Shot ▸ Output Size: what the current shot is shown and exported at. The model renders a small
square (64 × 64 for the demo model); a shot's output is that square scaled up 1, 2, 4 or 8 times,
offered in pixels for the model rendering now (64, 128, 256, 512), with crisp pixels or smooth
scaling. Each choice is one undo step, saved with the shot (``Shot.output``). The menu follows the
document and the model, and so does the status bar's line ("model 64×64 · output 256×256 crisp")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.view.viewport import Viewport

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut, checkable=...)


def output_line(model_size: int | None, output: doc.Output | None) -> str:
    """The model's size and the shot's output size, as the status bar and the Inspector say them."""
    if model_size is None:
        return "no model" if output is None else f"no model · output {output.scale}× {output.scaling}"
    model = f"model {model_size}×{model_size}"
    return model if output is None else f"{model} · output {output.describe(model_size)}"


def set_output(document: ProjectDocument, model_size: int | None, scale: int | None = None,
               scaling: str | None = None) -> bool:
    """Change the current shot's output size or scaling as one undo step; False (and no undo
    step) when there is no shot or it already is so."""
    shot = document.shot()
    if shot is None:
        return False
    output = doc.Output(shot.output.scale if scale is None else scale,
                        shot.output.scaling if scaling is None else scaling)
    if output == shot.output:
        return False
    if scale is not None:
        text = f"Output size {output.describe(model_size).split()[0]}" if model_size else f"Output size {scale}×"
    else:
        text = f"{output.scaling.capitalize()} output"
    document.edit_shot(text, lambda s: setattr(s, "output", output))
    return True


class OutputMenu:
    def __init__(self, menu: QMenu, document: ProjectDocument, make_action: MakeAction, viewport: Viewport,
                 show_problem: Callable[[str], None]):
        self.menu, self.document, self.viewport, self.show_problem = menu, document, viewport, show_problem
        self.status_label = QLabel()  # for the status bar
        self.status_label.setToolTip("The model's square render, and the size the shot is shown and exported at "
                                     "(Shot ▸ Output Size)")
        sizes, scalings = QActionGroup(menu), QActionGroup(menu)
        self.size_actions: dict[int, QAction] = {}
        for scale in doc.OUTPUT_SCALES:
            action = make_action(menu, f"{scale}×", lambda checked, s=scale: self.choose(scale=s), checkable=True)
            sizes.addAction(action)
            self.size_actions[scale] = action
        menu.addSeparator()
        self.scaling_actions: dict[str, QAction] = {}
        for scaling, text in (("crisp", "&Crisp Pixels"), ("smooth", "&Smooth")):
            action = make_action(menu, text, lambda checked, s=scaling: self.choose(scaling=s), checkable=True)
            action.setToolTip("Scale up with hard pixels" if scaling == "crisp" else "Scale up smoothly (bicubic)")
            scalings.addAction(action)
            self.scaling_actions[scaling] = action
        for signal in (document.changed, document.selection_changed, viewport.engine_changed):
            signal.connect(self.refresh)
        self.refresh()

    def model_size(self) -> int | None:
        engine = self.viewport.engine
        return engine.image_size if engine is not None else None

    def choose(self, scale: int | None = None, scaling: str | None = None) -> None:
        try:
            set_output(self.document, self.model_size(), scale, scaling)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))
        self.refresh()  # the check marks show the document, also when the edit was refused

    def refresh(self) -> None:
        shot, size = self.document.shot(), self.model_size()
        self.menu.setEnabled(shot is not None)
        for scale, action in self.size_actions.items():
            side = f"{size * scale} × {size * scale} px ({scale}×)" if size else f"{scale}× the model's size"
            action.setText(side)
            action.setEnabled(shot is not None)
            action.setChecked(shot is not None and shot.output.scale == scale)
        for scaling, action in self.scaling_actions.items():
            action.setEnabled(shot is not None)
            action.setChecked(shot is not None and shot.output.scaling == scaling)
        self.status_label.setText(output_line(size, shot.output if shot else None))
