"""A trained SceneModel seen through the bundle's four functions, on numpy arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from training.model.scene_model import SceneModel


class TorchScene:
    def __init__(self, model: SceneModel, device: str = "cpu", batch_size: int = 500):
        self.model = model.to(device).eval()
        self.device = device
        self.batch_size = batch_size

    @property
    def image_size(self) -> int:
        return self.model.config.image_size

    def _run(self, function: Callable[..., torch.Tensor], *arrays: np.ndarray) -> np.ndarray:
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(arrays[0]), self.batch_size):
                inputs = [torch.from_numpy(np.ascontiguousarray(a[start : start + self.batch_size]))
                          .float().to(self.device) for a in arrays]
                outputs.append(function(*inputs).float().cpu().numpy())
        return np.concatenate(outputs)

    def encode_character(self, images: np.ndarray) -> np.ndarray:
        return self._run(self.model.encoder_character, images)

    def encode_background(self, images: np.ndarray) -> np.ndarray:
        return self._run(self.model.encoder_background, images)

    def motion(self, features_from: np.ndarray, features_to: np.ndarray) -> np.ndarray:
        return self._run(self.model.motion, features_from, features_to)

    def render(self, character: np.ndarray, theta: np.ndarray, background: np.ndarray,
               source: np.ndarray | None = None) -> np.ndarray:
        if source is None:
            return self._run(self.model.render, character, theta, background)
        return self._run(self.model.render, character, theta, background, source)

    @property
    def layered(self) -> bool:
        return self.model.layered

    def plate(self, background: np.ndarray) -> np.ndarray:
        return self._run(self.model.plate, background)

    def character_layer(self, character: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rgba = self._run(lambda c, t: torch.cat(self.model.character_layer(c, t), dim=1), character, theta)
        return rgba[:, :3], rgba[:, 3:]
