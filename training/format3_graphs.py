"""The graphs of bundle format 3 (docs/DESIGN.md, "Bundle format 3: the contract ..."), which a
model that draws a character's colour from its own source frame (``model.colour = "source"``) is
exported to: the motion graph returns the sampling field the character is drawn through, and the
graphs that draw take that field instead of a theta.

Each graph is written here on the field, as the engine runs it; ``format3_cases`` gives, beside
each graph's inputs, what the model's own functions give from the motion's relative theta, which
the export checks the graphs against (so the field's way of placing must equal the model's).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from training.model.decoders import CharacterDecoder, composite
from training.model.scene_model import SceneModel


def channels_last(field: torch.Tensor) -> torch.Tensor:
    """[N,2,H,W] (the bundle's layout) -> [N,H,W,2] (grid_sample's)."""
    return field.permute(0, 2, 3, 1)


def sample(image: torch.Tensor, field: torch.Tensor) -> torch.Tensor:
    """``image`` sampled through ``field`` [N,2,H,W]: bilinear, zero outside, align_corners=False."""
    return F.grid_sample(image, channels_last(field), mode="bilinear", padding_mode="zeros", align_corners=False)


class FieldMotion(nn.Module):
    """motion.onnx: (features_from, features_to, character_features) -> (field [N,2,S,S], theta
    [N,2,3]), theta absolute (re-anchored on this character when the model is anchored) and the
    field its affine grid over the square; a model with parts also gives their masks [N,K,S,S] and
    its field is their blend (training/model/parts.py), theta the whole body's. An unanchored
    model's field does not depend on ``character_features``; the graph keeps the input all the
    same (the contract's)."""

    def __init__(self, model: SceneModel):
        super().__init__()
        self.model = model

    def forward(self, features_from, features_to, character_features):
        motion = self.model.motion(features_from, features_to)
        theta = self.model.absolute(character_features, motion).float()
        field, masks = self.model.motion_field(character_features, motion)
        return (field.permute(0, 3, 1, 2), theta) + (() if masks is None else (masks,))


class FieldCharacter(nn.Module):
    """renderer_character.onnx: (character_features, field) -> (rgb, alpha, visibility). The features
    are placed by the field averaged over each block of pixels one feature cell covers: for an
    affine field exactly the affine grid at the features' size, so this is the model's
    ``character_parts`` for the theta the field came from."""

    def __init__(self, model: SceneModel):
        super().__init__()
        self.model = model
        self.block = model.config.image_size // model.config.feature_size

    def forward(self, character_features, field):
        placed = sample(character_features, F.avg_pool2d(field, self.block))
        logits = self.model.character_decoder.logits(placed)
        rgb, alpha = CharacterDecoder.from_logits(logits)
        visibility = CharacterDecoder.visibility(logits)
        assert visibility is not None, 'format 3 is for a model with colour="source"'
        return rgb, alpha, visibility


class FieldRenderer(nn.Module):
    """renderer.onnx: (character_features, field, source, background_features) -> image, the
    character's colour ``v * sample(source, field) + (1 - v) * rgb`` over the plate."""

    def __init__(self, model: SceneModel):
        super().__init__()
        self.model = model
        self.character = FieldCharacter(model)

    def forward(self, character_features, field, source, background_features):
        rgb, alpha, visibility = self.character(character_features, field)
        colour = visibility * sample(source, field) + (1 - visibility) * rgb
        return composite(self.model.plate(background_features), [(colour, alpha)])


def format3_modules(model: SceneModel) -> dict[str, nn.Module]:
    """The three graphs format 3 changes, by file name (the encoders and the plate are format 2's)."""
    return {"motion.onnx": FieldMotion(model), "renderer_character.onnx": FieldCharacter(model),
            "renderer.onnx": FieldRenderer(model)}


def format3_cases(model: SceneModel, features_from: torch.Tensor, features_to: torch.Tensor,
                  source: torch.Tensor) -> dict[str, tuple[tuple, tuple]]:
    """File -> (inputs, the model's own outputs for them) for the three graphs, the character drawn
    from ``source`` by the motion features_from -> features_to (background features: the source's)."""
    with torch.no_grad():
        character = model.encoder_character(source)
        background = model.encoder_background(source)
        relative = model.motion(features_from, features_to)
        field, masks = model.motion_field(character, relative)
        theta = model.absolute(character, relative)
        parts = model.character_parts(character, relative, field)
        field = field.permute(0, 3, 1, 2)
        motion = (field, theta) + (() if masks is None else (masks,))
        image = model.render(character, relative, background, source=source)
    return {
        "motion.onnx": ((features_from, features_to, character), motion),
        "renderer_character.onnx": ((character, field), parts),
        "renderer.onnx": ((character, field, source, background), (image,)),
    }
