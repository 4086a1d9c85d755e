"""How a clip's frames become the model's square (``ClipRef.fit``): "crop" keeps the centre square
(a 16:9 clip loses its sides), "letterbox" keeps the whole frame, scaled down into the square with
black bars. Square clips look the same either way.

File ▸ Import Clip… asks once per import, at its first clip that is not square
(``dialogs.choose``), and remembers the answer in QSettings as the next default; clips dropped on
the window take that default without asking. The Clip menu (also the Library's context menu)
changes the fit of the clip selected in the Library later, as one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from workstation import project as doc
from workstation.media import ClipInfo
from workstation.ui.document import ProjectDocument
from workstation.ui.panels.library import Library
from workstation.ui.shell import dialogs

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut, checkable=...)
SETTING = "import/fit"
TITLE = "Fit clip to the model's square"
LABELS = {"crop": "Crop to the centre square", "letterbox": "Letterbox: keep the whole frame"}


def default_fit(settings: QSettings) -> str:
    fit = str(settings.value(SETTING, "crop") or "crop")
    return fit if fit in doc.FITS else "crop"


class ImportFit:
    """The fit of the clips of one import that are not square: asked at the first of them when
    ``ask`` (File ▸ Import Clip…), else the remembered default (a drop). Cancel keeps the default."""

    def __init__(self, settings: QSettings, parent: QWidget | None, ask: bool):
        self.settings, self.parent, self.ask = settings, parent, ask
        self.choice: str | None = None

    def fit_for(self, name: str, info: ClipInfo) -> str:
        if info.width == info.height:
            return "crop"
        if self.choice is None:
            self.choice = default_fit(self.settings)
            if self.ask:
                labels = list(LABELS.values())
                picked = dialogs.choose(self.parent, TITLE, f"{name} is {info.width}×{info.height}, not square. "
                                        "How should its frames (and the other clips of this import that are not "
                                        "square) fit the model's square?", labels, list(LABELS).index(self.choice))
                if picked in labels:
                    self.choice = list(LABELS)[labels.index(picked)]
                    self.settings.setValue(SETTING, self.choice)
        return self.choice


def set_fit(document: ProjectDocument, clip: str, fit: str) -> bool:
    """Fit ``clip`` to the model's square by ``fit`` as one undo step; False (and no undo step)
    when it already is so."""
    if clip not in document.project.clips:
        raise doc.ProjectError(f"clip {clip!r} is not in this project")
    if document.project.clips[clip].fit == fit:
        return False
    verb = "Letterbox" if fit == "letterbox" else "Crop"

    document.edit(f"{verb} {clip}", lambda project: project.clips.update({clip: replace(project.clips[clip], fit=fit)}))
    return True


class ClipFitMenu:
    """Clip ▸ Crop to Square / Letterbox on the clip selected in the Library (whose context menu
    holds the same commands); disabled while none is."""

    def __init__(self, menu: QMenu, document: ProjectDocument, library: Library, make_action: MakeAction,
                 show_problem: Callable[[str], None]):
        self.document, self.library, self.show_problem = document, library, show_problem
        group = QActionGroup(menu)
        self.actions: dict[str, QAction] = {}
        for fit, text in (("crop", "&Crop to Square"), ("letterbox", "&Letterbox (Whole Frame)")):
            action = make_action(menu, text, lambda checked, f=fit: self.choose(f), checkable=True)
            action.setToolTip(LABELS[fit])
            group.addAction(action)
            self.actions[fit] = action
        library.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        library.addActions(list(self.actions.values()))
        library.currentItemChanged.connect(lambda *_: self.refresh())
        document.clips_changed.connect(self.refresh)
        self.refresh()

    def choose(self, fit: str) -> None:
        clip = self.library.current_clip()
        if clip is not None:
            try:
                set_fit(self.document, clip, fit)
            except doc.ProjectError as problem:
                self.show_problem(str(problem))
        self.refresh()  # the check marks show the document, also when the edit was refused

    def refresh(self) -> None:
        clip = self.library.current_clip()
        ref = self.document.project.clips.get(clip) if clip is not None else None
        for fit, action in self.actions.items():
            action.setEnabled(ref is not None)
            action.setChecked(ref is not None and ref.fit == fit)
