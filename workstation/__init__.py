"""Stopframe's workstation: the core (document, media, engine, rendering; no Qt, no torch) and the
Qt user interface in ``workstation.ui``."""

__version__ = "0.1.0"  # the one source of the version: pyproject.toml reads it (tool.setuptools.dynamic)
