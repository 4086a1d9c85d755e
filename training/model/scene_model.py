"""The equivariant scene model of docs/DESIGN.md ("The model").

    placed = warp(f_c(x_c), T^Z(f_c(x_t1), f_c(x_t2)))
    layered (the default):  (rgb, alpha) = g_c(placed),  h = alpha * rgb + (1 - alpha) * g_b(f_b(x_b))
    summed (the paper's):   h = g(placed + f_b(x_b))

Images are float32 RGB, NCHW, in [0, 1]; features are [N, C, H/4, W/4]. Theta follows
``affine_grid``: it maps output coordinates to sampling coordinates in normalized [-1, 1] units.

Anchored motion (on by default): ``motion`` returns theta relative to the centroid of the
character in ``features_from``; ``render`` re-applies it about the centroid of the character being
rendered. With x_c = x_t1 both centroids are the same and the result equals the plain model's.

T^Z is a registration of the pair that the motion net corrects (``motion_alignment =
"registration"``, the default: ``registered_motion``), or the motion net alone (``"none"``, the
paper's, recipes/paper.toml). ``losses`` takes one LossOptions (training/model/config.py).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from training.model.alignment import (
    IDENTITY_THETA,
    RotationSearch,
    centroid,
    centroid_of,
    energy_map,
    rotation_theta,
    theta_about,
    theta_from,
    translation_theta,
    warp,
    with_shift,
)
from training.model.config import LossOptions, ModelConfig
from training.model.decoders import CharacterDecoder, Decoder, composite, logit_bound
from training.model.dense_motion import DenseMotion
from training.model.loss_terms import alpha_alignment, pyramid_equivariance, sparsity, static_background, unseen_alpha
from training.model.parts import PartMotion


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


class Encoder(nn.Module):
    """Image [N,3,H,W] -> features [N,C,H/4,W/4]: two stride-2 stages with residual blocks."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        w = config.width
        self.layers = nn.Sequential(
            nn.Conv2d(3, w, 4, stride=2, padding=1),
            *[ResidualBlock(w) for _ in range(config.blocks)],
            nn.ReLU(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1),
            *[ResidualBlock(2 * w) for _ in range(config.blocks)],
            nn.ReLU(),
            nn.Conv2d(2 * w, config.feature_channels, 1),
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.layers(image)


class Motion(nn.Module):
    """T^Z: (features_from, features_to) -> plain theta [N,2,3]. Order dependent; identity at start.

    The pair is normalised first: the character features are small and their scale drifts in
    training, and unnormalised they left every unit of this network dead (it then predicted one
    constant theta). "rms" divides the pair by one scale; "instance" also removes each channel's
    spatial mean, so a field that is the same everywhere (which f_c carries early in training)
    cannot drown out where the character is. Leaky units keep a gradient everywhere."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.input_norm = config.motion_input
        c, w = config.feature_channels, config.motion_width
        self.layers = nn.Sequential(
            nn.Conv2d(2 * c, w, 3, padding=1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(w, w, 4, stride=2, padding=1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(w, w, 4, stride=2, padding=1),
            nn.LeakyReLU(0.1),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(16 * w, 4 * w),
            nn.LeakyReLU(0.1),
        )
        self.head = nn.Linear(4 * w, 6)
        nn.init.zeros_(self.head.weight)
        with torch.no_grad():
            self.head.bias.copy_(torch.tensor(IDENTITY_THETA).flatten())
        if config.motion_alignment == "registration":
            # This net then only corrects a registration (SceneModel.registered_motion).
            self.registration = RotationSearch()

    def forward(self, features_from: torch.Tensor, features_to: torch.Tensor) -> torch.Tensor:
        pair = torch.cat([features_from, features_to], dim=1)
        if self.input_norm == "instance":
            pair = F.instance_norm(pair.float(), eps=1e-3).to(pair.dtype)
        else:
            pair = pair / (pair.float().pow(2).mean(dim=(1, 2, 3), keepdim=True).sqrt() + 1e-6).to(pair.dtype)
        return self.head(self.layers(pair)).view(-1, 2, 3)


class SceneModel(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config.validate()
        self.encoder_character = Encoder(config)
        self.encoder_background = Encoder(config)
        self.motion_net = Motion(config)
        if config.parts > 1:
            self.part_motion = PartMotion(config)
        if config.dense:
            self.dense_motion = DenseMotion(config)
        if config.renderer == "layered":
            self.character_decoder = CharacterDecoder(config)
            self.background_decoder = Decoder(config)
        else:
            self.renderer = Decoder(config)

    @property
    def refinement(self) -> PartMotion | DenseMotion:
        """What moves a character beyond its body's affine: its parts, or a dense displacement."""
        return self.dense_motion if self.config.dense else self.part_motion

    @property
    def layered(self) -> bool:
        return self.config.renderer == "layered"

    def motion(self, features_from: torch.Tensor, features_to: torch.Tensor) -> torch.Tensor:
        """Theta [N,2,3] for the change features_from -> features_to (pivot-relative when anchored);
        with parts, thetas [N,1+K,2,3], the whole body's then each part's (training/model/parts.py)."""
        if self.config.motion_alignment == "registration":
            relative = self.registered_motion(features_from, features_to)
            if self.config.parts > 1 or self.config.dense:
                refinement = self.refinement.motion(features_from, features_to, relative)
                return torch.cat([relative.float()[:, None], refinement], dim=1)
            return relative if self.config.anchored else theta_from(relative, centroid(features_from))
        theta = self.motion_net(features_from, features_to)
        if self.config.anchored:
            theta = theta_about(theta, centroid(features_from))
        return theta

    def registered_motion(self, features_from: torch.Tensor, features_to: torch.Tensor) -> torch.Tensor:
        """Pivot-relative theta by registering the pair, then refining what registration misses.

        Both characters are centred on their centroids (the displacement of the centroids is the
        translation), a soft search over rotations turns the first onto the second, and the motion
        net reads the registered pair for a bounded correction (scale, shear, what the centroids
        got wrong). Unlike a network that has to discover rotation from a loss, this finds it
        from the first step, so T^Z can be learnt together with the features it reads.

        Coordinates: centring gives a(u) = f_from(u + c_from) and b(v) = f_to(v + c_to); turning
        gives a(R v); the correction samples that at A v + t. So the placed character at q samples
        f_from at c_from + R A (q - c_to) + R t: about the pivot c_from, the linear part is L = R A
        and the shift is R t - L (c_to - c_from)."""
        # Registration measures the features and passes no gradient back into them: with one, f_c
        # learnt to hold a fixed stripe that made every registration the identity (and carried no
        # character at all), the cheapest way to keep early, wrong motions from costing anything.
        energy_from, energy_to = energy_map(features_from.detach()), energy_map(features_to.detach())
        c_from, c_to = centroid_of(energy_from), centroid_of(energy_to)
        centre_from, centre_to = translation_theta(c_from), translation_theta(c_to)
        angle = self.motion_net.registration(warp(energy_from, centre_from), warp(energy_to, centre_to))
        centred_from, centred_to = warp(features_from, centre_from), warp(features_to, centre_to)
        turn_theta = rotation_theta(angle)
        turned, turn = warp(centred_from, turn_theta), turn_theta[:, :, :2]
        correction = self.motion_net(turned, centred_to) - c_from.new_tensor(IDENTITY_THETA)
        correction = 0.5 * torch.tanh(correction.float())  # bounded: it refines, it cannot run away
        linear = turn @ (torch.eye(2, device=c_from.device) + correction[:, :, :2])
        shift = torch.einsum("nij,nj->ni", turn, correction[:, :, 2])
        shift = shift - torch.einsum("nij,nj->ni", linear, c_to - c_from)
        return with_shift(linear, shift)

    def absolute(self, character_features: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """Theta as grid_sample takes it: re-anchored on this character when anchored (with parts,
        the whole body's: the field's best affine)."""
        if theta.ndim == 4:
            theta = theta[:, 0]
        return theta_from(theta, centroid(character_features)) if self.config.anchored else theta

    def place(self, character_features: torch.Tensor, theta: torch.Tensor,
              field: torch.Tensor | None = None) -> torch.Tensor:
        """warp(f_c(x_c), theta), with theta re-anchored on this character when anchored; with parts,
        f_c sampled by the field (``source_field``, when not given) averaged over each feature cell's
        block of pixels (as format 3's character graph does: for an affine field the two are the same)."""
        if theta.ndim == 3:
            return warp(character_features, self.absolute(character_features, theta))
        if field is None:
            field = self.source_field(character_features, theta)
        cell = F.avg_pool2d(field.permute(0, 3, 1, 2), self.config.image_size // self.config.feature_size)
        cell = cell.permute(0, 2, 3, 1)
        return F.grid_sample(character_features, cell.to(character_features.dtype), mode="bilinear",
                             padding_mode="zeros", align_corners=False)

    @property
    def colour_from_source(self) -> bool:
        """Whether a character's colour is taken from its own source frame (``model.colour``)."""
        return self.layered and self.config.colour == "source"

    def motion_field(self, character_features: torch.Tensor,
                     theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(field [N,S,S,2], part masks [N,K,S,S] or None without parts): for each pixel of the square
        the character is drawn into, where in its source frame it samples from (grid_sample units;
        bundle format 3's ``field``, channels last), and how much each part moves it."""
        size = self.config.image_size
        if theta.ndim == 4:
            field, masks = self.refinement.field(character_features, theta, size)
            return field, None if masks is None else masks[:, 1:]
        absolute = self.absolute(character_features, theta).float()
        return F.affine_grid(absolute, [absolute.shape[0], 3, size, size], align_corners=False), None

    def source_field(self, character_features: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """[N,S,S,2]: ``motion_field``'s field."""
        return self.motion_field(character_features, theta)[0]

    def render(self, character_features, theta, background_features, source=None) -> torch.Tensor:
        """The renderer graph of the bundle: the composite of the placed character over the plate
        (layered), or g(place(character, theta) + background) (summed). ``source``: the character's
        own frame, which a model with ``colour = "source"`` draws its colour from."""
        if self.layered:
            return composite(self.plate(background_features),
                             [self.drawn_character(character_features, theta, source)])
        return self.renderer(self.place(character_features, theta) + background_features)

    def character_layer(self, character_features, theta) -> tuple[torch.Tensor, torch.Tensor]:
        """(rgb, alpha) of the character placed by theta, the decoder's own: the layered renderer's
        character graph (formats 1 and 2)."""
        return self.character_decoder(self.place(character_features, theta))

    def character_parts(self, character_features, theta,
                        field=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(rgb, alpha, visibility) of the placed character (``field``: its motion's, when known);
        visibility None with ``colour = "decoder"``."""
        logits = self.character_decoder.logits(self.place(character_features, theta, field))
        rgb, alpha = CharacterDecoder.from_logits(logits)
        return rgb, alpha, CharacterDecoder.visibility(logits)

    def drawn_character(self, character_features, theta, source=None) -> tuple[torch.Tensor, torch.Tensor]:
        """(colour, alpha) of the character as the frame shows it: the decoder's colour, or with
        ``colour = "source"`` ``v * sample(source, field) + (1 - v) * rgb`` (``colour_of``)."""
        if not self.colour_from_source:
            return self.character_parts(character_features, theta)[:2]
        field = self.source_field(character_features, theta)
        rgb, alpha, visibility = self.character_parts(character_features, theta, field)
        return self.colour_of(rgb, visibility, field, source), alpha

    def colour_of(self, rgb, visibility, field, source) -> torch.Tensor:
        """The character's colour: its own source pixels where ``visibility`` says they show it
        (sampled bilinearly through its ``field``, zero outside the frame), the decoder's ``rgb`` elsewhere."""
        if source is None:
            raise ValueError('a model with colour="source" draws a character from its source frame: pass source')
        sampled = F.grid_sample(source.float(), field, mode="bilinear",
                                padding_mode="zeros", align_corners=False).to(rgb.dtype)
        return visibility * sampled + (1 - visibility) * rgb

    def plate(self, background_features) -> torch.Tensor:
        """The background plate g_b(f_b): the layered renderer's background graph."""
        return self.background_decoder(background_features)

    def forward(self, x_c, x_t1, x_t2, x_b) -> torch.Tensor:
        """h(x_c, x_t1, x_t2, x_b)."""
        theta = self.motion(self.encoder_character(x_t1), self.encoder_character(x_t2))
        return self.render(self.encoder_character(x_c), theta, self.encoder_background(x_b), source=x_c)

    def losses(self, x1: torch.Tensor, x2: torch.Tensor, options: LossOptions) -> dict[str, torch.Tensor]:
        """Every loss term and their weighted sum "total" (L_total, what training minimises) for a
        batch of pairs, as ``options`` says; each encoder runs once on both frames."""
        n = x1.shape[0]
        both = torch.cat([x1, x2])
        fc1, fc2 = self.encoder_character(both).split(n)
        fb = self.encoder_background(both)
        fb1, fb2 = fb.split(n)
        theta = self.motion(fc1, fc2)

        def field_of(motion: torch.Tensor) -> torch.Tensor | None:
            """The motion's field, once for everything that draws by it (None: the decoder's colour)."""
            return self.source_field(fc1, motion) if self.colour_from_source else None

        field = field_of(theta)
        placed = self.place(fc1, theta, field)
        plate_term, bound, bounds, static = x1.new_zeros(()), x1.new_zeros(()), [], x1.new_zeros(())
        hidden: list[torch.Tensor] = []  # alpha * (1 - v) of each drawing (colour from the source)
        unseen: list[torch.Tensor] = []  # alpha no frame can see, of each drawing (colour from the source)
        if self.layered:  # what the character is drawn over: each frame's plate
            plates = self.plate(fb)
            behind1, behind2 = plates.split(n)
            plate_term = F.mse_loss(behind1.float(), behind2.float())
            if options.alpha_static > 0:
                static = static_background(plates.float(), both)

            def draw(placed_features: torch.Tensor, field: torch.Tensor | None, behind: torch.Tensor) -> torch.Tensor:
                logits = self.character_decoder.logits(placed_features)
                bounds.append(logit_bound(logits))
                rgb, alpha = CharacterDecoder.from_logits(logits)
                visibility = CharacterDecoder.visibility(logits)
                colour = rgb if visibility is None else self.colour_of(rgb, visibility, field, x1)
                if visibility is not None:  # x1 is the character's own frame
                    hidden.append((alpha.detach() * (1 - visibility)).float().mean())
                    unseen.append(unseen_alpha(alpha, colour, behind))
                return composite(behind, [(colour, alpha)])
        else:  # what the character's features are summed with: each frame's f_b
            behind1, behind2 = fb1, fb2

            def draw(placed_features: torch.Tensor, field: torch.Tensor | None, behind: torch.Tensor) -> torch.Tensor:
                return self.renderer(placed_features + behind)
        prediction = draw(placed, field, behind1)
        align = x1.new_zeros(())
        if options.alpha_align > 0 and field is not None:  # drawn from the source
            with torch.no_grad():  # each frame's character where it is (identity: the features as they are)
                own = CharacterDecoder.from_logits(self.character_decoder.logits(torch.cat([fc1, fc2])))[1]
            own1, own2 = own.split(n)
            align = alpha_alignment(own1, own2, field)
        equiv = F.mse_loss(placed.float(), fc2.float())
        inv = F.mse_loss(fb1.float(), fb2.float())
        # h(x1, x1, x1, x1) = x1: with f_b held invariant, the character can only come through f_c,
        # so this rewards f_c for carrying it from the first step (T^Z learns nothing until it does).
        still = x1.new_zeros(())
        if options.alpha_self > 0:
            # Over the other frame's plate (layered): the plate may not hold x1's character, so
            # the character layer must, with no motion to learn first.
            unmoved = self.motion(fc1, fc1)
            behind = behind2 if self.layered else behind1
            unmoved_field = field_of(unmoved)
            still = F.mse_loss(draw(self.place(fc1, unmoved, unmoved_field), unmoved_field, behind).float(), x1)
        if options.equiv_levels > 1:
            equiv = pyramid_equivariance(placed.float(), fc2.float(), options.equiv_levels)
        scene, sparse = F.mse_loss(prediction.float(), x2), sparsity(fc1.float())
        if bounds:
            bound = torch.stack(bounds).mean()
        visible = torch.stack(hidden).mean() if hidden else x1.new_zeros(())
        tight = torch.stack(unseen).mean() if unseen else x1.new_zeros(())
        total = (scene + options.alpha_equiv * equiv + options.alpha_inv * inv + options.alpha_sparse * sparse
                 + options.alpha_self * still + options.alpha_plate * plate_term + options.alpha_bound * bound
                 + options.alpha_static * static + options.alpha_visible * visible + options.alpha_tight * tight
                 + options.alpha_align * align)
        return {"total": total, "scene": scene, "equiv": equiv, "inv": inv, "sparse": sparse, "self": still,
                "plate": plate_term, "bound": bound, "static": static, "visible": visible, "tight": tight,
                "align": align, "prediction": prediction, "theta": theta}
