"""The form of File ▸ Import Sprite Sheet… (``sheet_import.py`` runs it): how the sheet is cut, and a
name for each clip.

A picture is cut by a grid: a cell's size in pixels, or the number of columns and rows (the cell
size then follows), a margin before the first cell and the spacing between cells; each row of the
grid is one clip, its cells up to its last that is not empty (``media.sprite_sheets.used_cells``),
at the speed given (12 fps unless changed). The grid is drawn over the picture as it changes
(``SheetPreview``). Aseprite's JSON needs no grid: its tags are the clips (no tags: one clip of
every frame), at the speed its durations say. Each clip is a row of the table: a check to import
it, its name (the row's or the tag's, until typed over) and its frames. The dialog only asks; its
``clips()`` are what the import adds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workstation import project as doc
from workstation.media.aseprite_json import AsepriteSheet, Rect
from workstation.media.sprite_sheets import Grid, SheetPicture, cut_tag, used_cells
from workstation.project.scalars import MAX_FPS, MIN_FPS
from workstation.ui.files.sheet_preview import SheetPreview

TITLE = "Import Sprite Sheet"
DEFAULT_FPS = 12.0
CELL_GUESSES = (64, 32, 16, 128, 48, 24, 8)  # a first cell size: the first that divides the picture


@dataclass(frozen=True)
class Candidate:
    """One clip the sheet offers: its name until the user types another, what the project would
    hold, its cells' rectangles (none: an empty row, which cannot be imported)."""

    name: str
    clip: doc.ClipRef | None
    rects: tuple[Rect, ...]


def fit_of(width: int, height: int) -> str:
    """A sprite's cell holds the whole character: square cells are cropped (no difference), others
    letterboxed rather than cut."""
    return "crop" if width == height else "letterbox"


