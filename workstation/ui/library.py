"""The Library: the project's clips with thumbnails and frame counts; expand a clip to see its
frames. Clips and frames drag out (onto the Canvas, a character or the Inspector); video files
drop in from the desktop to be imported."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from workstation import project as doc
from workstation.media import Clip, MediaError, thumbnail
from workstation.ui.images import rgb8_to_qimage
from workstation.ui.mime import MIME_TYPE, DraggedMedia, to_mime

ICON = 48
MEDIA_ROLE = Qt.ItemDataRole.UserRole
EMPTY_HINT = "Drop video files, GIFs, images or image folders here, or use File ▸ Import Clip…"


class Library(QTreeWidget):
    files_dropped = Signal(list)  # local paths dropped from the desktop

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setIconSize(QSize(ICON, ICON))
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("Drag a frame onto the Canvas for a background (Shift: a character); "
                        "drag a clip onto a character for its motion")
        self.project: doc.Project | None = None
        self._clips: dict[str, Clip] = {}
        self._pending_icons: list[QTreeWidgetItem] = []
        self._icon_timer = QTimer(self)
        self._icon_timer.setInterval(0)
        self._icon_timer.timeout.connect(self._load_some_icons)
        self.itemExpanded.connect(self._fill_frames)

    # -- contents --------------------------------------------------------------------------------
    def set_project(self, project: doc.Project) -> None:
        """Show the clips of ``project`` (call again when its clips change)."""
        self.project = project
        expanded = {item.data(0, MEDIA_ROLE).clip for item in self._clip_items() if item.isExpanded()}
        for name in [n for n in self._clips if project.clips.get(n) is None or
                     self._clips[n].path != doc.clip_path(project, n)]:
            self._clips.pop(name).close()
        self.clear()
        self._pending_icons.clear()
        for name, clip in project.clips.items():
            frames = "1 frame" if clip.frame_count == 1 else f"{clip.frame_count} frames"
            details = f"{frames} · {clip.width}×{clip.height} · {clip.fps:g} fps"
            item = QTreeWidgetItem([f"{name}\n{details}"])
            item.setData(0, MEDIA_ROLE, DraggedMedia(name))
            item.setToolTip(0, f"{doc.clip_path(project, name)}\nDrag onto a character to use its motion")
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.addTopLevelItem(item)
            self._pending_icons.append(item)
            if name in expanded:
                item.setExpanded(True)
        self._icon_timer.start()

    def clip_item(self, name: str) -> QTreeWidgetItem | None:
        return next((item for item in self._clip_items() if item.data(0, MEDIA_ROLE).clip == name), None)

    def _clip_items(self) -> list[QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in items if item is not None]

    def frame_item(self, name: str, frame: int) -> QTreeWidgetItem | None:
        item = self.clip_item(name)
        if item is None:
            return None
        self._fill_frames(item)
        return item.child(frame) if 0 <= frame < item.childCount() else None

    def _clip(self, name: str) -> Clip | None:
        if name not in self._clips and self.project is not None:
            try:
                self._clips[name] = Clip(doc.clip_path(self.project, name), known=self.project.clips[name])
            except MediaError:
                return None
        return self._clips.get(name)

    def _fill_frames(self, item: QTreeWidgetItem) -> None:
        media: DraggedMedia = item.data(0, MEDIA_ROLE)
        if item.childCount() or self.project is None or not media.is_clip:
            return
        for k in range(self.project.clips[media.clip].frame_count):
            child = QTreeWidgetItem([f"frame {k}"])
            child.setData(0, MEDIA_ROLE, DraggedMedia(media.clip, k))
            child.setToolTip(0, "Drag onto the Canvas: background (Shift or onto a character: a new character)")
            item.addChild(child)
            self._pending_icons.append(child)
        self._icon_timer.start()

    def _load_some_icons(self, count: int = 24) -> None:
        """Decode thumbnails a few at a time, so a long clip never freezes the window."""
        for _ in range(min(count, len(self._pending_icons))):
            item = self._pending_icons.pop(0)
            media: DraggedMedia = item.data(0, MEDIA_ROLE)
            clip = self._clip(media.clip)
            if clip is None:
                item.setToolTip(0, f"cannot read clip {media.clip!r}")
                continue
            try:
                image = thumbnail(clip.frame(media.frame_or_first), ICON)
            except (MediaError, IndexError):
                continue
            pixmap = QPixmap.fromImage(rgb8_to_qimage(image).scaled(ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                                                   Qt.TransformationMode.FastTransformation))
            item.setIcon(0, QIcon(pixmap))
        if not self._pending_icons:
            self._icon_timer.stop()

    def load_all_icons(self) -> None:
        while self._pending_icons:
            self._load_some_icons()

    # -- drag out ----------------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, items):
        return to_mime(items[0].data(0, MEDIA_ROLE)) if items else None

    def supportedDropActions(self):
        return Qt.DropAction.CopyAction

    # -- drop in (files from the desktop) ---------------------------------------------------------------
    @staticmethod
    def _local_files(event) -> list[str]:
        data = event.mimeData()
        if data.hasFormat(MIME_TYPE) or not data.hasUrls():
            return []
        return [url.toLocalFile() for url in data.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self._local_files(event):
            event.acceptProposedAction()
        elif event.mimeData().hasFormat(MIME_TYPE):
            super().dragEnterEvent(event)  # our own drag starting here
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # library items do not drop onto each other

    def dropEvent(self, event) -> None:
        files = self._local_files(event)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
        else:
            event.ignore()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.topLevelItemCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, EMPTY_HINT)
            painter.end()
