"""Rendering: the model bundle contract, the engine that runs it over a project's frames (with a
renderer per bundle kind), the numpy geometry and compositing, and the onion skin. No Qt, no torch."""
