"""The Library: the project's clips, one row each (thumbnail, name, frame count, size and speed),
and under them the frames of the selected clip, one at a time (``clip_frames.py``). Clips (from
their row) and frames (from the picture under the list) drag out onto the Canvas, a character or
the Inspector, each with a small picture kept clear of the pointer (``drag_image.py``); video files
drop in from the desktop to be imported. The thumbnails' size is the animator's (Preferences)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QSplitter, QTreeWidget, QTreeWidgetItem, QWidget

from workstation import project as doc
from workstation.media import Clip, MediaError, thumbnail
from workstation.ui.mime import MIME_TYPE, DraggedMedia, to_mime
from workstation.ui.panels.clip_frames import ClipFrames
from workstation.ui.panels.drag_image import media_drag
from workstation.ui.view.qimages import rgb8_to_qimage

ICON = 48  # the thumbnails' side in pixels, unless Preferences say otherwise
MEDIA_ROLE = Qt.ItemDataRole.UserRole
EMPTY_HINT = "Drop video files, GIFs, images or image folders here, or use File ▸ Import Clip…"


class Library(QTreeWidget):
    files_dropped = Signal(list)  # local paths dropped from the desktop

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.thumbnail_size = ICON
        self.setIconSize(QSize(ICON, ICON))
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("Drag a clip onto a character for its motion, or onto the Canvas for its first frame; "
                        "pick any other frame under the list")
        self.project: doc.Project | None = None
        self._clips: dict[str, Clip] = {}
        self._pending_icons: list[QTreeWidgetItem] = []
        self._icon_timer = QTimer(self)
        self._icon_timer.setInterval(0)
        self._icon_timer.timeout.connect(self._load_some_icons)
        self.frames = ClipFrames(self._clip)  # laid out under the list by ``panel``
        self.frames.set_preview_size(2 * ICON)
        self.currentItemChanged.connect(lambda item, previous: self._show_frames_of(item))

    def panel(self) -> QWidget:
        """The list with the selected clip's frames under it: what the Library dock shows."""
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self)
        splitter.addWidget(self.frames)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        return splitter

    # -- contents --------------------------------------------------------------------------------
    def set_project(self, project: doc.Project) -> None:
        """Show the clips of ``project`` (call again when its clips change)."""
        self.project = project
        current, frame = self.current_clip(), self.frames.frame  # both stay while the list is filled again
        for name in [n for n in self._clips if project.clips.get(n) is None or
                     self._clips[n].path != doc.clip_path(project, n)]:
            self._clips.pop(name).close()
        self.blockSignals(True)  # emptied and filled again: the frame picker follows once, at the end
        self.clear()
        self._pending_icons.clear()
        for name, clip in project.clips.items():
            frames = "1 frame" if clip.frame_count == 1 else f"{clip.frame_count} frames"
            details = f"{frames} · {clip.width}×{clip.height} · {clip.fps:g} fps"
            item = QTreeWidgetItem([f"{name}\n{details}"])
            item.setData(0, MEDIA_ROLE, DraggedMedia(name))
            item.setToolTip(0, f"{doc.clip_path(project, name)}\nDrag onto a character to use its motion")
            self.addTopLevelItem(item)
            self._pending_icons.append(item)
        kept = self.clip_item(current) if current is not None else None
        if kept is not None:
            self.setCurrentItem(kept)
        self.blockSignals(False)
        self._show_frames_of(self.currentItem())
        if kept is not None:
            self.frames.set_frame(frame)
        self._icon_timer.start()

    def set_thumbnail_size(self, side: int) -> None:
        """Show the clips' thumbnails (and the chosen frame, twice as large) at ``side`` pixels."""
        if side == self.thumbnail_size:
            return
        self.thumbnail_size = side
        self.setIconSize(QSize(side, side))
        self.frames.set_preview_size(2 * side)
        self._pending_icons = self._clip_items()
        self._icon_timer.start()

    def clip_item(self, name: str) -> QTreeWidgetItem | None:
        return next((item for item in self._clip_items() if item.data(0, MEDIA_ROLE).clip == name), None)

    def current_clip(self) -> str | None:
        item = self.currentItem()
        return item.data(0, MEDIA_ROLE).clip if item is not None else None

    def show_frame(self, name: str, frame: int) -> None:
        """Select the clip ``name`` and pick its ``frame`` under the list (to drag it out)."""
        item = self.clip_item(name)
        if item is None:
            raise KeyError(f"no clip {name!r} in the Library")
        self.setCurrentItem(item)
        self.frames.set_frame(frame)

    def _show_frames_of(self, item: QTreeWidgetItem | None) -> None:
        name = item.data(0, MEDIA_ROLE).clip if item is not None else None
        clip = self.project.clips[name] if name is not None and self.project is not None else None
        self.frames.show_clip(name, clip.frame_count if clip else 0, clip.fit if clip else "crop")

    def _clip_items(self) -> list[QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _clip(self, name: str) -> Clip | None:
        if name not in self._clips and self.project is not None and name in self.project.clips:
            try:
                self._clips[name] = Clip(doc.clip_path(self.project, name), known=self.project.clips[name])
            except MediaError:
                return None
        return self._clips.get(name)

    def _load_some_icons(self, count: int = 24) -> None:
        """Decode thumbnails a few at a time, so many clips never freeze the window."""
        side = self.thumbnail_size
        for _ in range(min(count, len(self._pending_icons))):
            item = self._pending_icons.pop(0)
            media: DraggedMedia = item.data(0, MEDIA_ROLE)
            clip = self._clip(media.clip)
            if clip is None:
                item.setToolTip(0, f"cannot read clip {media.clip!r}")
                continue
            try:
                image = thumbnail(clip.frame(media.frame_or_first), side)
            except (MediaError, IndexError):
                continue
            pixmap = QPixmap.fromImage(rgb8_to_qimage(image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
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

    def startDrag(self, supportedActions) -> None:
        """A row dragged out: its clip, shown by its thumbnail beside the pointer (not the whole row over it)."""
        items = self.selectedItems()
        mime = self.mimeData(items)
        if mime is None:
            return
        icon = items[0].icon(0)
        picture = icon.pixmap(self.iconSize()) if not icon.isNull() else None
        media_drag(self, mime, picture).exec(Qt.DropAction.CopyAction)

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
