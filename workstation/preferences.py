"""The animator's preferences (Edit ▸ Preferences…), as plain values with their limits; no Qt.
The workstation keeps them in its QSettings (``workstation/ui/shell/settings_store.py``).

The render device is a choice of ONNX Runtime providers (``workstation.render.bundle.open_sessions``):
"auto" and "cuda" try CUDA first and fall back to the CPU, "cpu" uses the CPU alone; "cuda" says
so in one line when it got the CPU.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from dataclasses import dataclass, field

from workstation.render.onion import MAX_GHOST_FRAMES, OnionStyle

RENDER_DEVICES = {"auto": "Automatic (the GPU when there is one)", "cuda": "CUDA (GPU)", "cpu": "CPU"}
AUTOSAVE_MINUTES = (1, 120)
ONION_FRAMES = (1, MAX_GHOST_FRAMES)
NEW_SHOT_FPS = (1.0, 120.0)
THUMBNAIL_SIZE = (24, 256)
CUDA_UNAVAILABLE = "CUDA is not available on this computer (no CUDA GPU or driver found): rendering on the CPU"


@dataclass(frozen=True)
class Preferences:
    autosave_minutes: int = 1
    onion: OnionStyle = field(default_factory=OnionStyle)
    new_shot_fps: float | None = None  # None: a new shot takes its background clip's frame rate
    render_device: str = "auto"  # a key of RENDER_DEVICES
    thumbnail_size: int = 48  # the Library's clip thumbnails, in pixels

    @property
    def autosave_ms(self) -> int:
        return self.autosave_minutes * 60_000

    @property
    def prefer_cuda(self) -> bool:
        return self.render_device != "cpu"


def clamp(value: float, limits: tuple[float, float]) -> float:
    return min(max(value, limits[0]), limits[1])


@functools.cache
def cuda_available() -> bool:
    """Whether ONNX Runtime here can render on a CUDA GPU: its CUDA provider is installed and the
    NVIDIA driver sees a GPU. (The provider alone is listed by every onnxruntime-gpu, GPU or not.)"""
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        return False
    try:
        driver = ctypes.CDLL("nvcuda.dll" if sys.platform == "win32" else "libcuda.so.1")
        count = ctypes.c_int(0)
        return driver.cuInit(0) == 0 and driver.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except (OSError, AttributeError):  # no NVIDIA driver
        return False


def device_line(device: str, wanted: str) -> str:
    """What the status bar says about the device an engine renders on ("CPU" or "CUDA"), given the
    render device the animator chose."""
    if device == "CUDA":
        return "rendering on CUDA (GPU)"
    if wanted == "cpu":
        return "rendering on CPU (chosen in Preferences)"
    if wanted == "cuda":
        return "rendering on CPU: CUDA is not available on this computer"
    return "rendering on CPU (no usable CUDA GPU found)"
