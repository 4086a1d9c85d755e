"""The current shot's in and out points: stored in the shot (``Shot.in_point``, ``Shot.out_point``,
saved with the project), shown by the Timeline's markers and played by the Player.

Setting them (I and O, Clear In/Out, on the Timeline or through the Playback menu) is a change of
the document, so it is saved and undone like any other. Like a drag on the Canvas, a run of such
changes on one shot with nothing else in between is one undo step: pressing I and O a few times
to find the range is not a dozen steps to undo. An out point at the shot's last frame is stored as
"the last frame" (None), so the range stays the whole shot when the shot grows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.view.playback import Player
from workstation.ui.view.timeline import Timeline


def set_in_out(document: ProjectDocument, first: int, last: int) -> bool:
    """Set the current shot's in and out points (frames, inclusive; merging with the previous
    change of them); False (and no undo step) when there is no shot or they already are so."""
    shot = document.shot()
    if shot is None:
        return False
    first, last = sorted((max(0, int(first)), max(0, int(last))))
    out = None if last >= shot.length - 1 else last
    if (shot.in_point, shot.out_point) == (first, out):
        return False

    def change(s: doc.Shot) -> None:
        s.in_point, s.out_point = first, out

    document.edit_shot(f"In and out points of {shot.name}", change, ("in-out", shot.name))
    return True


class InOutPoints(QObject):
    """Keeps the Timeline's markers and the Player's range on the current shot's points, and
    stores the points the user sets on the Timeline in the shot."""

    def __init__(self, document: ProjectDocument, timeline: Timeline, player: Player,
                 show_problem: Callable[[str], None]):
        super().__init__(document)
        self.document, self.timeline, self.player, self.show_problem = document, timeline, player, show_problem
        timeline.range_changed.connect(self._store)
        for signal in (document.replaced, document.changed, document.selection_changed):
            signal.connect(self.follow)
        self.follow()

    def follow(self) -> None:
        shot = self.document.shot()
        first, last = shot.in_out() if shot is not None else (0, 0)
        self.timeline.set_range(first, last)
        self.player.set_range(first, last)

    def _store(self, first: int, last: int) -> None:
        try:
            set_in_out(self.document, first, last)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))
        self.follow()  # the markers show the document, also when the change was refused
