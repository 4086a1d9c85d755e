import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests: a bounded number of examples in CI (make test), more with HYPOTHESIS_PROFILE=thorough.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def tiny_model_config(**overrides):
    from training.model.config import ModelConfig

    values = dict(width=8, feature_channels=8, blocks=1, motion_width=8)
    values.update(overrides)
    return ModelConfig(**values)


def tiny_train_config(**overrides):
    from training.model.config import TrainConfig

    values = dict(data_dir=str(MNIST_DIR), steps=6, batch_size=4, warmup_steps=2, precision="fp32", init_from="",
                  val_every=3, val_examples=8, sample_every=3, checkpoint_every=2, model=tiny_model_config())
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    assert (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(), f"the shared MNIST files are missing from {MNIST_DIR}"
    return MNIST_DIR


@pytest.fixture(scope="session")
def test_split(mnist_dir):
    from training.data.mmnist import MovingMNIST

    return MovingMNIST.from_mnist_dir(mnist_dir, "test")


def trained_looking_model(anchored: bool = True, **config):
    """A tiny model whose motion net is not the identity, so motion really moves things."""
    import torch

    from training.model.scene_model import SceneModel

    torch.manual_seed(3)
    model = SceneModel(tiny_model_config(anchored=anchored, **config)).eval()
    torch.nn.init.normal_(model.motion_net.head.weight, std=0.05)
    return model


@pytest.fixture(scope="session")
def anchored_bundle(tmp_path_factory):
    """(model, bundle folder) of a tiny anchored model with the recipe's motion net and its layered
    renderer (format 2), exported once per test session."""
    from training.bundle_export import export_bundle

    model = trained_looking_model(anchored=True, motion_input="instance", motion_alignment="registration")
    return model, export_bundle(model, tmp_path_factory.mktemp("bundles") / "anchored")


@pytest.fixture(scope="session")
def summed_bundle(tmp_path_factory):
    """(model, bundle folder) as ``anchored_bundle`` with the paper's summed renderer (format 2)."""
    from training.bundle_export import export_bundle

    model = trained_looking_model(anchored=True, motion_input="instance", motion_alignment="registration",
                                  renderer="summed")
    return model, export_bundle(model, tmp_path_factory.mktemp("bundles") / "summed")


@pytest.fixture(scope="session")
def dense_bundle(tmp_path_factory):
    """(model, bundle folder) of a tiny dense-motion model (``model.dense = 4``, as the sprite model)
    whose head says something and whose alpha is 1 wherever a character is placed, exported once."""
    import torch

    from training.bundle_export import export_bundle

    model = trained_looking_model(motion_input="instance", motion_alignment="registration", colour="source", dense=4)
    torch.manual_seed(7)
    torch.nn.init.normal_(model.dense_motion.out.weight, std=0.2)
    return model, export_bundle(opaque_where_placed(model), tmp_path_factory.mktemp("bundles") / "dense")


def opaque_where_placed(model):
    """``model`` (changed in place) with its character decoder's alpha 1 wherever a character is placed."""
    import torch

    alpha = model.character_decoder.layers[-2]
    with torch.no_grad():
        alpha.weight[:, 3].zero_()
        alpha.bias[3] = 30.0
    return model


def run_cli(*args, timeout=300, **options):
    """`python main.py ARGS` in the repository root, output captured."""
    import subprocess

    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout, **options)


def assert_one_line_exit_2(done, *fragments):
    """What the user sees for bad input: exit code 2 and one line naming the problem."""
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr
