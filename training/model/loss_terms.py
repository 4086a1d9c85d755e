"""The loss terms of ``SceneModel.losses`` beyond plain mean squared errors: the blurred-pyramid
L_equiv and L_align, L_sparse, L_static and L_tight (training/model/config.py, LossOptions, says how
they are weighted)."""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

# Two frames of a pair "agree" at a pixel when no channel differs by more than this (8-bit frames:
# less than one step of 255, so only pixels that are exactly the same), and L_static counts a pixel
# only when they agree over the whole window around it (STATIC_WINDOW pixels square).
AGREEMENT = 1.0 / 512
STATIC_WINDOW = 9


def static_background(plates: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """L_static: the mean squared error of the plates (both frames', [2N,3,H,W]) against their frames
    (``frames`` = x1 then x2) over the pixels where x1 and x2 agree all around, 0 where none does.

    With a static camera a pixel that is the same in both frames of a pair is background, unless
    the character held still there. L_plate and L_inv only ask the plate to be the same for both
    frames, which a blurred plate satisfies as well as a sharp one (the sprite model's plate of bare
    backgrounds fell from the digit model's 31 dB to 21); this asks it to be the background that
    both frames show. Pixel by pixel, the inside of a flat-coloured shirt that moved a few pixels
    also agrees, and the plate learnt a ghost of the body (validation: the plate under the character
    fell from 16.0 to 14.3 dB); over a 9x9 window it did not (16.2 dB)."""
    x1, x2 = frames.float().chunk(2)
    agree = ((x1 - x2).abs().amax(dim=1, keepdim=True) <= AGREEMENT).to(plates.dtype)
    agree = 1 - F.max_pool2d(1 - agree, STATIC_WINDOW, stride=1, padding=STATIC_WINDOW // 2)  # the whole window
    agree = agree.repeat(2, 1, 1, 1)
    squared = (plates - frames.float()).pow(2) * agree
    return squared.sum() / (plates.shape[1] * agree.sum()).clamp(min=1.0)


def gaussian_blur(features: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of every channel (zero padding), sigma in feature cells."""
    radius = max(1, int(math.ceil(2.5 * sigma)))
    offsets = torch.arange(-radius, radius + 1, device=features.device, dtype=features.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    channels = features.shape[1]
    rows = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    columns = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    blurred = F.conv2d(features, rows, padding=(radius, 0), groups=channels)
    return F.conv2d(blurred, columns, padding=(0, radius), groups=channels)


def pyramid_equivariance(placed: torch.Tensor, target: torch.Tensor, levels: int) -> torch.Tensor:
    """L_equiv at full resolution and blurred by sigma = 1, 2, 4, ... cells, each level divided by
    its energy.

    A bilinear warp only has a gradient where the moved and the target features overlap: for a
    digit that moved several strokes' widths, the paper's L_equiv cannot tell T^Z which way the
    target lies. Blurred copies still overlap, and blurring commutes with moving, so every level
    points T^Z the same way."""
    total = placed.new_zeros(())
    for level in range(levels):
        a, b = (placed, target) if level == 0 else (gaussian_blur(placed, 2.0 ** (level - 1)),
                                                    gaussian_blur(target, 2.0 ** (level - 1)))
        total = total + F.mse_loss(a, b) / (b.pow(2).mean() + 1e-6)
    return total / levels


def sparsity(features: torch.Tensor) -> torch.Tensor:
    """Mean |f| / rms f per example (1 when every cell is equally active, small when few are).
    Unlike an L1 penalty it cannot be lowered by shrinking the features, only by concentrating
    them: the character encoder should be silent away from the character, which is also what
    anchored motion's centroid needs."""
    flat = features.flatten(1)
    return (flat.abs().mean(1) / (flat.pow(2).mean(1).sqrt() + 1e-6)).mean()


# L_align's blurred levels, in pixels: sigma 1 to 8 still overlap for a digit moved 10 pixels
ALIGN_LEVELS = 5


def alpha_alignment(own_alpha: torch.Tensor, target_alpha: torch.Tensor, field: torch.Tensor) -> torch.Tensor:
    """L_align: ``own_alpha`` (the first frame's character at its own place, [N,1,S,S]) sampled
    through T^Z's ``field`` ([N,S,S,2], where each pixel of the moved character comes from) against
    ``target_alpha`` (the second frame's), at every level of the blurred pyramid. Both alphas are
    measurements here: only the field learns from it, at the resolution of the pixels rather than of
    the 16x16 features that L_equiv compares."""
    moved = F.grid_sample(own_alpha.detach().float(), field, mode="bilinear", padding_mode="zeros",
                          align_corners=False)
    return pyramid_equivariance(moved, target_alpha.detach().float(), ALIGN_LEVELS)


# L_tight: colours closer than this (squared RGB distance, 0..3) are the same to the scene loss's eye
UNSEEN_DISTANCE = 0.03


def unseen_alpha(alpha: torch.Tensor, colour: torch.Tensor, behind: torch.Tensor) -> torch.Tensor:
    """L_tight: the mean of alpha where the character's colour is what lies behind it (weighted by
    exp(-distance / UNSEEN_DISTANCE); colour and what is behind are measurements, alpha alone learns).

    A character drawn from its own pixels carries its own background around it, which under a still
    camera is the target's: there the scene loss cannot see alpha, and alpha spread over it (a halo of
    the old background once the character is drawn over another). Where the colour differs from
    what is behind (a digit's ink), alpha is seen and this asks nothing of it, unlike a plain mean."""
    distance = (colour.detach().float() - behind.detach().float()).pow(2).sum(dim=1, keepdim=True)
    return (alpha.float() * torch.exp(-distance / UNSEEN_DISTANCE)).mean()
