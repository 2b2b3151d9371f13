"""Running a model's serving graph: LiteRT when a checked `.tflite` ships beside it, else Keras.

Both run the graph of `models.serving_model` (logits, pooled features, per-class maps) on a uint8
batch. LiteRT starts in milliseconds and needs no TensorFlow, which keeps the app small and its
first answer fast; Keras is the reference and the fallback for models shipped without an export.
"""

from __future__ import annotations

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


def concatenate(parts: list[Outputs]) -> Outputs:
    """The outputs of several batches as one (the explanation outputs stay None when a part lacks them)."""
    return Outputs(*(np.concatenate(f) if f[0] is not None else None for f in zip(*parts)))


def _outputs(out: dict, detail: bool) -> Outputs:
    """The named outputs; the two large explanation ones only when asked for (a batch does not keep them)."""
    extra = (np.asarray(out["maps_pp"]), np.asarray(out["activations"])) if detail else (None, None)
    return Outputs(*(np.asarray(out[k]) for k in ("logits", "features", "maps")), *extra)


class Engine(Protocol):
    name: str

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs: ...


def one_blas_thread() -> None:
    """Numpy's BLAS on one thread, for a process that serves through LiteRT.

    OpenBLAS threads spin for a while after each small product (the guard's distances) and take the
    two cores the interpreter's own threads need next: on 2 cores the ensemble's classify + Grad-CAM
    took 97.8 ms a photo, 40.8 ms with this (`bench.latency`). The guard's products are far too small
    to need threads.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


class LiteEngine:
    """A `.tflite` export run by LiteRT's interpreter, one request at a time (it is not thread-safe)."""

    name = "litert"

    def __init__(self, path: Path, threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(path), num_threads=threads or os.cpu_count() or 1)
        self.runner = self.interpreter.get_signature_runner()
        self.input_name = next(iter(self.runner.get_input_details()))
        self._lock = threading.Lock()

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs:
        with self._lock:
            out = self.runner(**{self.input_name: np.asarray(images, np.float32)})
        if detail and "activations" not in out:
            raise ValueError("this LiteRT export predates Grad-CAM++ and Score-CAM outputs; re-export it")
        return _outputs(out, detail)


class KerasEngine:
    """The Keras model itself, re-wired by `models.serving_model`."""

    name = "keras"

    def __init__(self, model, last_conv: str):
        from skinscan_ui.models import serving_model

        self.serving = serving_model(model, last_conv)

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs:
        return _outputs(self.serving.predict_on_batch(np.asarray(images, np.float32)), detail)
