"""The expensive things, each behind a Streamlit cache: models, statistics, per-photo results."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import streamlit as st

from skinscan_ui.serve import context, examples, paths
from skinscan_ui.serve.classifier import Classifier, Result
from skinscan_ui.serve.images import load_image
from skinscan_ui.ui.language import t

RESULTS_KEPT = 64  # per session (a full batch); a slider move, a class switch or a row pick reuses them


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(name: str, weights_dir: str) -> Classifier:
    model = Classifier.load(name, weights_dir=Path(weights_dir))
    model.warm_up()
    return model


def classifier(name: str) -> Classifier:
    """One loaded, warmed-up model per name and weights folder, shared by every session."""
    with st.spinner(t("app.loading_model")):
        return _load(name, str(paths.weights_dir()))


@st.cache_data(show_spinner=False)
def _context(path: str) -> dict:
    return context.load(Path(path))


def dataset_context() -> dict:
    """The committed HAM10000 statistics (raises ContextError when missing)."""
    return _context(str(paths.CONTEXT_JSON))


@st.cache_data(show_spinner=False, ttl=600)
def example_images(data_dir: str) -> dict[str, list[str]]:
    """Test-split example ids per class for a data folder ({} when there is none)."""
    return examples.test_examples(data_dir)


def analyse(model_name: str, data: bytes) -> Result:
    """The result for a photo, computed once per session and model (raises ImageError)."""
    key = (model_name, hashlib.sha256(data).hexdigest())
    cache: dict = st.session_state.setdefault("results", {})
    if key not in cache:
        image = load_image(data)
        cache[key] = classifier(model_name).analyse(image)
        while len(cache) > RESULTS_KEPT:
            cache.pop(next(iter(cache)))
    return cache[key]


def heatmap(model_name: str, result: Result, class_index: int, method: str) -> np.ndarray:
    """Grad-CAM and Grad-CAM++ of any class from the forward pass; Score-CAM computed once per session.

    All three come from the serving engine: the app never loads TensorFlow.
    """
    if method in ("gradcam", "gradcam++"):
        return result.heatmap_for(class_index, method)
    key = (model_name, hashlib.sha256(result.pixels.tobytes()).hexdigest(), class_index, method)
    cache: dict = st.session_state.setdefault("heatmaps", {})
    if key not in cache:
        cache[key] = classifier(model_name).score_cam(result, class_index)
        while len(cache) > RESULTS_KEPT * 3:
            cache.pop(next(iter(cache)))
    return cache[key]
