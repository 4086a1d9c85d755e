"""The Qt binding must not lose references to None: PySide6 6.12.0 on Python 3.11 drops one per
call of a void method, and the app then aborts ("none_dealloc") within seconds of playback.

Only the reference count of a mortal None can show the leak; from Python 3.12 None is immortal and
its count never moves, so there the binding must be a version this suite has run the app with on
that Python (add a row to TESTED after running the suite with another pair)."""

import sys

import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QPoint

# (Python major, minor) -> the PySide6 minor versions the whole suite passed with on it
TESTED = {(3, 11): ("6.11",)}


def test_the_qt_binding_is_one_tested_on_this_python():
    python = sys.version_info[:2]
    binding = ".".join(pyside_version.split(".")[:2])
    assert binding in TESTED.get(python, ()), (
        f"PySide6 {pyside_version} has not been tested on Python {python[0]}.{python[1]} "
        f"(tested: {TESTED}); PySide6 6.12.0 aborts on 3.11")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12: its count cannot move")
def test_void_qt_calls_keep_none_alive():
    point = QPoint()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1)
    assert sys.getrefcount(None) >= before - 10
