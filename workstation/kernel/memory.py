"""Frames reuse the memory of the frames before them.

A frame at the output size is megabytes (a 720p float32 frame is 11 MiB), and rendering one makes
several such arrays and frees them. glibc hands out every block over its mmap threshold (128 KiB at
first) as fresh pages from the kernel and gives them back when freed, so every frame touches new
pages: in a virtual machine each page's first touch is a fault costing microseconds, and a drag of
the sprite demo's walker at 512x512 took 4.1 ms where its arithmetic takes 1.3 ms (measured with
``benchmarks/output_size.py --demo sprites``). Raising the mmap threshold (to 32 MiB, glibc's
largest) and the trim threshold (to 128 MiB) keeps freed blocks in the heap for the next frame.
The memory is reused, not grown: the caches still bound what is kept.

Only the entry points call this (``main.py`` and the benchmarks): it changes the whole process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 32 << 20  # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc: mallopt refuses more
TRIM_THRESHOLD = 128 << 20


def reuse_freed_memory() -> bool:
    """Keep freed frame-sized blocks for reuse (glibc on Linux); False where there is nothing to
    set (another C library or system), which changes nothing else."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt  # glibc's; musl has none
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
