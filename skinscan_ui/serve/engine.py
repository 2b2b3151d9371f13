"""Running a model's serving graph through LiteRT: a uint8 batch in, logits, features and class maps out.

The graph is `build.models.serving_model`'s, exported with its parity checked. LiteRT starts in
milliseconds and needs no TensorFlow, which keeps the app small and its first answer fast; the
build side runs the same graph through Keras (`build.keras_engine`) to check the export against.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np


class Outputs(NamedTuple):
    logits: np.ndarray  # (N, classes), before softmax and temperature
    features: np.ndarray  # (N, D), globally pooled last convolution
    maps: np.ndarray  # (N, h, w, classes), each class's Grad-CAM before ReLU and upsampling
    maps_pp: np.ndarray | None = None  # (N, h, w, classes), each class's Grad-CAM++ (with `detail`)
    activations: np.ndarray | None = None  # (N, h, w, C), the last convolution itself (with `detail`)
    joined: np.ndarray | None = None  # (N, sum of D), an ensemble's members' pooled features side by side


def concatenate(parts: list[Outputs]) -> Outputs:
    """The outputs of several batches as one (the explanation outputs stay None when a part lacks them)."""
    return Outputs(*(np.concatenate(f) if f[0] is not None else None for f in zip(*parts, strict=True)))


def outputs(out: dict, detail: bool) -> Outputs:
    """The named outputs; the two large explanation ones only when asked for (a batch does not keep them)."""
    extra = (np.asarray(out["maps_pp"]), np.asarray(out["activations"])) if detail else (None, None)
    return Outputs(*(np.asarray(out[k]) for k in ("logits", "features", "maps")), *extra)


class Engine(Protocol):
    name: str

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs: ...


def cpu_budget() -> int:
    """The CPUs this process may use: its affinity, capped by a container's CPU quota (cgroup v2 `cpu.max`)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here
    return cpus


THREADS = cpu_budget()  # every interpreter's threads: one setting for all the app's cached models


@functools.cache
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which numpy's BLAS runs on one thread, restored on leaving it; for each request.

    OpenBLAS threads spin for a while after each small product (the guard's distances) and take the
    cores the interpreter's own threads need next: on 2 cores the ensemble's classify + Grad-CAM
    took 97.8 ms a photo, 40.8 ms with one BLAS thread (`bench.latency`). The guard's products are
    far too small to need threads, and nothing outside a request is changed.
    """
    return _blas().limit(limits=1, user_api="blas")


class LiteEngine:
    """A `.tflite` export run by LiteRT's interpreter, one request at a time (it is not thread-safe)."""

    name = "litert"

    def __init__(self, path: Path, threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(path), num_threads=threads or THREADS)
        self.runner = self.interpreter.get_signature_runner()
        self.input_name = next(iter(self.runner.get_input_details()))
        self._lock = threading.Lock()

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs:
        with self._lock:
            out = self.runner(**{self.input_name: np.asarray(images, np.float32)})
        if detail and "activations" not in out:
            raise ValueError("this LiteRT export predates Grad-CAM++ and Score-CAM outputs; re-export it")
        return outputs(out, detail)
