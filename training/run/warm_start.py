"""Starting a layered model from a trained one: its encoders and T^Z as they are; from a summed
model, both layered decoders from its renderer (the character decoder's alpha output starting at
0.5); from a layered model, its two decoders as they are.

Trained from scratch on Moving MNIST, the layered renderer's alpha sank to nothing within 1,000
steps in every setting tried (docs/RESULTS.md, "What was tried"): the plate learnt the whole frame
first, and the character layer was never used. Started from the summed demo model, whose f_c
already carries the character and whose T^Z already moves it, alpha took the digit's shape within
250 steps. The summed model is read from its bundle (the weights are the ONNX graphs'
initializers), so any summed bundle of the same architecture can start a layered run.
"""

from __future__ import annotations

from pathlib import Path

import torch

from training.model.config import DIGITS_DEMO, SUMMED_DEMO, ConfigError
from training.model.scene_model import SceneModel
from workstation.kernel.locations import asset_path
from workstation.render.bundle import BundleError, Metadata, check_digests, read_graphs, read_metadata

# graph -> (the prefix of its initializers, the model's module they belong to)
GRAPH_MODULES = {
    "encoder_character.onnx": ("encoder.", "encoder_character."),
    "encoder_background.onnx": ("encoder.", "encoder_background."),
    "motion.onnx": ("model.motion_net.", "motion_net."),
    "renderer.onnx": ("model.renderer.", "renderer."),
}
# a layered bundle: the same encoders and T^Z, and its two decoders instead of the summed renderer
LAYERED_GRAPH_MODULES = {
    **{graph: names for graph, names in GRAPH_MODULES.items() if graph != "renderer.onnx"},
    "renderer_character.onnx": ("model.character_decoder.", "character_decoder."),
    "renderer_background.onnx": ("model.background_decoder.", "background_decoder."),
}


def bundle_folder(init_from: str) -> Path:
    named = {SUMMED_DEMO: asset_path("models", "summed"), DIGITS_DEMO: asset_path("models", "digits_decoder")}
    return named.get(init_from, Path(init_from))


# What a layered bundle's own training settings give a run that starts from it: how the model
# learns, and how its characters were moved over backgrounds (a sheet of characters alone is drawn
# so too), not what from (the dataset, its clips, the steps and the checkpoints are the run's own)
INHERITED_SETTINGS = ("shift", "backgrounds", "batch_size", "lr", "weight_decay", "warmup_steps", "alpha_equiv",
                      "alpha_inv", "alpha_self", "alpha_sparse", "equiv_levels", "alpha_plate", "alpha_bound",
                      "alpha_static", "alpha_visible", "alpha_tight", "alpha_align")


def _bundle(init_from: str) -> Path:
    """The bundle folder ``init_from`` names; ConfigError when it is none."""
    folder = bundle_folder(init_from)
    if not (folder / "model.json").is_file():
        raise ConfigError(f"init_from={init_from!r}: {folder} is not a model bundle (no model.json); "
                          f"set init_from=\"\" to start from scratch")
    return folder


def bundle_settings(init_from: str) -> dict:
    """The settings a run started from ``init_from`` takes unless told otherwise: a layered bundle's
    model (it goes on as the same architecture) and ``INHERITED_SETTINGS`` as it was trained; nothing
    from a summed bundle, which starts the default layered model. ConfigError when it is no bundle."""
    try:
        metadata = read_metadata(_bundle(init_from))
    except BundleError as error:
        raise ConfigError(f"init_from={init_from!r}: {error}") from None
    if metadata.get("renderer") != "layered" or not isinstance(metadata.get("model_config"), dict):
        return {}
    trained = (metadata.get("trained_on") or {}).get("train_config") or {}
    return {"model": dict(metadata["model_config"]), **{key: trained[key] for key in INHERITED_SETTINGS
                                                        if key in trained}}


