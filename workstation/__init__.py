"""Stopframe's workstation, in layers (docs/DESIGN.md, "Architecture"): ``kernel``, then ``project``
and ``media``, ``render``, ``output``, the headless ``commands`` and ``demos``, and the Qt user
interface in ``ui``. Only ``ui`` knows Qt; nothing here knows torch."""

__version__ = "0.1.0"  # the one source of the version: pyproject.toml reads it (tool.setuptools.dynamic)
