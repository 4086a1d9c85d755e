"""The Inspector: the current shot (length, fps, background, output size) and the selected
character (source, motion source, and its hand transform at the current frame), as fields and drop
slots. A pose's offset is stored in fractions of the model square's side and shown in pixels of
the shot's output: times the side the square has there (``Framing.square_rect``).

Its width never follows what it shows (a long clip name, the Keys line): the lines of text wrap
and the lists keep one width, so selecting a character never moves the Canvas beside it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workstation import project as doc
from workstation.render.framing import framing_of
from workstation.ui.document import ProjectDocument
from workstation.ui.editing import animator_edits as edits
from workstation.ui.editing.output_menu import output_line
from workstation.ui.mime import from_mime


class DropSlot(QLabel):
    """A field showing a clip or frame that takes library media dropped onto it."""

    dropped = Signal(object)  # DraggedMedia

    def __init__(self, empty_text: str, accepts_clips: bool = True):
        super().__init__(empty_text)
        self.empty_text, self.accepts_clips = empty_text, accepts_clips
        self.setAcceptDrops(True)
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.setMinimumHeight(26)
        _wrap(self)
        self.setToolTip("Drop a clip or a frame from the Library here")
        self._highlight(False)

    def show_media(self, text: str | None) -> None:
        self.setText(text or self.empty_text)

    def _highlight(self, on: bool) -> None:
        self.setStyleSheet("QLabel { border: 2px solid #ffaa28; background: rgba(255,170,40,60); padding: 2px; }"
                           if on else "QLabel { padding: 3px; }")

    def dragEnterEvent(self, event) -> None:
        if from_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
            self._highlight(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._highlight(False)

    def dropEvent(self, event) -> None:
        self._highlight(False)
        media = from_mime(event.mimeData())
        if media is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.dropped.emit(media)


WIDTH = 320  # the Inspector's width (screen pixels) until the user drags its edge
# The model square's side when no model is loaded: where the square lands in the output barely depends on it.
NO_MODEL_SIZE = 64
LIST_WIDTH = 12  # characters of a name the shot and character lists show before eliding


def _wrap(label: QLabel) -> None:
    """A line of text that wraps rather than widening the Inspector."""
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)


def _spin(low: float, high: float, step: float, decimals: int = 2, suffix: str = "") -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box


def _frame_text(ref: doc.FrameRef) -> str:
    return f"{ref.clip} · frame {ref.frame}"


def describe_keys(character: doc.Character, frame: int) -> str:
    """Where ``frame`` stands among the character's keys, in a few words."""
    frames = [key.frame for key in character.keyframes]
    if not frames:
        return "none yet: a change keys the frame"
    count = f"{len(frames)} in all" if len(frames) > 1 else "1 in all"
    if frame in frames:
        return f"◆ key at this frame ({count})"
    before = doc.neighbour_key(character, frame, -1)
    after = doc.neighbour_key(character, frame, 1)
    if before is None:
        return f"before the first, at {after} ({count})"
    if after is None:
        return f"after the last, at {before} ({count})"
    return f"between {before} and {after} ({count})"


