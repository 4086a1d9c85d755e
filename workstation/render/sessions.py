"""ONNX Runtime sessions made the way every graph of this process is run: one shared thread pool,
CUDA when its provider loads (a graph that fails there is tried once on the CPU), nothing printed,
and onnxruntime's complaint about a damaged graph cut down to its reason. What a session is of (a
model bundle's graphs) is ``workstation/render/bundle.py``'s. No Qt, no torch.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

_shared_threads: bool | None = None  # whether this process's sessions share one thread pool


def _use_shared_threads() -> bool:
    """One intra-op thread pool for all sessions: with a pool per graph, the pool of the graph just
    run keeps spinning and steals the cores of the next one (a full h took 3.0 ms instead of 1.9
    on 2 cores). The pool can only be set up before ONNX Runtime's first session in the process."""
    global _shared_threads
    if _shared_threads is None:
        import onnxruntime

        try:
            onnxruntime.set_global_thread_pool_sizes(0, 1)
            _shared_threads = True
        except Exception:  # the environment already exists with per-session pools
            _shared_threads = False
    return _shared_threads


def _session_options(shared_threads: bool):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.use_per_session_threads = not shared_threads
    return options


def new_session(graph: Path | bytes, providers: list[str] | None = None):
    """An InferenceSession of a graph (a file, or the bytes of one) made the way every session of
    this process must be (they share one thread pool once the first is made). When CUDA comes first
    and the graph fails there, it is tried once more on the CPU alone; nothing is printed
    (onnxruntime's own fallback would print a banner on stdout), and a graph that loads nowhere
    raises the first error onnxruntime gave."""
    import onnxruntime

    providers = providers or ["CPUExecutionProvider"]
    options = _session_options(_use_shared_threads())
    attempts = [providers] if providers == ["CPUExecutionProvider"] else [providers, ["CPUExecutionProvider"]]
    source = graph if isinstance(graph, bytes) else str(graph)
    first: Exception | None = None
    for attempt in attempts:
        try:
            return onnxruntime.InferenceSession(source, options, providers=attempt, enable_fallback=0)
        except Exception as error:  # onnxruntime raises several kinds for a damaged graph
            first = first or error
    assert first is not None
    raise first


def graph_problem(path: Path, error: Exception) -> str:
    """What onnxruntime said about a graph it could not load, without its codes, the path again or
    C++ source locations: e.g. "Protobuf parsing failed"."""
    text = " ".join(str(error).split())
    text = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text)
    text = re.sub(r"^(Load model from .* failed: ?|Failed to load model because )", "", text)
    text = re.sub(r"\S+\.(cc|cpp|h):\d+ \S+ ?", "", text).strip().rstrip(".")
    return text[:1].upper() + text[1:160] or type(error).__name__


def _preload_cuda_libraries() -> None:
    """Load CUDA and cuDNN from the nvidia-* wheels of `onnxruntime-gpu[cuda,cudnn]` when they are
    installed; without them this only prints what it could not find, which the user need not see."""
    import onnxruntime

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            onnxruntime.preload_dlls()
        except Exception:
            pass


def preferred_providers(prefer_cuda: bool) -> list[str]:
    """The providers to ask for, in order: CUDA first when it is wanted and its provider is installed."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(4)  # a CUDA provider that fails to load is not an error to the user
    if prefer_cuda and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        _preload_cuda_libraries()
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]
