"""Bad media, as a corpus the test writes: random bytes with every extension, zero-byte files,
truncated copies of real files of each kind (written here with OpenCV), folders holding no image or
a broken one, files too large to decode, and things that are not files at all (a FIFO, a socket,
a device, a symlink loop).

Each gives one MediaError line naming the file, from ``probe`` and ``Clip`` alike, and nothing else
on stdout or stderr (captured at the file descriptors: the decoders' own C-level complaints count).
A truncated video or GIF may instead open with the frames that do decode, quietly too.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.kernel.errors import StopframeError
from workstation.media import GIF_EXTENSIONS, IMAGE_EXTENSIONS, Clip, MediaError, probe

ROOT = Path(__file__).resolve().parents[1]
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", "")
ALL_EXTENSIONS = IMAGE_EXTENSIONS + GIF_EXTENSIONS + VIDEO_EXTENSIONS
CUTS = (0.0, 0.02, 0.1, 0.25, 0.5, 0.75, 0.95, -1)  # fractions of the file kept; -1: all but the last byte
OPENERS = {"probe": probe, "Clip": Clip}


def picture(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((h, w, 3), np.uint8)
    image[:, : w // 2] = rng.integers(0, 256, 3, dtype=np.uint8)
    image[h // 2 :, :] += rng.integers(0, 256, (h - h // 2, w, 3), dtype=np.uint8)
    return image


def real_files(folder: Path) -> dict[str, tuple[Path, int]]:
    """A real file of each kind OpenCV writes: extension -> (path, frame count)."""
    made: dict[str, tuple[Path, int]] = {}
    for ext in (".png", ".jpg", ".bmp", ".webp", ".tif"):
        path = folder / f"real{ext}"
        assert cv2.imwrite(str(path), picture())
        made[ext] = (path, 1)
    animation = cv2.Animation()
    animation.frames = [picture(seed=i) for i in range(6)]
    animation.durations = [40] * 6
    assert cv2.imwriteanimation(str(folder / "real.gif"), animation)
    made[".gif"] = (folder / "real.gif", 6)
    for ext, fourcc in ((".mp4", "mp4v"), (".avi", "MJPG")):
        path = folder / f"real{ext}"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25, (64, 48))
        for i in range(12):
            writer.write(picture(seed=i))
        writer.release()
        made[ext] = (path, 12)
    return made


def assert_one_quiet_line(capfd, opener, target: Path, named: Path, *fragments: str) -> str:
    with pytest.raises(MediaError) as error:
        opener(target)
    message = str(error.value)
    assert len(message.splitlines()) == 1 and "\n" not in message and "\r" not in message, message
    assert message.startswith(f"{named}: "), message
    for fragment in fragments:
        assert fragment in message, message
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), (target, message, out, err)
    return message


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The generated corpus: (name, target, file the message names, fragments it contains)."""
    folder = tmp_path_factory.mktemp("bad_media")
    rng = np.random.default_rng(12)
    cases: list[tuple[str, Path, Path, tuple[str, ...]]] = []
    for i, ext in enumerate(ALL_EXTENSIONS):
        random = folder / f"random{i}{ext}"
        random.write_bytes(rng.integers(0, 256, int(rng.integers(1, 50_000)), dtype=np.uint8).tobytes())
        cases.append((f"random bytes {ext or 'no extension'}", random, random, ("OpenCV can decode",)))
        zero = folder / f"zero{i}{ext}"
        zero.write_bytes(b"")
        cases.append((f"zero bytes {ext or 'no extension'}", zero, zero, ("OpenCV can decode",)))
    for name, content in (("only text", {"notes.txt": b"hi", "clip.mp4.txt": b"x"}), ("nothing", {}),
                          ("hidden only", {".frame1.png": b"junk"})):
        empty = folder / name
        empty.mkdir()
        for file, data in content.items():
            (empty / file).write_bytes(data)
        cases.append((f"folder with {name}", empty, empty, ("no images",)))
    for ext in IMAGE_EXTENSIONS:
        mixed = folder / f"mixed{ext[1:]}"
        mixed.mkdir()
        assert cv2.imwrite(str(mixed / "frame1.png"), picture())
        (mixed / f"frame2{ext}").write_bytes(b"this is text, not an image\n")
        cases.append((f"folder with a text file named {ext}", mixed, mixed / f"frame2{ext}", ("OpenCV can decode",)))
    sizes = folder / "sizes"
    sizes.mkdir()
    assert cv2.imwrite(str(sizes / "a1.png"), picture())
    assert cv2.imwrite(str(sizes / "a2.png"), picture(24, 32))
    cases.append(("folder of two sizes", sizes, sizes / "a2.png", ("32x24", "same size")))
    giant = folder / "giant.png"
    giant.write_bytes(png_header_only(40_000, 40_000))
    cases.append(("40000x40000 PNG", giant, giant, ("too large to decode", "40000x40000")))
    loop = folder / "loop.mp4"
    loop.symlink_to(loop)
    cases.append(("symlink loop", loop, loop, ("cannot read",)))
    dangling = folder / "dangling.png"
    dangling.symlink_to(folder / "gone.png")
    cases.append(("dangling symlink", dangling, dangling, ("no such file",)))
    return cases


def test_every_file_of_the_corpus_gives_one_quiet_line(corpus, capfd):
    capfd.readouterr()
    for _name, target, named, fragments in corpus:
        for opener in OPENERS.values():
            assert_one_quiet_line(capfd, opener, target, named, *fragments)
    assert len(corpus) >= 40


