"""Write rendered frame sequences to disk as a PNG folder, an MP4 video or a looping GIF.

Frames arrive one at a time as float32 arrays in ``[0, 1]`` in the model's NCHW layout without N:
RGB ``[3, H, W]``, straight (not premultiplied) RGBA ``[4, H, W]`` written as RGBA PNGs (MP4 and GIF
have no alpha and refuse it), or one grey channel ``[1, H, W]`` (an alpha matte), so a long render
never holds every frame in memory; only GIF buffers its frames, as 8-bit images after scaling,
because the GIF encoder needs all of them at once (a GIF over 2 GiB of frames is refused before
anything is rendered).

Each frame is scaled up by an integer ``scale`` (``smooth=False``: nearest neighbour, crisp pixels;
``smooth=True``: bicubic, clipped to [0, 1]), then converted to 8 bits with rounding. A written
frame is at most ``MAX_SIDE`` (16384) pixels a side: a larger scale is refused before allocating.

Formats (``encoders.py``):

* ``png``: the output path is a folder holding ``frame_0000.png``, ``frame_0001.png``, ... with
  the number zero-padded to ``max(4, digits of frame_count)``. With ``force`` an existing folder is
  replaced by the new frames; whatever else it held (files not named ``frame_<digits>.png``) is
  carried over into the new folder, never lost.
* ``mp4``: H.264 (libx264, yuv420p, CRF 18) written by PyAV. It needs an even width and height: an
  odd-sized frame is padded with ONE black pixel column at the right and/or ONE black pixel row at
  the bottom (never rescaled), so the picture itself stays pixel-exact in geometry.
* ``gif``: looping forever, each frame shown ``round(1000 / fps)`` ms (at least 10 ms; the GIF
  format stores durations in 10 ms units). Encoded with ``cv2.imencodeanimation`` using a
  per-frame adaptive palette (octree, 256 colours) after light Floyd-Steinberg dithering, which
  reproduces frames with few colours exactly and smooth frames within a few levels.

Every output goes through ``workstation.safe_write`` (docs/DESIGN.md, "Errors and writing
outputs"): the name is claimed (a second writer is refused in one line), the frames go to a fresh
hidden temporary beside it (a staging folder for PNG), all bytes through Python files so a full or
read-only disk fails at once; an MP4 or GIF is read back by ``workstation.media`` (frame count and
size) before it is renamed over the target; on any error the previous output is untouched.

This package depends on numpy, OpenCV, PyAV and the workstation's core (errors, safe_write, media).
"""

from export.frames.encoders import GIF_MIN_DURATION_MS, GIF_PARAMS, MP4_CODEC, FrameWriteError, frame_name
from export.frames.writer import (
    FORMATS,
    FRAME_PATTERN,
    GIF_MAX_BYTES,
    MAX_SIDE,
    FrameWriter,
    output_exists,
    output_size,
    write_frames,
)

__all__ = ["FORMATS", "FRAME_PATTERN", "GIF_MAX_BYTES", "GIF_MIN_DURATION_MS", "GIF_PARAMS", "MAX_SIDE",
           "MP4_CODEC", "FrameWriteError", "FrameWriter", "frame_name", "output_exists", "output_size",
           "write_frames"]
