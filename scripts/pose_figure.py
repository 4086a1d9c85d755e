"""The picture of docs/RESULTS.md's hand-pose comparison: a demo character as it is, scaled 0.5x
and 1.75x, and rotated 60 degrees, one row per model bundle (e.g. the summed demo model of before
layered rendering, kept as assets/models/summed, and the layered demo model). Needs only the
workstation (ONNX Runtime, no torch).

    python scripts/pose_figure.py assets/models/summed assets/models/demo --out docs/results/poses.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from workstation import project as document  # noqa: E402
from workstation.demos.digit_demo import build_demo_project  # noqa: E402
from workstation.render.engine import Engine  # noqa: E402
from workstation.render.shot_frames import ProjectFrames  # noqa: E402

POSES = {"as drawn": document.Pose(), "scale 0.5": document.Pose(scale=0.5),
         "scale 1.75": document.Pose(scale=1.75), "rotate 60": document.Pose(rotation=60.0)}
SHOT, FRAME, SCALE = "by hand", 0, 4


def row(bundle: Path, project: document.Project) -> np.ndarray:
    engine = Engine(bundle, prefer_cuda=False)
    engine = engine.with_frames(ProjectFrames(project, engine.image_size, "crop"))
    request = document.render_requests(project, SHOT, [FRAME])[0]
    character = request.characters[0]
    requests = [document.FrameRequest(SHOT, FRAME, request.background,
                                      (document.CharacterRequest(character.source, None, pose, character.name),))
                for pose in POSES.values()]
    images = engine.render_requests(requests)
    return np.concatenate(list(images.transpose(0, 2, 3, 1)), axis=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundles", nargs="+", type=Path, help="model bundles, one row each")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    args = parser.parse_args()
    project = build_demo_project()
    sheet = np.concatenate([row(bundle, project) for bundle in args.bundles], axis=0)
    sheet = (np.clip(sheet, 0, 1) * 255).round().astype(np.uint8)
    sheet = cv2.resize(sheet, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
    ok, data = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise SystemExit(f"{args.out}: could not encode the picture")
    from workstation.kernel.safe_write import write_bytes

    write_bytes(args.out, data.tobytes())
    print(f"wrote {args.out}: columns {', '.join(POSES)}; rows {', '.join(map(str, args.bundles))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