def guessed_cell(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    for side in CELL_GUESSES:
        if width % side == 0 and height % side == 0 and side <= min(width, height):
            return side, side
    return (height, height) if width % height == 0 else (width, height)


def _spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(min(max(value, low), high))
    spin.setSuffix(suffix)
    return spin


class SheetImportDialog(QDialog):
    def __init__(self, parent: QWidget | None, path: Path, picture: SheetPicture, aseprite: AsepriteSheet | None):
        """``path``: the picture or the Aseprite JSON picked; ``aseprite``: that JSON, read."""
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.path, self.picture, self.aseprite = path, picture, aseprite
        self.candidates: list[Candidate] = []
        self.all_rects: tuple[Rect, ...] = ()  # every cell of the grid (every frame of the JSON), drawn in grey
        width, height = picture.size
        cell = guessed_cell(picture.size)
        self.by_size, self.by_count = QRadioButton("Cell size"), QRadioButton("Columns × rows")
        modes = QButtonGroup(self)
        modes.addButton(self.by_size)
        modes.addButton(self.by_count)
        self.by_size.setChecked(True)
        self.cell_width, self.cell_height = _spin(1, width, cell[0], " px"), _spin(1, height, cell[1], " px")
        self.columns, self.rows = _spin(1, width, width // cell[0]), _spin(1, height, height // cell[1])
        self.margin, self.spacing = _spin(0, width, 0, " px"), _spin(0, width, 0, " px")
        self.fps = QDoubleSpinBox()
        self.fps.setRange(MIN_FPS, MAX_FPS)
        self.fps.setDecimals(2)
        self.fps.setValue(DEFAULT_FPS)
        self.fps.setSuffix(" fps")
        self.grid_box = self._grid_form()
        self.preview = SheetPreview()
        self.preview.set_picture(picture.rgb)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Clip", "Frames"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self.grid_box)
        side.addWidget(self.table, 1)
        side.addWidget(self.summary)
        body = QHBoxLayout()
        body.addWidget(self.preview, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.table.itemChanged.connect(lambda item: self._show_cells())
        if aseprite is not None:
            self.grid_box.setVisible(False)
            self.all_rects = tuple(dict.fromkeys(frame.rect for frame in aseprite.frames))
            self._fill([self._tag_candidate(tag.name) for tag in aseprite.tags] or [self._tag_candidate(None)])
            tags = len(aseprite.tags)
            self.summary.setText(f"{aseprite.path.name}: {len(aseprite.frames)} frames of {aseprite.image.name}, "
                                 + (f"{tags} tag{'s' if tags != 1 else ''}: one clip each" if tags else
                                    "no tags: one clip of every frame"))
        else:
            for spin in (self.cell_width, self.cell_height, self.columns, self.rows, self.margin, self.spacing):
                spin.valueChanged.connect(self.regrid)
            self.by_size.toggled.connect(self.regrid)
            self.regrid()

    def _grid_form(self) -> QGroupBox:
        form = QFormLayout()
        form.addRow(self.by_size)
        form.addRow("Cell width", self.cell_width)
        form.addRow("Cell height", self.cell_height)
        form.addRow(self.by_count)
        form.addRow("Columns", self.columns)
        form.addRow("Rows", self.rows)
        form.addRow("Margin", self.margin)
        form.addRow("Spacing", self.spacing)
        form.addRow("Speed", self.fps)
        box = QGroupBox("Grid")
        box.setLayout(form)
        return box

    # -- what is offered -------------------------------------------------------------------------------
    def grid(self) -> Grid:
        """The grid the form describes; ValueError saying why it is none."""
        size, margin, spacing = self.picture.size, self.margin.value(), self.spacing.value()
        if self.by_count.isChecked():
            return Grid.by_count(size, self.columns.value(), self.rows.value(), margin, spacing)
        return Grid.of(size, (self.cell_width.value(), self.cell_height.value()), margin, spacing)

    def regrid(self) -> None:
        """Cut the picture again as the form now says: the table's rows, the preview's cells."""
        by_count = self.by_count.isChecked()
        for spin in (self.cell_width, self.cell_height):
            spin.setEnabled(not by_count)
        for spin in (self.columns, self.rows):
            spin.setEnabled(by_count)
        try:
            grid = self.grid()
        except ValueError as problem:
            self.all_rects = ()
            self._fill([])
            self.summary.setText(str(problem))
            return
        shown = (self.columns, self.rows) if not by_count else (self.cell_width, self.cell_height)
        for spin, value in zip(shown, (grid.columns, grid.rows) if not by_count else grid.cell, strict=True):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.all_rects = tuple(grid.rect(column, row) for row in range(grid.rows) for column in range(grid.columns))
        self._fill([self._row_candidate(grid, row) for row in range(grid.rows)])
        self.summary.setText(f"{grid.describe()}: each row that is not empty is a clip, its cells up to the last "
                             "that is not empty")

    def _row_candidate(self, grid: Grid, row: int) -> Candidate:
        count = used_cells(self.picture, grid, row)
        name = f"{self.path.stem} row {row}"
        if count == 0:
            return Candidate(name, None, ())
        sheet = doc.SheetGrid(grid.cell, row, grid.margin, grid.spacing, count)
        clip = doc.ClipRef(str(self.path.resolve()), count, DEFAULT_FPS, *grid.cell, fit_of(*grid.cell), None, sheet)
        return Candidate(name, clip, tuple(grid.rect(column, row) for column in range(count)))

    def _tag_candidate(self, tag: str | None) -> Candidate:
        assert self.aseprite is not None
        cut = cut_tag(self.aseprite, self.picture, tag)  # every tag was cut once when the file was read
        clip = doc.ClipRef(str(self.path.resolve()), len(cut.frames), cut.fps or DEFAULT_FPS, cut.width, cut.height,
                           fit_of(cut.width, cut.height), None, doc.SheetTag(tag))
        order = self.aseprite.tag(tag).order() if tag is not None else range(len(self.aseprite.frames))
        return Candidate(tag if tag is not None else self.path.stem, clip,
                         tuple(dict.fromkeys(self.aseprite.frames[i].rect for i in order)))

    def _fill(self, candidates: list[Candidate]) -> None:
        """The table's rows, one a candidate; a name typed for a row that is offered again is kept."""
        typed = {self.candidates[i].name: self._item(i).text() for i in range(self.table.rowCount())}
        self.candidates = candidates
        self.table.blockSignals(True)
        self.table.setRowCount(len(candidates))
        for i, candidate in enumerate(candidates):
            name = QTableWidgetItem(typed.get(candidate.name, candidate.name))
            frames = QTableWidgetItem(str(candidate.clip.frame_count) if candidate.clip else "empty")
            frames.setFlags(Qt.ItemFlag.ItemIsEnabled)
            if candidate.clip is None:
                name.setFlags(Qt.ItemFlag.NoItemFlags)
            else:
                name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)
                name.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(i, 0, name)
            self.table.setItem(i, 1, frames)
        self.table.blockSignals(False)
        self._show_cells()

    def _item(self, row: int) -> QTableWidgetItem:
        """The name (and check) of table row ``row``."""
        item = self.table.item(row, 0)
        assert item is not None  # every row is filled
        return item

    def _chosen(self, row: int) -> bool:
        return self.candidates[row].clip is not None and self._item(row).checkState() == Qt.CheckState.Checked

    def _show_cells(self) -> None:
        cells = dict.fromkeys(self.all_rects, False)
        for i, candidate in enumerate(self.candidates):
            chosen = self._chosen(i)
            for rect in candidate.rects:  # a frame two tags share: chosen if either is
                cells[rect] = cells.get(rect, False) or chosen
        self.preview.set_cells(list(cells.items()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.clips()))

    # -- the answer ------------------------------------------------------------------------------------------
    def set_name(self, row: int, name: str) -> None:
        """Type ``name`` for the clip of table row ``row``."""
        self._item(row).setText(name)

    def set_chosen(self, row: int, chosen: bool) -> None:
        self._item(row).setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)

    def clips(self) -> list[tuple[str, doc.ClipRef]]:
        """(name, clip) of each clip checked, in the table's order; a grid's at the speed given."""
        chosen = []
        for i, candidate in enumerate(self.candidates):
            if candidate.clip is not None and self._chosen(i):
                clip = candidate.clip
                if isinstance(clip.sheet, doc.SheetGrid):
                    clip = replace(clip, fps=self.fps.value())
                chosen.append((self._item(i).text().strip() or candidate.name, clip))
        return chosen
