"""The model as the evaluation reaches it, and the paper's manipulation h built from it.

``SceneFunctions`` are the four graphs of a model bundle on numpy: a bundle on the workstation's
engine and a checkpoint's ``TorchScene`` both offer them, so every measurement and figure runs the
same code on either. ``h(x_c, x_t1, x_t2, x_b)`` renders the character of x_c moved as the
character moves from x_t1 to x_t2, over the background of x_b: every manipulation is one call.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeGuard

import numpy as np


class SceneFunctions(Protocol):
    """The model as the bundle's four graphs; arrays are float32 NCHW, images image_size square."""

    @property
    def image_size(self) -> int: ...

    def encode_character(self, images: np.ndarray) -> np.ndarray: ...
    def encode_background(self, images: np.ndarray) -> np.ndarray: ...
    def motion(self, features_from: np.ndarray, features_to: np.ndarray) -> np.ndarray: ...
    def render(self, character: np.ndarray, theta: np.ndarray, background: np.ndarray,
               source: np.ndarray | None = None) -> np.ndarray:
        """The frame; ``source`` is the character's own frame, which a model that draws characters
        from their own pixels needs (``model.colour = "source"``, bundle format 3) and others ignore."""
        ...


class LayeredSceneFunctions(SceneFunctions, Protocol):
    """A layered model adds its two decoders: the plate, and the placed character's RGB and alpha."""

    def plate(self, background: np.ndarray) -> np.ndarray: ...
    def character_layer(self, character: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class BundleScene(SceneFunctions, Protocol):
    """A model bundle opened on the workstation's engine: its graphs as ``SceneFunctions``, the
    line that says where they run, and its model.json."""

    @property
    def device_line(self) -> str: ...

    @property
    def metadata(self) -> dict[str, Any]: ...


class FieldScene(LayeredSceneFunctions, Protocol):
    """A format 3 bundle: its motion graph gives the whole field a character is drawn through (a
    field of parts and all), which its character graph takes."""

    def motion_fields(self, features_from: np.ndarray, features_to: np.ndarray,
                      character: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    def character_parts(self, character: np.ndarray,
                        field: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def draws_by_field(scene: SceneFunctions) -> TypeGuard[FieldScene]:
    """Whether ``scene`` is a format 3 bundle (a checkpoint's TorchScene takes its thetas whole)."""
    bundle = getattr(scene, "bundle", None)
    return hasattr(scene, "motion_fields") and bool(getattr(bundle, "colour_from_source", False))


def is_layered(scene: SceneFunctions) -> TypeGuard[LayeredSceneFunctions]:
    """Whether ``scene`` has the layered decoders (a summed model renders character and background at once)."""
    return bool(getattr(scene, "layered", False))


def h(scene: SceneFunctions, x_c: np.ndarray, x_t1: np.ndarray, x_t2: np.ndarray, x_b: np.ndarray) -> np.ndarray:
    own = getattr(scene, "h", None)
    if own is not None:  # a bundle: its graphs as the contract runs them (a field of parts and all)
        return np.asarray(own(x_c, x_t1, x_t2, x_b))
    theta = scene.motion(scene.encode_character(x_t1), scene.encode_character(x_t2))
    return scene.render(scene.encode_character(x_c), theta, scene.encode_background(x_b), x_c)

