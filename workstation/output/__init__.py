"""Write rendered frame sequences to disk: a PNG folder, a video (MP4, ProRes MOV, VP9 WebM), an
animation (GIF, APNG, WebP) or a sprite sheet.

Frames arrive one at a time as float32 arrays in ``[0, 1]`` in the model's NCHW layout without N:
RGB ``[3, H, W]``, straight (not premultiplied) RGBA ``[4, H, W]``, or one grey channel
``[1, H, W]`` (an alpha matte). Formats with alpha (png, mov, webm, apng, webp, sprites) keep an
RGBA frame's alpha and give RGB and grey frames an opaque one (a PNG folder writes them as RGB and
grey PNGs); mp4 and gif have none and refuse RGBA frames; grey is written as grey RGB wherever the
format has no grey of its own. So a long render never holds every frame in memory, only GIF and the
sprite sheet buffer theirs, as 8-bit images, because they are encoded from all of
them at once (a GIF over 2 GiB of frames, or an atlas over ``MAX_SIDE`` a side, is refused before
anything is rendered).

Each frame is written at the size it comes (the engine renders at the output size; nothing here
scales), converted to 8 bits with rounding (``pixels.py``). A written frame is at most ``MAX_SIDE``
(16384) pixels a side: larger frames are refused before allocating (``FrameWriter(frame_size=...)``:
before anything is rendered).

Formats (``OutputFormat``, a ``StrEnum``; ``FORMAT_INFO`` in ``formats.py`` lists them for a user
interface: label, extension, alpha; ``has_alpha(fmt)``, ``extension(fmt)``):

* ``png``: the output path is a folder holding ``frame_0000.png``, ``frame_0001.png``, ... (RGB,
  RGBA or grey) with the number zero-padded to ``max(4, digits of frame_count)``. With ``force`` an
  existing folder is replaced by the new frames; whatever else it held (files not named
  ``frame_<digits>.png``) is carried over into the new folder, never lost. Without ``force`` an
  output already there is refused (``OutputExists``, naming it; the caller words the remedy).
* ``mp4``: H.264 (libx264, yuv420p, CRF 18) written by PyAV. It needs an even width and height: an
  odd-sized frame is padded with ONE black pixel column at the right and/or ONE black pixel row at
  the bottom (never rescaled), so the picture itself stays pixel-exact in geometry.
* ``mov``: ProRes 4444 with alpha (``prores_ks``, profile 4444, ``yuva444p10le``), for After
  Effects, Resolve, Krita; any size.
* ``webm``: VP9 with alpha (``libvpx-vp9``, ``yuva420p``, CRF 18, good quality at ``cpu-used`` 5);
  any size (VP9 rounds its chroma planes up, so odd sides need no padding).
* ``apng``: an animated PNG (FFmpeg's ``apng`` encoder and muxer, RGBA, lossless), looping forever.
* ``webp``: an animated WebP (``libwebp_anim``, lossless BGRA, looping forever) written by PyAV,
  which streams the frames to the encoder; every visible pixel is exact (the colour under alpha 0
  is not kept). OpenCV's ``imencodeanimation(".webp")`` keeps alpha too, but needs every frame at
  once and was 50 times slower lossless.
* ``gif``: looping forever, each frame shown ``round(1000 / fps)`` ms (at least 10 ms; the GIF
  format stores durations in 10 ms units). Encoded with ``cv2.imencodeanimation`` using a
  per-frame adaptive palette (octree, 256 colours) after light Floyd-Steinberg dithering, which
  reproduces frames with few colours exactly and smooth frames within a few levels.
* ``sprites``: a sprite sheet (``sprite_sheet.py``): the output path is an RGBA PNG atlas, ``X.png``,
  holding every frame row-major in a grid of equal cells without padding, as close to square as
  possible; beside it ``X.json`` in Aseprite's JSON array form (each frame's rectangle, name and
  duration, ``round(1000 / fps)`` ms; one tag per shot; ``meta.scale`` the enlargement of the
  model's square; ``meta.cell`` the grid) and ``X.tres``, a Godot 4 SpriteFrames resource with one
  animation per shot (``engine_data.py``). ``write_sheet`` puts several shots into one sheet.

Every output goes through ``workstation.kernel.safe_write`` (docs/DESIGN.md, "Errors and writing
outputs"): the name is claimed (a second writer is refused in one line), the frames go to a fresh
hidden temporary beside it (a staging folder for PNG), all bytes through Python files so a full or
read-only disk fails at once; the new file is read back before it is renamed over the target (an
MP4 or GIF by ``workstation.media``, MOV, WebM and APNG by PyAV, WebP by OpenCV: every frame
decoded, the count and size as written, the alpha kept; a sprite sheet's atlas decoded and compared,
its JSON and .tres byte for byte); on any error the previous output is untouched (for a sprite
sheet, all three files: ``sprite_sheet.sheet_output``).

A shot is written by ``write_shot(request, engine)`` (``shot_writer.py``): one ``ExportRequest``
(``export_request.py``: project, shot, frames, layer, format, fps, output size and scaling, target,
overwrite) from File ▸ Export Shot, File ▸ Export All Shots and ``stopframe render`` alike.

This package depends on numpy, OpenCV, PyAV and the workstation's core (errors, safe_write, media,
project, render); never on Qt or torch. This face holds no code: import a name from the module
that defines it (``formats``, ``writer``, ``export_request``, ``shot_writer``), so listing the
formats loads no writer.
"""
