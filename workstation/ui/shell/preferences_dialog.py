"""Edit ▸ Preferences…: how often to autosave, the onion skin (frames on each side, opacity,
colours), the frame rate of a new project's first shot, the render device and the size of the
Library's thumbnails. OK or Apply keeps the new ``Preferences`` in the window's settings
(``settings_store.py``) and hands them to the window, which uses them at once; Cancel changes
nothing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workstation.preferences import (
    AUTOSAVE_MINUTES,
    CUDA_UNAVAILABLE,
    NEW_SHOT_FPS,
    ONION_FRAMES,
    RENDER_DEVICES,
    THUMBNAIL_SIZE,
    Preferences,
    cuda_available,
)
from workstation.render.onion import Colour, OnionStyle
from workstation.ui.shell.settings_store import colour_name, colour_of, write_preferences

TITLE = "Preferences"
SAME_AS_CLIP = "Same as its clip"


class ColourButton(QPushButton):
    """A swatch of a colour; clicking it opens a colour picker (non-blocking) to change it."""

    def __init__(self, colour: Colour, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.picker: QColorDialog | None = None
        self.set_colour(colour)
        self.clicked.connect(self.pick)

    def set_colour(self, colour: Colour) -> None:
        self.colour = colour
        name = colour_name(colour)
        self.setText(name)
        self.setStyleSheet(f"QPushButton {{ background-color: {name}; color: "
                           f"{'black' if QColor(name).lightnessF() > 0.5 else 'white'}; }}")

    def pick(self) -> QColorDialog:
        self.picker = QColorDialog(QColor(colour_name(self.colour)), self)
        self.picker.setWindowTitle(self.title)
        self.picker.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        self.picker.colorSelected.connect(lambda colour: self.set_colour(colour_of(colour.name(), self.colour)))
        self.picker.open()
        return self.picker


class PreferencesDialog(QDialog):
    def __init__(self, preferences: Preferences, settings: QSettings, apply: Callable[[Preferences], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.settings, self.apply = settings, apply
        self.autosave = QSpinBox()
        self.autosave.setRange(*AUTOSAVE_MINUTES)
        self.autosave.setSuffix(" min")
        self.autosave.setToolTip("How often unsaved changes are kept aside, to be restored after a crash")
        self.onion_frames = QSpinBox()
        self.onion_frames.setRange(*ONION_FRAMES)
        self.onion_frames.setToolTip("How many frames before and after the current one show as ghosts")
        self.onion_opacity = QSpinBox()
        self.onion_opacity.setRange(5, 100)
        self.onion_opacity.setSuffix(" %")
        self.onion_opacity.setToolTip("How strong the nearest ghosts are; farther ones are fainter")
        self.earlier_colour = ColourButton(preferences.onion.earlier, "Colour of earlier frames", self)
        self.later_colour = ColourButton(preferences.onion.later, "Colour of later frames", self)
        self.new_shot_fps = QDoubleSpinBox()
        self.new_shot_fps.setRange(0.0, NEW_SHOT_FPS[1])
        self.new_shot_fps.setDecimals(2)
        self.new_shot_fps.setSuffix(" fps")
        self.new_shot_fps.setSpecialValueText(SAME_AS_CLIP)  # shown at 0
        self.new_shot_fps.setToolTip("The speed of a new project's first shot (made by the first drop on the Canvas)")
        self.render_device = QComboBox()
        for key, label in RENDER_DEVICES.items():
            self.render_device.addItem(label, key)
        self.device_note = QLabel()
        self.device_note.setWordWrap(True)
        self.render_device.currentIndexChanged.connect(self._update_device_note)
        self.thumbnail_size = QSpinBox()
        self.thumbnail_size.setRange(*THUMBNAIL_SIZE)
        self.thumbnail_size.setSuffix(" px")
        form = QFormLayout()
        form.addRow("Autosave every", self.autosave)
        form.addRow("Onion skin: frames on each side", self.onion_frames)
        form.addRow("Onion skin: opacity", self.onion_opacity)
        form.addRow("Onion skin: earlier frames", self.earlier_colour)
        form.addRow("Onion skin: later frames", self.later_colour)
        form.addRow("Frame rate of a new shot", self.new_shot_fps)
        form.addRow("Render on", self.render_device)
        form.addRow("", self.device_note)
        form.addRow("Library thumbnails", self.thumbnail_size)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
                                        | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.buttons.clicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.show_preferences(preferences)

    def show_preferences(self, preferences: Preferences) -> None:
        self.autosave.setValue(preferences.autosave_minutes)
        self.onion_frames.setValue(preferences.onion.frames)
        self.onion_opacity.setValue(round(preferences.onion.opacity * 100))
        self.earlier_colour.set_colour(preferences.onion.earlier)
        self.later_colour.set_colour(preferences.onion.later)
        self.new_shot_fps.setValue(preferences.new_shot_fps or 0.0)
        self.render_device.setCurrentIndex(max(self.render_device.findData(preferences.render_device), 0))
        self.thumbnail_size.setValue(preferences.thumbnail_size)
        self._update_device_note()

    def preferences(self) -> Preferences:
        """The preferences as the form shows them."""
        fps = self.new_shot_fps.value()
        return Preferences(
            autosave_minutes=self.autosave.value(),
            onion=OnionStyle(self.onion_frames.value(), self.onion_opacity.value() / 100,
                             self.earlier_colour.colour, self.later_colour.colour),
            new_shot_fps=max(fps, NEW_SHOT_FPS[0]) if fps > 0 else None,
            render_device=str(self.render_device.currentData()),
            thumbnail_size=self.thumbnail_size.value())

    def _update_device_note(self) -> None:
        wanted = self.render_device.currentData()
        self.device_note.setText(CUDA_UNAVAILABLE if wanted == "cuda" and not cuda_available() else "")
        self.device_note.setVisible(bool(self.device_note.text()))

    def _clicked(self, button: QAbstractButton) -> None:
        role = self.buttons.buttonRole(button)
        if role == QDialogButtonBox.ButtonRole.ResetRole:
            self.show_preferences(Preferences())
        elif role in (QDialogButtonBox.ButtonRole.AcceptRole, QDialogButtonBox.ButtonRole.ApplyRole):
            write_preferences(self.settings, self.preferences())
            self.apply(self.preferences())
            if role == QDialogButtonBox.ButtonRole.AcceptRole:
                self.accept()
        elif role == QDialogButtonBox.ButtonRole.RejectRole:
            self.reject()
