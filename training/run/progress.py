"""Training progress for people (a bar on a terminal) and for programs (JSON lines on stdout)."""

from __future__ import annotations

import json
import sys

from training.run.trainer import Callbacks


def json_lines(stream=None) -> Callbacks:
    """One JSON object per line: {"event": "start"|"step"|"validation"|"samples"|"checkpoint"|"end", ...}
    on ``stream`` (default: sys.stdout as it is when each line is written); "samples" names the
    picture just written (``path``) and its ``step``."""

    def emit(event: str):
        def write(record: dict) -> None:
            out = stream or sys.stdout
            out.write(json.dumps({"event": event, **record}) + "\n")
            out.flush()
        return write

    return Callbacks(on_start=emit("start"), on_step=emit("step"), on_validation=emit("validation"),
                     on_samples=emit("samples"), on_checkpoint=emit("checkpoint"), on_end=emit("end"))


def terminal_bar() -> Callbacks:
    from tqdm import tqdm

    bar: dict = {}

    def start(info: dict) -> None:
        print(f"training on {info['device']} ({info['precision']}) into {info['run_dir']}", file=sys.stderr)
        bar["tqdm"] = tqdm(total=info["steps"], initial=info["step"], unit="step", dynamic_ncols=True)

    def step(record: dict) -> None:
        bar["tqdm"].update(1)
        if record["step"] % 5 == 0:
            bar["tqdm"].set_postfix(loss=f"{record['loss']:.4f}", scene=f"{record['scene']:.4f}",
                                    pairs_s=f"{record['pairs_per_s']:.0f}", refresh=False)

    def validation(record: dict) -> None:
        line = f"step {record['step']}: validation PSNR reconstruction {record['val_reconstruction_psnr']:.2f} dB"
        if "val_background_psnr" in record:
            line += (f", background {record['val_background_psnr']:.2f} dB, "
                     f"transform {record['val_transform_psnr']:.2f} dB")
        if "val_analogy_psnr" in record:  # sprites
            line += f", analogy {record['val_analogy_psnr']:.2f} dB"
        if "val_copy_psnr" in record:  # own clips: the model against drawing without one, on the same pairs
            line += (f"; the pairs' pixels together: model {record['val_model_psnr']:.2f} dB, copy "
                     f"{record['val_copy_psnr']:.2f} dB, optical flow {record['val_flow_psnr']:.2f} dB")
        if "val_alpha_iou" in record:
            line += f", alpha IoU {record['val_alpha_iou']:.2f}"
        bar["tqdm"].write(f"{line}, theta spread {record['val_theta_spread']:.4f}")

    def end(summary: dict) -> None:
        bar["tqdm"].close()
        print(f"done at step {summary['step']}; checkpoint {summary['checkpoint']}", file=sys.stderr)

    return Callbacks(on_start=start, on_step=step, on_validation=validation, on_end=end)
