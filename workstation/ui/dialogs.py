"""Every file and message dialog of the workstation goes through this module.

A modal dialog blocks until someone answers it, which offscreen (in tests) never happens. When
``answerer`` is set, each function asks it instead of showing a dialog: it gets a ``Question``
(the kind of dialog, its title and text) and returns what the dialog would have: a path (``""``
for Cancel), a list of paths, a ``QMessageBox.StandardButton``, or None for a plain message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

Button = QMessageBox.StandardButton


@dataclass(frozen=True)
class Question:
    kind: str  # "open_file", "open_files", "save_file", "question", "warning", "about"
    title: str
    text: str = ""  # the message, or the file filter of a file dialog


answerer: Callable[[Question], Any] | None = None  # tests set this to answer instead of blocking


def _answer(question: Question) -> tuple[bool, Any]:
    return (True, answerer(question)) if answerer is not None else (False, None)


def open_file(parent: QWidget | None, title: str, folder: str, filters: str) -> str:
    """The path of an existing file the user chose, or "" when cancelled."""
    answered, answer = _answer(Question("open_file", title, filters))
    if answered:
        return str(answer or "")
    return QFileDialog.getOpenFileName(parent, title, folder, filters)[0]


def open_files(parent: QWidget | None, title: str, folder: str, filters: str) -> list[str]:
    """The paths of the existing files the user chose (none when cancelled)."""
    answered, answer = _answer(Question("open_files", title, filters))
    if answered:
        return [str(path) for path in answer or []]
    return QFileDialog.getOpenFileNames(parent, title, folder, filters)[0]


def save_file(parent: QWidget | None, title: str, path: str, filters: str,
              confirm_overwrite: bool = True) -> tuple[str, str]:
    """(the path to write, the filter chosen), or ("", "") when cancelled. An answerer returns the
    path, or (path, filter). ``confirm_overwrite=False`` for callers that ask themselves (an export
    adds its extension after the dialog, then asks), so the user is not asked twice."""
    answered, answer = _answer(Question("save_file", title, filters))
    if answered:
        if isinstance(answer, tuple):
            return str(answer[0]), str(answer[1])
        return str(answer or ""), filters.split(";;")[0]
    options = QFileDialog.Option(0) if confirm_overwrite else QFileDialog.Option.DontConfirmOverwrite
    return QFileDialog.getSaveFileName(parent, title, path, filters, options=options)


def question(parent: QWidget | None, title: str, text: str, buttons: Button = Button.Yes | Button.No,
             default: Button = Button.NoButton) -> Button:
    """The button the user pressed."""
    answered, answer = _answer(Question("question", title, text))
    if answered:
        return Button(answer)
    return QMessageBox.question(parent, title, text, buttons, default)


def warning(parent: QWidget | None, title: str, text: str) -> None:
    if not _answer(Question("warning", title, text))[0]:
        QMessageBox.warning(parent, title, text)


def about(parent: QWidget | None, title: str, text: str) -> None:
    if not _answer(Question("about", title, text))[0]:
        QMessageBox.about(parent, title, text)
