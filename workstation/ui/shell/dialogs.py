"""Every file and message dialog of the workstation goes through this module.

A modal dialog blocks until someone answers it, which offscreen (in tests) never happens. When
``answerer`` is set, each function asks it instead of showing a dialog: it gets a ``Question``
(the kind of dialog, its title and text) and returns what the dialog would have: a path (``""``
for Cancel), a list of paths, a ``QMessageBox.StandardButton``, the text typed (``""`` for Cancel),
or None for a plain message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

Button = QMessageBox.StandardButton


@dataclass(frozen=True)
class Question:
    kind: str  # "open_file", "open_files", "open_folder", "save_file", "question", "warning", "about", "text",
    # "choose"
    title: str
    text: str = ""  # the message, the file filter of a file dialog, or the label of a text field


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


def open_folder(parent: QWidget | None, title: str, folder: str) -> str:
    """The path of an existing folder the user chose, or "" when cancelled."""
    answered, answer = _answer(Question("open_folder", title, folder))
    if answered:
        return str(answer or "")
    return QFileDialog.getExistingDirectory(parent, title, folder)


def choose(parent: QWidget | None, title: str, label: str, items: list[str], current: int = 0) -> str:
    """The entry of ``items`` the user chose in a list labelled ``label``, or "" when cancelled."""
    answered, answer = _answer(Question("choose", title, label))
    if answered:
        return str(answer or "")
    chosen, ok = QInputDialog.getItem(parent, title, label, items, current, False)
    return chosen if ok else ""


def question(parent: QWidget | None, title: str, text: str, buttons: Button = Button.Yes | Button.No,
             default: Button = Button.NoButton) -> Button:
    """The button the user pressed."""
    answered, answer = _answer(Question("question", title, text))
    if answered:
        return Button(answer)
    return QMessageBox.question(parent, title, text, buttons, default)


def ask_text(parent: QWidget | None, title: str, label: str, value: str = "") -> str:
    """The line the user typed in a field labelled ``label`` (it starts as ``value``), or "" when
    cancelled."""
    answered, answer = _answer(Question("text", title, label))
    if answered:
        return str(answer or "")
    typed, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, value)
    return typed if ok else ""


def warning(parent: QWidget | None, title: str, text: str) -> None:
    if not _answer(Question("warning", title, text))[0]:
        QMessageBox.warning(parent, title, text)


def about(parent: QWidget | None, title: str, text: str) -> None:
    if not _answer(Question("about", title, text))[0]:
        QMessageBox.about(parent, title, text)
