"""View > Layer: which of the engine's layers the Canvas shows. The frame itself (the composite),
the background (its frame, with the model's plate only where a character of its own is removed),
the characters alone (a cut-out over a checkerboard, so their alpha shows),
their alpha matte (white where they cover the frame), or their parts (the frame with the selected
character's part masks, or every character's when none is selected, coloured over it: which part
of the character moves as which). The choice is view state: the document, the exports and the
timeline's thumbnails are untouched by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from workstation.render.layers import LayerView
from workstation.ui.view.viewport import Viewport

MakeAction = Callable[..., QAction]  # MainWindow._action: (menu, text, slot, shortcut, checkable=...)

# engine layer -> (menu text, shortcut, tool tip)
LAYER_VIEWS = {
    LayerView.COMPOSITE: ("&Composite", "Ctrl+1", "The frame: the characters over the background"),
    LayerView.BACKGROUND: ("&Background", "Ctrl+2",
                           "The background frame alone; the model's plate only where its own character is removed"),
    LayerView.CHARACTERS: ("C&haracters", "Ctrl+3", "The characters alone, on a checkerboard where they are clear"),
    LayerView.ALPHA: ("&Alpha Matte", "Ctrl+4", "Where the characters cover the frame: white opaque, black clear"),
    LayerView.PARTS: ("&Parts", "Ctrl+5", "The selected character's parts (every character's if none is selected) "
                      "coloured over it; grey follows the whole body"),
}


class LayerMenu:
    def __init__(self, menu: QMenu, viewport: Viewport, make_action: MakeAction):
        self.viewport = viewport
        self.group = QActionGroup(menu)
        self.group.setExclusive(True)
        self.actions: dict[LayerView, QAction] = {}
        for layer, (text, shortcut, tip) in LAYER_VIEWS.items():
            action = make_action(menu, text, self._show(layer), shortcut, checkable=True)
            action.setToolTip(f"{tip} ({shortcut})")
            self.group.addAction(action)
            self.actions[layer] = action
        self.actions[viewport.layer].setChecked(True)

    def _show(self, layer: LayerView) -> Callable[[bool], Any]:
        def show(checked: bool) -> None:
            if checked:
                self.viewport.set_layer(layer)
            self.actions[self.viewport.layer].setChecked(True)  # a second press keeps it shown

        return show
