"""Clip ▸ Rename Clip… and Clip ▸ Remove Clip, on the clip selected in the Library (whose
right-click menu holds the same commands); disabled while none is. Each is one undo step; the
rules are ``workstation.project.edits``'s (``rename_clip``, ``remove_clip``): a rename carries every
use of the clip along and refuses a blank name or one another clip has; a clip a shot uses is not
removed, and the status bar says where it is used."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.panels.library import Library
from workstation.ui.shell import dialogs

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut, checkable=...)
RENAME_TITLE = "Rename clip"


def rename_clip(document: ProjectDocument, name: str, new_name: str) -> bool:
    """Call the clip ``name`` ``new_name`` as one undo step; False (and no undo step) when that is
    its name already. ProjectError (one line) for a name it may not have."""
    new_name = doc.checked_clip_name(document.project, new_name, renaming=name)
    if new_name == name:
        return False
    document.edit(f"Rename clip {name} to {new_name}", lambda project: doc.rename_clip(project, name, new_name))
    return True


def remove_clip(document: ProjectDocument, name: str) -> None:
    """Remove the clip ``name`` as one undo step; ProjectError (one line: where) while a shot uses it."""
    document.edit(f"Remove clip {name}", lambda project: doc.remove_clip(project, name))


class ClipMenu:
    def __init__(self, menu: QMenu, document: ProjectDocument, library: Library, make_action: MakeAction,
                 parent: QWidget, show_problem: Callable[[str], None]):
        self.document, self.library, self.parent, self.show_problem = document, library, parent, show_problem
        self.rename_action = make_action(menu, "&Rename Clip…", self.rename)
        self.rename_action.setToolTip("Give the clip selected in the Library another name; its shots follow")
        self.remove_action = make_action(menu, "Re&move Clip", self.remove)
        self.remove_action.setToolTip("Remove the clip selected in the Library (not while a shot uses it)")
        separator = QAction(library)
        separator.setSeparator(True)
        library.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)  # its right-click menu: these
        library.addActions([self.rename_action, self.remove_action, separator])
        library.currentItemChanged.connect(lambda *_: self.refresh())
        document.clips_changed.connect(self.refresh)
        self.refresh()

    def rename(self) -> None:
        """Ask for the selected clip's new name (Cancel, or the same name, changes nothing); the
        clip stays selected under it."""
        name = self.library.current_clip()
        if name is None:
            return
        typed = dialogs.ask_text(self.parent, RENAME_TITLE, f"New name for the clip {name}:", name)
        if not typed:
            return
        try:
            renamed = rename_clip(self.document, name, typed)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))
            return
        item = self.library.clip_item(typed.strip())
        if renamed and item is not None:
            self.library.setCurrentItem(item)

    def remove(self) -> None:
        name = self.library.current_clip()
        if name is None:
            return
        try:
            remove_clip(self.document, name)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))

    def refresh(self) -> None:
        selected = self.library.current_clip() in self.document.project.clips
        for action in (self.rename_action, self.remove_action):
            action.setEnabled(selected)
