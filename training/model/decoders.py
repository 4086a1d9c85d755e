"""The decoders from features back to pixels: the paper's one renderer of summed features, and the
layered renderer's two, a character layer (RGB and alpha) and a background plate.

Each mirrors the encoder layer for layer (a 1x1 convolution, the stages' blocks as plain
convolutions, two stride-2 transposed convolutions), not residual, sigmoid out.
"""

from __future__ import annotations

import torch
from torch import nn

from training.model.config import ModelConfig


class Decoder(nn.Module):
    """Features [N,C,H/4,W/4] -> [N,out_channels,H,W] in (0, 1)."""

    def __init__(self, config: ModelConfig, out_channels: int = 3):
        super().__init__()
        w = config.width
        self.layers = nn.Sequential(
            nn.Conv2d(config.feature_channels, 2 * w, 1),
            nn.ReLU(),
            *[layer for _ in range(config.blocks) for layer in _conv_relu(2 * w)],
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1),
            nn.ReLU(),
            *[layer for _ in range(config.blocks) for layer in _conv_relu(w)],
            nn.ConvTranspose2d(w, out_channels, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features)


class CharacterDecoder(Decoder):
    """Placed character features -> (rgb [N,3,H,W], alpha [N,1,H,W]), both in (0, 1); with
    ``model.colour = "source"`` a fifth channel, the visibility v: how much of the character's colour
    its own source pixels give (``visibility``)."""

    def __init__(self, config: ModelConfig):
        super().__init__(config, out_channels=5 if config.colour == "source" else 4)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """[N,4,H,W] before the sigmoid (for the bound term)."""
        return self.layers[:-1](features)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        rgba = self.layers(features)
        return rgba[:, :3], rgba[:, 3:4]

    @staticmethod
    def from_logits(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        rgba = torch.sigmoid(logits[:, :4])
        return rgba[:, :3], rgba[:, 3:]

    @staticmethod
    def visibility(logits: torch.Tensor) -> torch.Tensor | None:
        """[N,1,H,W] in (0, 1) from the fifth channel; None for a decoder of four."""
        return torch.sigmoid(logits[:, 4:5]) if logits.shape[1] == 5 else None


# Past +-LOGIT_BOUND the sigmoid passes almost no gradient (0.0025 at 6, 1e-35 where alpha had sunk);
# Adam's normalised steps still walk a logit further out, so L_bound, squared beyond it, walks it
# back. Alpha stays within [0.0025, 0.9975] in training, where it can still learn.
LOGIT_BOUND = 6.0


def logit_bound(logits: torch.Tensor) -> torch.Tensor:
    return torch.relu(logits.float().abs() - LOGIT_BOUND).pow(2).mean()


def composite(plate: torch.Tensor, layers: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """The characters' (rgb, alpha) layers over the plate, back to front: the last is on top."""
    image = plate
    for rgb, alpha in layers:
        image = alpha * rgb + (1 - alpha) * image
    return image


def _conv_relu(channels: int) -> list[nn.Module]:
    return [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