def bundle_weights(folder: Path, metadata: dict,
                   graphs: dict[str, tuple[str, str]] = GRAPH_MODULES) -> dict[str, torch.Tensor]:
    """A model's state dict, as far as its bundle's ``graphs`` hold it (by parameter name), with
    ``metadata`` its model.json as ``read_metadata`` gave it. The
    graphs are read as the workstation reads them (regular files, capped) and, where model.json
    records their digests, must be the ones it recorded; raises BundleError."""
    import onnx
    from google.protobuf.message import DecodeError
    from onnx import numpy_helper

    data = read_graphs(folder, graphs)
    weights = {}
    for graph, (prefix, module) in graphs.items():
        try:
            initializers = onnx.load_from_string(data[graph]).graph.initializer
        except (ValueError, DecodeError) as error:  # not protobuf
            raise BundleError(f"not a readable ONNX graph ({error})", folder / graph) from None
        for tensor in initializers:
            if tensor.name.startswith(prefix):
                weights[module + tensor.name[len(prefix):]] = torch.from_numpy(numpy_helper.to_array(tensor).copy())
            elif graph == "motion.onnx" and tensor.name.startswith(REFINEMENTS_IN_GRAPH):  # parts or dense motion
                weights[tensor.name[len("model."):]] = torch.from_numpy(numpy_helper.to_array(tensor).copy())
            elif graph == "motion.onnx" and tensor.name == "exp":  # exp(log_sharpness), folded at export
                weights["motion_net.registration.log_sharpness"] = torch.log(
                    torch.from_numpy(numpy_helper.to_array(tensor).copy()))
    check_digests(folder, Metadata.model_validate(metadata), data)
    return weights


REFINEMENTS = ("part_motion.", "dense_motion.")  # what moves a character beyond its body's affine
REFINEMENTS_IN_GRAPH = tuple("model." + name for name in REFINEMENTS)


def warm_start(model: SceneModel, init_from: str) -> None:
    """Load a summed or layered bundle's weights into a layered ``model`` (in place); raises ConfigError."""
    folder = _bundle(init_from)
    if not model.layered:
        raise ConfigError(f"init_from={init_from!r}: starts a layered model; this run's renderer is summed")
    try:
        metadata = read_metadata(folder)  # model.json, checked against the bundle contract
        layered = metadata.get("renderer") == "layered"
        weights = bundle_weights(folder, metadata, LAYERED_GRAPH_MODULES if layered else GRAPH_MODULES)
    except BundleError as error:
        raise ConfigError(f"init_from={init_from!r}: {error}") from None
    state = model.state_dict()
    for name, tensor in list(weights.items()):
        if name.startswith("renderer."):  # the summed renderer starts both layered decoders
            rest = name[len("renderer."):]
            weights["background_decoder." + rest] = tensor
            weights["character_decoder." + rest] = _widened(tensor, state["character_decoder." + rest])
            del weights[name]
        elif name.startswith("character_decoder.") and name in state:  # RGB and alpha start RGB, alpha, v
            weights[name] = _widened(tensor, state[name])
    # a model with parts (or dense motion) starts them afresh: a bundle without them has nothing to give
    missing = sorted(name for name in set(state) - set(weights) if not name.startswith(REFINEMENTS))
    wrong = [name for name in state if name in weights and weights[name].shape != state[name].shape]
    if missing or wrong:
        raise ConfigError(f"init_from={init_from!r}: {folder} is not a model of this run's architecture "
                          f"({'missing ' + missing[0] if missing else 'a different shape for ' + wrong[0]}); "
                          "set init_from=\"\" to start from scratch")
    model.load_state_dict({name: weights[name] for name in state if name in weights}, strict=False)


def _widened(renderer: torch.Tensor, character: torch.Tensor) -> torch.Tensor:
    """A decoder's last layer with fewer outputs as the character decoder's, the new outputs with
    zero weights and bias, so they start at 0.5 everywhere: the summed renderer's 3 (RGB) as 4 (alpha
    added), or a layered decoder's 4 as 5 (the visibility of ``model.colour = "source"``: half the
    colour from the source at first); any other layer as it is."""
    widened = torch.zeros_like(character)
    if renderer.ndim == 4 and renderer.shape[::2] == character.shape[::2] and renderer.shape[1] < character.shape[1]:
        widened[:, : renderer.shape[1]] = renderer  # ConvTranspose2d weight [in, out, k, k]
    elif renderer.ndim == 1 and renderer.shape[0] < character.shape[0]:
        widened[: renderer.shape[0]] = renderer
    else:
        return renderer  # the same shape, or one that does not fit (reported by the caller)
    return widened
