"""The animator's preferences (``workstation.preferences.Preferences``) in the window's QSettings,
under ``preferences/``. A value missing, out of range or not understood reads as its default (or
the nearest allowed value), never as an error: the settings file is the user's to edit."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor

from workstation.preferences import (
    AUTOSAVE_MINUTES,
    NEW_SHOT_FPS,
    ONION_FRAMES,
    RENDER_DEVICES,
    THUMBNAIL_SIZE,
    Preferences,
    clamp,
)
from workstation.render.onion import Colour, OnionStyle

KEY = "preferences/"


def colour_name(colour: Colour) -> str:
    return QColor.fromRgbF(*colour).name()


def colour_of(name: object, default: Colour) -> Colour:
    colour = QColor(str(name)) if name else QColor()
    if not colour.isValid():
        return default
    return (colour.red() / 255, colour.green() / 255, colour.blue() / 255)


def _number(settings: QSettings, key: str, default: float) -> float:
    try:
        return float(settings.value(KEY + key, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def read_preferences(settings: QSettings) -> Preferences:
    defaults, onion = Preferences(), OnionStyle()
    fps = _number(settings, "new_shot_fps", 0.0)
    device = str(settings.value(KEY + "render_device", defaults.render_device))
    return Preferences(
        autosave_minutes=int(clamp(_number(settings, "autosave_minutes", defaults.autosave_minutes), AUTOSAVE_MINUTES)),
        onion=OnionStyle(
            frames=int(clamp(_number(settings, "onion_frames", onion.frames), ONION_FRAMES)),
            opacity=clamp(_number(settings, "onion_opacity", onion.opacity), (0.0, 1.0)),
            earlier=colour_of(settings.value(KEY + "onion_earlier"), onion.earlier),
            later=colour_of(settings.value(KEY + "onion_later"), onion.later)),
        new_shot_fps=clamp(fps, NEW_SHOT_FPS) if fps > 0 else None,
        render_device=device if device in RENDER_DEVICES else defaults.render_device,
        thumbnail_size=int(clamp(_number(settings, "thumbnail_size", defaults.thumbnail_size), THUMBNAIL_SIZE)),
    )


def write_preferences(settings: QSettings, preferences: Preferences) -> None:
    values = {
        "autosave_minutes": preferences.autosave_minutes,
        "onion_frames": preferences.onion.frames,
        "onion_opacity": preferences.onion.opacity,
        "onion_earlier": colour_name(preferences.onion.earlier),
        "onion_later": colour_name(preferences.onion.later),
        "new_shot_fps": preferences.new_shot_fps or 0.0,
        "render_device": preferences.render_device,
        "thumbnail_size": preferences.thumbnail_size,
    }
    for key, value in values.items():
        settings.setValue(KEY + key, value)
    settings.sync()
