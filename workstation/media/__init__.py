"""Media import for the workstation: videos, image folders, single images and animations
(GIF, APNG, animated WebP, multi-page TIFF).
Design: docs/DESIGN.md, "Media".

Everything returned here is RGB (OpenCV's BGR is converted on the way in).

- :func:`probe` opens a clip, validates it and describes it (:class:`ClipInfo`)   (``probe.py``).
- :class:`Clip` gives random access to the frames of one clip                       (``clip.py``).
- :func:`fit` turns a frame into a square float32 CHW tensor for the model;
  :func:`thumbnail` shrinks a frame for display                                     (``images.py``).
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
from workstation.media.readers import GIF_EXTENSIONS, IMAGE_EXTENSIONS, ClipKind

__all__ = [
    "MediaError", "ClipInfo", "ClipKind", "Clip", "KnownClip", "probe", "fit", "thumbnail",
    "FIT_MODES", "IMAGE_EXTENSIONS", "GIF_EXTENSIONS", "DEFAULT_FPS", "CACHE_MAX_BYTES", "quiet",
]
