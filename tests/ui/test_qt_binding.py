"""The pinned Qt binding must not lose references to None: PySide6 6.12.0 on Python 3.11 drops one
per call of a void method, and the app then aborts ("none_dealloc") within seconds of playback."""

import sys

from PySide6.QtCore import QPoint


def test_void_qt_calls_keep_none_alive():
    point = QPoint()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1)
    assert sys.getrefcount(None) >= before - 10