def test_truncated_files_of_each_kind_fail_in_one_line_or_open_what_decodes(tmp_path, capfd):
    """Every kind cut at eight points: an image gives one line; a video or GIF either gives one line
    or opens with the frames before the cut (FFmpeg reads what is there), never with more."""
    failed = opened = 0
    for ext, (path, frames) in real_files(tmp_path).items():
        data = path.read_bytes()
        capfd.readouterr()
        for cut in CUTS:
            keep = len(data) - 1 if cut == -1 else int(len(data) * cut)
            target = tmp_path / f"cut{keep}{ext}"
            target.write_bytes(data[:keep])
            for opener in OPENERS.values():
                try:
                    clip = opener(target)
                except MediaError as error:
                    assert len(str(error).splitlines()) == 1 and str(error).startswith(f"{target}: ")
                    failed += 1
                else:
                    assert ext in (".gif", ".avi", ".mp4"), f"a truncated {ext} opened: {target}"
                    assert 1 <= len(clip) <= frames if isinstance(clip, Clip) else 1 <= clip.frame_count <= frames
                    opened += 1
                assert capfd.readouterr() == ("", ""), target
    assert failed >= 100 and failed + opened == 8 * len(CUTS) * 2


def test_a_clip_damaged_after_import_fails_per_frame_in_one_quiet_line(tmp_path, capfd):
    """The project remembers what the clip was; the file is then cut short: opening trusts the
    project, the frames past the cut each give one line."""
    path, frames = real_files(tmp_path)[".avi"]
    known = probe(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    capfd.readouterr()
    clip = Clip(path, known=known)
    assert clip.frame(0).shape == (48, 64, 3)
    with pytest.raises(MediaError) as error:
        clip.frame(frames - 1)
    assert re.fullmatch(rf"{re.escape(str(path))}: frame \d+ failed to decode", str(error.value)), error.value
    assert capfd.readouterr() == ("", "")


class OpenWatch:
    """Notices whether anything opens the FIFO ``path`` for reading (and so unblocks it)."""

    def __init__(self, path: Path):
        self.path, self.opened, self._stop = path, False, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader
                continue
            self.opened = True
            os.close(fd)

    def stop(self) -> bool:
        self._stop.set()
        self._thread.join()
        return self.opened


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("ext", [".mp4", ".png", ".gif", ""])
def test_a_fifo_is_refused_without_being_opened(tmp_path, capfd, ext):
    fifo = tmp_path / f"pipe{ext}"
    os.mkfifo(fifo)
    watch = OpenWatch(fifo)
    try:
        for opener in OPENERS.values():
            assert_one_quiet_line(capfd, opener, fifo, fifo, "named pipe (FIFO)", "not opened")
        time.sleep(0.1)
    finally:
        assert not watch.stop(), "the FIFO was opened"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets on this platform")
def test_a_socket_and_a_device_are_refused(tmp_path, capfd):
    path = tmp_path / "s.mp4"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        for opener in OPENERS.values():
            assert_one_quiet_line(capfd, opener, path, path, "a socket")
    finally:
        server.close()
    if Path("/dev/zero").exists():  # reading it would never end
        for opener in OPENERS.values():
            assert_one_quiet_line(capfd, opener, Path("/dev/zero"), Path("/dev/zero"), "character device")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` grey pixels but holds two rows of them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = zlib.compress(b"\x00" * (width + 1) * 2)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


MEMORY_PRESSURE = """
import os, resource, sys
from workstation.media import MediaError, probe
path = sys.argv[1]
# Leave 150 MB of address space: far less than the 400 MB the decoder asks for the image.
used = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
resource.setrlimit(resource.RLIMIT_AS, (used + (150 << 20), resource.RLIM_INFINITY))
try:
    probe(path)
except MediaError as error:
    print(error)
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc to limit memory")
def test_a_large_png_under_memory_pressure_is_called_too_large(tmp_path):
    """20000 x 20000 pixels with 150 MB to spare: the decoder's allocation fails. Without the limit
    the same file decodes until its data runs out, and is called undecodable (it is damaged)."""
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(20_000, 20_000))
    done = subprocess.run([sys.executable, "-c", MEMORY_PRESSURE, str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stderr == "" and done.returncode == 0, done.stderr
    expected = "too large to decode: not enough memory (20000x20000 pixels, about 1,200 MB decoded)"
    assert done.stdout == f"{path}: {expected}\n"


def test_an_allocation_that_fails_is_not_called_undecodable(tmp_path, monkeypatch, capfd):
    """The same, in-process: OpenCV's "Insufficient memory" and Python's MemoryError are reported as such."""
    path = tmp_path / "big.jpg"
    assert cv2.imwrite(str(path), picture(60, 80))
    capfd.readouterr()

    def no_memory(*args, **kwargs):
        error = cv2.error("OpenCV(5.0.0) alloc.cpp:73: error: (-4:Insufficient memory) Failed to allocate")
        error.code = int(cv2.Error.StsNoMem)
        raise error

    def memory_error(*args, **kwargs):
        raise MemoryError()

    for failure in (no_memory, memory_error):
        monkeypatch.setattr(cv2, "imdecode", failure)
        for opener in OPENERS.values():
            message = assert_one_quiet_line(capfd, opener, path, path, "too large to decode: not enough memory")
            assert "80x60 pixels" in message


def test_media_error_is_the_projects_error_type():
    assert issubclass(MediaError, StopframeError) and issubclass(MediaError, RuntimeError)
    error = MediaError("not a video OpenCV can decode", "a\nb.mp4")
    assert str(error) == "a b.mp4: not a video OpenCV can decode" and error.path == Path("a\nb.mp4")
