"""File ▸ Export Shot…: one form for what to export and where: the format (every entry of
``workstation.output.formats.FORMAT_INFO``), the engine's layer, the frames, crisp or smooth
enlarging and the output path; Export hands the window one ``ExportRequest``
(``workstation/output/export_request.py``).

Frames are numbered from 0, as the timeline shows them. The default range is the timeline's in/out
range. The frames are written at the shot's output size (Shot ▸ Output Size), which the form
shows and checks the way the writer will (a GIF too large to encode, a sprite sheet's atlas too
large); the scaling starts as the shot's and may be changed for this export. The Characters layer
is RGBA and needs a format with alpha: while it is chosen, the formats without alpha (H.264, GIF)
are disabled in the list, and a format without alpha chosen before is switched to one with alpha,
with a note saying so. On Export the format's extension is added to
the name first (a PNG folder has none), then an existing output is replaced only after the user
said so (``ask_to_replace``); a No keeps the dialog open and writes nothing. The folder, format
and layer are remembered in QSettings under ``export/`` as their names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workstation import project as doc
from workstation.kernel.errors import StopframeError
from workstation.kernel.locations import may_propose
from workstation.output.export_request import ExportRequest
from workstation.output.formats import FORMAT_INFO, OutputFormat, has_alpha
from workstation.output.writer import output_size
from workstation.render.layers import LayerView
from workstation.ui.export.export_job import ask_to_replace
from workstation.ui.shell import dialogs

LAYER_LABELS = {LayerView.COMPOSITE: "Composite", LayerView.BACKGROUND: "Background",
                LayerView.CHARACTERS: "Characters (alpha)", LayerView.ALPHA: "Alpha matte"}
# the nearest format with alpha: a video, an animation
ALPHA_INSTEAD = {OutputFormat.MP4: OutputFormat.MOV, OutputFormat.GIF: OutputFormat.APNG}
DEFAULT_FORMAT = OutputFormat.MP4
IN_OUT, WHOLE, CUSTOM = 0, 1, 2  # the entries of the range list
KEY = "export/"  # QSettings: folder, format, layer


def _known_extensions() -> set[str]:
    return {info.extension for info in FORMAT_INFO.values() if info.extension}


def with_extension(name: str, fmt: OutputFormat) -> str:
    """``name`` with ``fmt``'s extension in place of any format's extension it ends with."""
    for ext in sorted(_known_extensions(), key=len, reverse=True):
        if name.lower().endswith(ext) and len(name) > len(ext):
            name = name[: -len(ext)]
            break
    return name + FORMAT_INFO[fmt].extension


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, settings: QSettings, project: doc.Project, shot: doc.Shot,
                 in_out: tuple[int, int], folder: Path, start: Callable[[ExportRequest], object]):
        """``shot``: the shot of ``project`` to export; ``in_out``: the timeline's range (inclusive);
        ``folder``: where to propose the file when no export has been made yet; ``start`` runs the
        export once the user confirmed it."""
        super().__init__(parent)
        self.setWindowTitle(f"Export Shot {shot.name!r}")
        self.settings, self.project, self.shot, self._start = settings, project, shot, start
        self._folder = folder  # where a relative name goes; the remembered export folder when there is one
        last = shot.length - 1
        first_in, last_in = sorted(max(0, min(last, k)) for k in in_out)
        self.in_out = range(first_in, last_in + 1)

        self.format_combo = QComboBox()
        for fmt, info in FORMAT_INFO.items():
            self.format_combo.addItem(info.label, fmt.value)
        self.layer_combo = QComboBox()
        for layer, label in LAYER_LABELS.items():
            self.layer_combo.addItem(label, layer.value)
        self.note = QLabel()  # why the format changed by itself
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(highlight)")
        self.note.hide()

        self.range_combo = QComboBox()
        self.range_combo.addItem(f"In/out (frames {first_in}–{last_in})")
        self.range_combo.addItem(f"Whole shot ({shot.length} frames)")
        self.range_combo.addItem("Custom")
        self.first_spin, self.last_spin = QSpinBox(), QSpinBox()
        for spin, value in ((self.first_spin, first_in), (self.last_spin, last_in)):
            spin.setRange(0, last)
            spin.setValue(value)
        self.frame_count_label = QLabel()
        custom = QHBoxLayout()
        for text, widget in (("From", self.first_spin), ("To", self.last_spin)):
            custom.addWidget(QLabel(text))
            custom.addWidget(widget)
        custom.addWidget(self.frame_count_label, 1)

        self.size_label = QLabel()  # the size written, or why it cannot be
        self.size_label.setWordWrap(True)
        self.scaling_combo = QComboBox()
        self.scaling_combo.addItem("Crisp pixels", "crisp")
        self.scaling_combo.addItem("Smooth", "smooth")
        self.scaling_combo.setToolTip("How the model's square is enlarged into the output")

        self.path_edit = QLineEdit()
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Format", self.format_combo)
        form.addRow("Layer", self.layer_combo)
        form.addRow("", self.note)
        form.addRow("Range", self.range_combo)
        form.addRow("", custom)
        form.addRow("Size", self.size_label)
        form.addRow("Scaling", self.scaling_combo)
        form.addRow("File", file_row)
        self._layout = layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

        self._restore()
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        self.range_combo.currentIndexChanged.connect(self._range_changed)
        self.first_spin.valueChanged.connect(lambda value: self._custom_changed(self.first_spin))
        self.last_spin.valueChanged.connect(lambda value: self._custom_changed(self.last_spin))
        self._layer_changed()
        self._range_changed()

    # -- what is chosen -------------------------------------------------------------------------------
    def fmt(self) -> OutputFormat:
        return OutputFormat(self.format_combo.currentData())

    def layer(self) -> LayerView:
        return LayerView(self.layer_combo.currentData())

    def frames(self) -> range:
        """The frames to export, numbered from 0 as on the timeline."""
        choice = self.range_combo.currentIndex()
        if choice == WHOLE:
            return range(self.shot.length)
        if choice == CUSTOM:
            return range(self.first_spin.value(), self.last_spin.value() + 1)
        return self.in_out

    def export_size(self) -> tuple[int, int]:
        """(width, height) of the frames written: the shot's output size."""
        return self.shot.output.size

    def smooth(self) -> bool:
        return self.scaling_combo.currentData() == "smooth"

    def output_path(self) -> Path | None:
        """The path typed, with the format's extension added when it lacks it (none for a PNG
        folder); relative to the proposed folder. None when no name is typed."""
        text = self.path_edit.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self._folder / path
        ext = FORMAT_INFO[self.fmt()].extension
        if ext and not path.name.lower().endswith(ext):
            path = path.with_name(path.name + ext)
        return path

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(OutputFormat(fmt).value))

    def set_layer(self, layer: str) -> None:
        self.layer_combo.setCurrentIndex(self.layer_combo.findData(LayerView(layer).value))

    # -- reacting to the form ---------------------------------------------------------------------------
    def _restore(self) -> None:
        saved = str(self.settings.value(KEY + "folder", "") or "")
        if may_propose(saved, self.project.path):
            self._folder = Path(saved)
        fmt = str(self.settings.value(KEY + "format", "") or "")
        self.set_format(fmt if fmt in FORMAT_INFO else DEFAULT_FORMAT)
        layer = str(self.settings.value(KEY + "layer", "") or "")
        self.set_layer(layer if layer in LAYER_LABELS else LayerView.COMPOSITE)
        self.scaling_combo.setCurrentIndex(self.scaling_combo.findData(self.shot.output.scaling))
        self.path_edit.setText(str(self._folder / with_extension(self.shot.name, self.fmt())))

    def _format_changed(self) -> None:
        self.note.hide()
        path = Path(self.path_edit.text().strip())
        if path.name:
            self.path_edit.setText(str(path.with_name(with_extension(path.name, self.fmt()))))
        self._keep_alpha()
        self._update_size()

    def _layer_changed(self) -> None:
        """Formats without alpha are disabled while an RGBA layer is chosen."""
        needs_alpha = self.layer().has_alpha
        model = self.format_combo.model()
        assert isinstance(model, QStandardItemModel)
        for row in range(self.format_combo.count()):
            item = model.item(row)
            usable = has_alpha(str(item.data(Qt.ItemDataRole.UserRole))) or not needs_alpha
            item.setEnabled(usable)
            item.setToolTip("" if usable else f"no alpha channel: not for the {LAYER_LABELS[self.layer()]} layer")
        self.note.hide()
        self._keep_alpha()

    def _keep_alpha(self) -> None:
        """An RGBA layer with a format without alpha: switch to the nearest format with alpha, and say so."""
        fmt = self.fmt()
        if not self.layer().has_alpha or has_alpha(fmt):
            return
        instead = ALPHA_INSTEAD.get(fmt, OutputFormat.PNG)
        self.set_format(instead)  # hides the note
        self._say(f"{FORMAT_INFO[fmt].label} has no alpha channel: switched to {FORMAT_INFO[instead].label}.")

    def _range_changed(self) -> None:
        custom = self.range_combo.currentIndex() == CUSTOM
        self.first_spin.setEnabled(custom)
        self.last_spin.setEnabled(custom)
        self._update_size()

    def _custom_changed(self, spin: QSpinBox) -> None:
        """From never passes To: the other one follows."""
        if self.first_spin.value() > self.last_spin.value():
            other = self.last_spin if spin is self.first_spin else self.first_spin
            other.setValue(spin.value())
        self._update_size()

    def _update_size(self) -> None:
        frames = self.frames()
        self.frame_count_label.setText(f"{len(frames)} frame{'s' if len(frames) != 1 else ''}")
        shot_width, shot_height = self.export_size()
        try:  # the writer's own checks: a frame over MAX_SIDE, a GIF too large to encode, an atlas too large
            width, height = output_size(Path(self.path_edit.text()), self.fmt(), (shot_height, shot_width),
                                        len(frames))
        except StopframeError as problem:
            self.size_label.setText(problem.problem)
            self.export_button.setEnabled(False)
            return
        own = f"{shot_width}×{shot_height}, the shot's output size"
        if (width, height) != (shot_width, shot_height):  # yuv420p video: padded to even sides
            own = f"{width}×{height}: {own}, padded to even sides"
        self.size_label.setText(f"{own} — Shot ▸ Output Size")
        self.export_button.setEnabled(True)

    # -- buttons ----------------------------------------------------------------------------------------
    def browse(self) -> None:
        info = FORMAT_INFO[self.fmt()]
        pattern = f"{info.label} (*)" if info.folder else f"{info.label} (*{info.extension})"
        current = str(self.output_path() or self._folder)
        path, _ = dialogs.save_file(self, f"Export shot {self.shot.name!r}", current, pattern,
                                    confirm_overwrite=False)  # the dialog asks itself, after adding the extension
        if path:
            self.path_edit.setText(path)

    def export(self) -> bool:
        """Start the export and close, or keep the dialog open (no name, or the user keeps what is
        there); True when the export started."""
        path, fmt = self.output_path(), self.fmt()
        if path is None:
            self._say("Type a file name to export to.")
            return False
        self.path_edit.setText(str(path))  # the extension added, before asking about that name
        overwrite = ask_to_replace(self, path, fmt)
        if overwrite is None:
            return False  # No: nothing is written, the form stays as it is
        self.settings.setValue(KEY + "folder", str(path.parent))
        self.settings.setValue(KEY + "format", fmt.value)
        self.settings.setValue(KEY + "layer", self.layer().value)
        self._start(ExportRequest.of_shot(self.project, self.shot.name, path, fmt, frames=self.frames(),
                                          layer=self.layer(), smooth=self.smooth(),
                                          overwrite=overwrite))
        self.accept()
        return True

    def _say(self, line: str) -> None:
        self.note.setText(line)
        self.note.show()
        self._layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))  # the note whole, never cut
