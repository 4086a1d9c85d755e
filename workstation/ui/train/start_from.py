"""The Train dialog's "Start from": the model a run fine-tunes on the chosen clips, as
``main.py train --init-from BUNDLE`` does (a layered bundle goes on as the model it is, trained as it
was), or a new model (``train`` without ``--init-from``: the default layered model, warm-started
from the summed demo model as every such run is). The project's own model comes first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QWidget

from workstation import project as doc
from workstation.demos.sprite_demo import SPRITE_BUNDLE
from workstation.render.shot_frames import DEMO_BUNDLE

NEW_MODEL = "A new model (from the first, summed digit model's weights; slow to learn)"
TIP = ("The model training begins from. A model that already knows characters like yours may need only "
       "minutes, if your clips teach it anything; a new one needs far longer.")


def starting_models(project: doc.Project) -> list[tuple[str, Path | None]]:
    """(label, bundle folder) of each model a run can start from; None is a new model."""
    own = doc.model_path(project) or DEMO_BUNDLE
    choices: list[tuple[str, Path | None]] = [(f"This project's model ({own.name})", own)]
    if SPRITE_BUNDLE.resolve() != own.resolve():
        choices.append(("The game-character model (sprites)", SPRITE_BUNDLE))
    return [*choices, (NEW_MODEL, None)]


class StartFrom(QComboBox):
    def __init__(self, project: doc.Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.setToolTip(TIP)
        for label, folder in starting_models(project):
            self.addItem(label, folder)

    def arguments(self) -> list[str]:
        """``--init-from BUNDLE`` for ``main.py train``, or nothing for a new model."""
        folder = self.currentData()
        return [] if folder is None else ["--init-from", str(folder)]
