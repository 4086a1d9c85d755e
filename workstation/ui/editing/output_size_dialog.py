"""Shot ▸ Output Size ▸ Custom Size…: a width and a height in pixels (each 1 to
``MAX_OUTPUT_SIDE``), prefilled with the shot's output size, and OK or Cancel. The dialog only
asks; the Output Size menu makes the edit when it is accepted."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QVBoxLayout, QWidget

from workstation import project as doc

TITLE = "Custom Output Size"


class OutputSizeDialog(QDialog):
    def __init__(self, parent: QWidget | None, size: tuple[int, int]):
        """``size``: the (width, height) shown first, the shot's output size."""
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.width_spin, self.height_spin = QSpinBox(), QSpinBox()
        for spin, value in ((self.width_spin, size[0]), (self.height_spin, size[1])):
            spin.setRange(1, doc.MAX_OUTPUT_SIDE)
            spin.setSuffix(" px")
            spin.setValue(value)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Width", self.width_spin)
        form.addRow("Height", self.height_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def chosen_size(self) -> tuple[int, int]:
        """(width, height) as the spin boxes hold them."""
        return self.width_spin.value(), self.height_spin.value()
