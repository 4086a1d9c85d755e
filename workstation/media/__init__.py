"""Media import for the workstation: videos, image folders, single images, animations
(GIF, APNG, animated WebP, multi-page TIFF) and clips cut from sprite sheets.
Design: docs/DESIGN.md, "Media".

Everything returned here is RGB (OpenCV's BGR is converted on the way in).

- :func:`probe` opens a clip, validates it and describes it (:class:`ClipInfo`)   (``probe.py``).
- :class:`Clip` gives random access to the frames of one clip                       (``clip.py``).
- :func:`fit` turns a frame into a square float32 CHW tensor for the model;
  :func:`thumbnail` shrinks a frame for display                                     (``images.py``).
- ``sprite_sheets.py`` cuts a clip from a sheet by a grid (:class:`GridCut`) or by Aseprite's JSON
  (:class:`TagCut`; the JSON is read by ``aseprite_json.py``); ``clip_specs.py`` reads the command
  line's ``sheet.png:grid=64x64,row=2``.
- ``readers.py`` decodes each kind of file with OpenCV; ``media_error.py`` holds :class:`MediaError`;
  ``headers.py`` reads the size an image declares; ``quiet.py`` keeps the decoders quiet.

Every failure to read a clip raises :class:`MediaError` (a ``workstation.kernel.errors.StopframeError``)
with a single line of text that names the file and the problem, so the UI can show it as it is;
the decoders' own messages are silenced (:func:`quiet`, usable around any OpenCV call). Anything
but a regular file or a folder (a FIFO, a device) is refused without being opened.

Video notes: the frame count in a video's header (``CAP_PROP_FRAME_COUNT``) can be wrong, so it is
counted by decoding.  Seeking with ``CAP_PROP_POS_FRAMES`` is unreliable for some codecs, so
:class:`Clip` only ever decodes forward from the start (reopening the file to go backwards) and
keeps an LRU cache of decoded frames.

This package must not import torch or Qt.
"""

from workstation.media.clip import CACHE_MAX_BYTES, Clip, KnownClip
from workstation.media.images import FIT_MODES, fit, thumbnail
from workstation.media.media_error import MediaError
from workstation.media.probe import DEFAULT_FPS, ClipInfo, probe
from workstation.media.quiet import quiet
from workstation.media.readers import GIF_EXTENSIONS, IMAGE_EXTENSIONS, SHEET_EXTENSIONS, ClipKind
from workstation.media.sprite_sheets import GridCut, SheetSpec, TagCut

__all__ = [
    "MediaError", "ClipInfo", "ClipKind", "Clip", "KnownClip", "probe", "fit", "thumbnail",
    "FIT_MODES", "IMAGE_EXTENSIONS", "GIF_EXTENSIONS", "SHEET_EXTENSIONS", "DEFAULT_FPS", "CACHE_MAX_BYTES", "quiet",
    "GridCut", "TagCut", "SheetSpec",
]