class Inspector(QWidget):
    error = Signal(str)  # a one-line problem for the status bar

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self._refreshing = False
        self.model_size: int | None = None  # of the model's square render (None: no model), for the output line

        self.shot_box = QComboBox()
        self.length = QSpinBox()
        self.length.setRange(1, 100_000)
        self.length.setKeyboardTracking(False)
        self.fps = _spin(0.1, 240.0, 1.0, 2, " fps")
        self.background = DropSlot("drop a frame for the background")
        shot_form = QFormLayout()
        shot_form.addRow("Shot", self.shot_box)
        shot_form.addRow("Length", self.length)
        shot_form.addRow("Speed", self.fps)
        shot_form.addRow("Background", self.background)
        self.output_line = QLabel()  # "model 64×64 · output 256×256 crisp" (Shot ▸ Output Size)
        _wrap(self.output_line)
        shot_form.addRow("Size", self.output_line)
        self.shot_group = QGroupBox("Shot")
        self.shot_group.setLayout(shot_form)

        self.character_box = QComboBox()
        self.source = DropSlot("drop a frame for the character")
        self.motion = DropSlot("drop a clip to animate it")
        self.hold = QPushButton("Hold still")
        self.hold.setToolTip("Remove the motion source: the character keeps its pose")
        motion_row = QHBoxLayout()
        motion_row.addWidget(self.motion, 1)
        motion_row.addWidget(self.hold)
        self.motion_start = QSpinBox()
        self.motion_end = QSpinBox()
        self.motion_end.setSpecialValueText("last frame")
        for box in (self.motion_start, self.motion_end):
            box.setKeyboardTracking(False)
        self.motion_loop = QCheckBox("Loop")
        range_row = QHBoxLayout()
        for widget in (QLabel("from"), self.motion_start, QLabel("to"), self.motion_end, self.motion_loop):
            range_row.addWidget(widget)
        self.offset_x = _spin(-1_000_000, 1_000_000, 1.0, 1, " px")  # output pixels
        self.offset_y = _spin(-1_000_000, 1_000_000, 1.0, 1, " px")
        self.rotation = _spin(-36_000, 36_000, 5.0, 1, "°")
        self.scale = _spin(0.05, 20.0, 0.05, 2, "×")
        self.interpolation = QComboBox()
        self.interpolation.addItems(list(doc.Interpolation))
        self.key_state = QLabel()
        _wrap(self.key_state)
        self.set_key = QPushButton("Key")
        self.set_key.setToolTip("Key this frame with the pose it has now (K)")
        self.remove_key = QPushButton("Remove key")
        self.remove_key.setToolTip("Remove the key at this frame (Alt+K)")
        keys_row = QHBoxLayout()  # the buttons; where the frame stands among the keys on a line of its own
        keys_row.addWidget(self.set_key)
        keys_row.addWidget(self.remove_key)
        keys_row.addStretch(1)
        self.remove = QPushButton("Remove character")
        self.remove.setToolTip("Remove the selected character from the shot (Delete)")
        character_form = QFormLayout()
        character_form.addRow("Character", self.character_box)
        character_form.addRow("Source", self.source)
        character_form.addRow("Motion", motion_row)
        character_form.addRow("Motion frames", range_row)
        character_form.addRow("Offset x", self.offset_x)
        character_form.addRow("Offset y", self.offset_y)
        self.offset_unit = QLabel()  # offsets are shown in pixels of the output: "px at 1280×720 (the output)"
        character_form.addRow("", self.offset_unit)
        character_form.addRow("Rotation", self.rotation)
        character_form.addRow("Scale", self.scale)
        character_form.addRow("Keys", keys_row)
        character_form.addRow("", self.key_state)
        character_form.addRow("Between keys", self.interpolation)
        character_form.addRow(self.remove)
        self.character_group = QGroupBox("Character (at the current frame)")
        self.character_group.setLayout(character_form)

        layout = QVBoxLayout(self)
        layout.addWidget(self.shot_group)
        layout.addWidget(self.character_group)
        layout.addStretch(1)
        for names in (self.shot_box, self.character_box):  # as wide whatever the names in them
            names.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            names.setMinimumContentsLength(LIST_WIDTH)
        self._connect()
        document.changed.connect(self.refresh)
        document.selection_changed.connect(self.refresh)
        document.frame_changed.connect(self.refresh)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(max(WIDTH, self.minimumSizeHint().width()), super().sizeHint().height())

    def _connect(self) -> None:
        self.shot_box.activated.connect(lambda i: self.document.select_shot(self.shot_box.itemText(i)))
        self.character_box.activated.connect(
            lambda i: self.document.select_character(self.character_box.itemData(i)))
        self.length.valueChanged.connect(lambda v: self._shot_edit("Shot length", "length", v))
        self.fps.valueChanged.connect(lambda v: self._shot_edit("Shot speed", "fps", v))
        self.background.dropped.connect(lambda m: self._guard(edits.set_background, self.document, m))
        self.source.dropped.connect(lambda m: self._guard(edits.set_source, self.document, self._name(), m))
        self.motion.dropped.connect(lambda m: self._guard(edits.set_motion, self.document, self._name(), m))
        self.hold.clicked.connect(lambda: self._guard(edits.set_motion, self.document, self._name(), None))
        self.motion_start.valueChanged.connect(lambda v: self._motion_edit(start=v))
        self.motion_end.valueChanged.connect(lambda v: self._motion_edit(end=None if v == 0 else v))
        self.motion_loop.toggled.connect(lambda v: self._motion_edit(loop=v))
        boxes = (("tx", self.offset_x), ("ty", self.offset_y), ("rotation", self.rotation), ("scale", self.scale))
        for field, box in boxes:
            box.valueChanged.connect(lambda v, field=field: self._transform_edit(field, v))
        self.interpolation.activated.connect(lambda i: self._guard(
            self.document.edit_character, "Interpolation",
            lambda c: setattr(c, "interpolation", doc.Interpolation(self.interpolation.itemText(i)))))
        self.set_key.clicked.connect(
            lambda: self._guard(edits.set_key, self.document, self._name(), self.document.frame))
        self.remove_key.clicked.connect(
            lambda: self._guard(edits.remove_key, self.document, self._name(), self.document.frame))
        self.remove.clicked.connect(lambda: self._guard(edits.remove_character, self.document, self._name()))

    def _name(self) -> str | None:
        return self.document.character_name

    def _guard(self, function, *args, **kwargs) -> None:
        if self._refreshing:
            return
        try:
            function(*args, **kwargs)
        except (doc.ProjectError, ValueError) as problem:
            self.error.emit(str(problem))

    def _shot_edit(self, text: str, field: str, value) -> None:
        self._guard(self.document.edit_shot, text, lambda shot: setattr(shot, field, value), ("shot", field))

    def _motion_edit(self, **fields) -> None:
        self._guard(edits.update_motion, self.document, self._name(), ("motion", self._name()), **fields)

    def set_model_size(self, size: int | None) -> None:
        self.model_size = size
        self.refresh()

    def _square_side(self) -> tuple[float, float]:
        """The model square's side (x, y) in the current shot's output pixels: an offset shows in
        these and is stored as a fraction of them."""
        shot = self.document.shot()
        if shot is None:
            return 1.0, 1.0
        framing = framing_of(self.document.project, shot.name, self.model_size or NO_MODEL_SIZE)
        _, _, side_x, side_y = framing.square_rect
        return side_x, side_y

    def _transform_edit(self, field: str, value: float) -> None:
        name, frame = self._name(), self.document.frame
        if field in ("tx", "ty"):
            side_x, side_y = self._square_side()
            value = value / (side_x if field == "tx" else side_y)
        self._guard(edits.change_edit, self.document, name, frame, ("field", name, frame, field), 0, 0, 0, 1,
                    {field: value})

    def refresh(self, *_) -> None:
        self._refreshing = True
        try:
            self._refresh_shot()
            self._refresh_character()
        finally:
            self._refreshing = False

    def _refresh_shot(self) -> None:
        shot = self.document.shot()
        self.shot_box.clear()
        self.shot_box.addItems([s.name for s in self.document.project.shots])
        self.shot_group.setEnabled(shot is not None)
        if shot is None:  # disabled fields show nothing, never a length or a speed no shot has
            self.length.setValue(self.length.minimum())
            self.fps.setValue(self.fps.minimum())
            self.length.clear()
            self.fps.clear()
            self.background.show_media(None)
            self.output_line.setText(output_line(self.model_size, None))
            self.offset_unit.clear()
            return
        self.shot_box.setCurrentText(shot.name)
        self.length.setValue(shot.length)
        self.fps.setValue(shot.fps)
        self.background.show_media(_frame_text(shot.background))
        self.output_line.setText(output_line(self.model_size, shot.output))
        self.offset_unit.setText(f"px at {shot.output.width}×{shot.output.height} (the output)")

    def _refresh_character(self) -> None:
        shot, character = self.document.shot(), self.document.character()
        self.character_box.clear()
        self.character_box.addItem("(none selected)", None)
        for c in shot.characters if shot else []:  # back to front
            self.character_box.addItem(f"{c.name} (hidden)" if c.hidden else c.name, c.name)
        self.character_box.setCurrentIndex(max(0, self.character_box.findData(self.document.character_name)))
        self.character_box.setEnabled(bool(shot and shot.characters))  # picks one even with none selected
        for widget in (self.source, self.motion, self.hold, self.motion_start, self.motion_end, self.motion_loop,
                       self.offset_x, self.offset_y, self.rotation, self.scale, self.interpolation, self.set_key,
                       self.remove_key, self.remove):
            widget.setEnabled(character is not None)
        if character is None:  # disabled fields show nothing, never the values of the one selected before
            self.key_state.clear()
            self.source.show_media(None)
            self.motion.show_media(None)
            self._clear_motion_range()
            for box, neutral in ((self.offset_x, 0.0), (self.offset_y, 0.0), (self.rotation, 0.0), (self.scale, 1.0)):
                box.setValue(neutral)
                box.clear()
            self.interpolation.setCurrentIndex(-1)
            return
        self.source.show_media(_frame_text(character.source))
        motion = character.motion
        self.motion.show_media(f"{motion.clip}" if motion else None)
        for widget in (self.motion_start, self.motion_end, self.motion_loop):
            widget.setEnabled(motion is not None)
        if motion is None:
            self._clear_motion_range()
        else:
            last = self.document.project.clips[motion.clip].frame_count - 1
            self.motion_start.setRange(0, last)
            self.motion_start.setValue(motion.start)
            self.motion_end.setRange(0, last)
            self.motion_end.setValue(motion.end or 0)
            self.motion_loop.setChecked(motion.loop)
        edit = doc.pose_at(character, self.document.frame)
        side_x, side_y = self._square_side()
        self.offset_x.setValue(edit.tx * side_x)
        self.offset_y.setValue(edit.ty * side_y)
        self.rotation.setValue(edit.rotation)
        self.scale.setValue(edit.scale)
        self.interpolation.setCurrentText(character.interpolation)
        self.key_state.setText(describe_keys(character, self.document.frame))
        self.remove_key.setEnabled(any(key.frame == self.document.frame for key in character.keyframes))

    def _clear_motion_range(self) -> None:
        for box in (self.motion_start, self.motion_end):
            box.setValue(0)
            box.clear()
        self.motion_loop.setChecked(False)
