"""Issue 28 experiment, kept in history only (it lost on validation, docs/RESULTS.md section 10): a
part model whose field is also taught by DIS optical flow within each training pair (x2's pixels ->
where they were in x1), an L1 in grid units weighted by x2's own alpha. The flow teaches only in
training; the model computes its own field at test time.

    python scripts/parts_flow_teacher.py runs/NAME WEIGHT model.parts=4 'model.part_motion="residual"'
    PART_WARMUP=300 python scripts/parts_flow_teacher.py ...   (the part head alone for 300 steps first)

It trains recipes/sprites-source.toml from assets/models/sprites for 1,500 steps, validating every 250.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.evaluation.flow_baseline import backward_flow  # noqa: E402
from training.model import scene_model  # noqa: E402
from training.model.scene_model import SceneModel  # noqa: E402
from training.run.progress import terminal_bar  # noqa: E402
from training.run.train_arguments import build_train_config  # noqa: E402
from training.run.trainer import Trainer  # noqa: E402

original_losses, original_align = SceneModel.losses, scene_model.alpha_alignment
pair: dict = {}


def losses(self, x1, x2, options):
    pair["x"] = (x1, x2)
    result = original_losses(self, x1, x2, options)
    if "flow" in pair:
        result["total"] = result["total"] + pair["weight"] * pair.pop("flow")
    return result


def align(own1, own2, field):
    """L_align as it is, and beside it the flow term (L_align runs wherever the field is drawn by)."""
    x1, x2 = pair["x"]
    size = x1.shape[-1]
    flow = backward_flow(x1.detach().float().cpu().numpy(), x2.detach().float().cpu().numpy(), "ultrafast")
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    target = np.stack([(xs + flow[..., 0] + 0.5) * 2 / size - 1, (ys + flow[..., 1] + 0.5) * 2 / size - 1], -1)
    weights = own2.detach().float()[:, 0]
    error = (field.float() - torch.from_numpy(target).to(field.device)).abs().sum(-1)
    pair["flow"] = (weights * error).sum() / weights.sum().clamp_min(1.0)
    return original_align(own1, own2, field)


WARMUP = int(os.environ.get("PART_WARMUP", "0"))
original_optimize = Trainer._optimize


def optimize(self, model, optimizer, x1, x2, precision, lr):
    """The first WARMUP steps train the part head alone (everything else frozen)."""
    alone = self.step < WARMUP
    for name, parameter in self.model.named_parameters():
        parameter.requires_grad_(not alone or name.startswith("part_motion."))
    return original_optimize(self, model, optimizer, x1, x2, precision, lr)


def main() -> int:
    out, pair["weight"] = sys.argv[1], float(sys.argv[2])
    Trainer._optimize = optimize  # type: ignore[method-assign]
    SceneModel.losses = losses  # type: ignore[method-assign]
    scene_model.alpha_alignment = align
    args = argparse.Namespace(recipe=str(ROOT / "recipes" / "sprites-source.toml"), dataset=None, steps=1500,
                              batch_size=None, lr=None, precision=None, seed=None, data_dir=None, init_from=None,
                              clips=None, set=[f'init_from="{ROOT / "assets" / "models" / "sprites"}"',
                                               "val_every=250", *sys.argv[3:]])
    Trainer(build_train_config(args), out, terminal_bar()).train()
    return 0


if __name__ == "__main__":
    sys.exit(main())
