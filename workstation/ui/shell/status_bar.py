"""The main window's status bar: a message on the left, the permanent labels on the right (device,
render time, playback, output size).

Qt draws a message up to 2 pixels from the first permanent label and cuts it there, mid-letter, so
a long one (a path and its problem) reads as if it ran on into that label. This one keeps a clear
``GAP`` before the labels, shortens the message in its middle with "…" (so both the file and the
problem stay in sight), and puts the whole line in its tooltip. ``currentMessage`` is the whole
line, as with Qt's."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizeGrip, QStatusBar, QStyle, QStyleOption, QWidget

GAP = 16  # pixels between the end of a message and the first label on its right
MARGIN = 6  # before a message, as Qt leaves


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.messageChanged.connect(lambda message: self._tell_whole(message))

    def _labels(self) -> list[QWidget]:
        """The widgets shown in the bar (while a message shows: the permanent ones), left to right."""
        shown = [child for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                 if child.isVisible() and not isinstance(child, QSizeGrip)]
        return sorted(shown, key=lambda widget: widget.x())

    def message_rect(self) -> QRect:
        """Where the message is drawn: from the left margin to ``GAP`` before the first label."""
        labels = self._labels()
        right = labels[0].x() - GAP if labels else self.width() - MARGIN
        return QRect(MARGIN, 0, max(0, right - MARGIN), self.height())

    def shown_message(self) -> str:
        """The message as it fits: whole, or shortened in its middle."""
        return self.fontMetrics().elidedText(self.currentMessage(), Qt.TextElideMode.ElideMiddle,
                                             self.message_rect().width())

    def _tell_whole(self, message: str) -> None:
        self.setToolTip(message if message and self.shown_message() != message else "")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._tell_whole(self.currentMessage())

    def paintEvent(self, event: QPaintEvent) -> None:
        """Qt's drawing (the panel, a frame around each label), but the message within ``message_rect``."""
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        for label in self._labels():
            frame = QStyleOption()
            frame.rect = label.geometry().adjusted(-2, -1, 2, 1)
            frame.palette = self.palette()
            frame.state = QStyle.StateFlag.State_None
            self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame, painter, label)
        if self.currentMessage():
            painter.setPen(self.palette().windowText().color())
            painter.drawText(self.message_rect(), Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                             | Qt.TextFlag.TextSingleLine, self.shown_message())
        painter.end()
