"""The expensive things, each behind a Streamlit cache: models, statistics, per-photo results, card charts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from skinscan_ui.serve import context, examples, paths
from skinscan_ui.serve.classifier import Classifier, Result
from skinscan_ui.serve.images import load_image
from skinscan_ui.serve.model_store import Card
from skinscan_ui.ui import charts
from skinscan_ui.ui.language import t

# For the whole server, every session together, so memory stays bounded however many sessions come and go
# (Streamlit keeps a closed tab's session state for a while): two full batches at once, about 0.4 MB each.
RESULTS_KEPT = 100
HEATMAPS_KEPT = 48  # Score-CAM maps, 0.3 MB each


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(name: str, weights_dir: str) -> Classifier:
    model = Classifier.load(name, weights_dir=Path(weights_dir))
    model.warm_up()
    return model


def classifier(name: str) -> Classifier:
    """One loaded, warmed-up model per name and weights folder, shared by every session."""
    with st.spinner(t("app.loading_model")):
        return _load(name, str(paths.weights_dir()))


def card_charts(card: Card, lang: str) -> list[go.Figure]:
    """The model card's confusion matrix and reliability diagram (those its card has figures for), drawn once
    per model and language: the card is part of every page, so it must cost a rerun nothing."""
    return _card_charts(card.name, card.sha256, lang, card)


@st.cache_resource(show_spinner=False, max_entries=16)
def _card_charts(name: str, sha256: str | None, lang: str, _card: Card) -> list[go.Figure]:
    matrix = [charts.confusion(_card.test_metrics, lang)] if _card.test_metrics else []
    return matrix + ([charts.calibration(_card.test_reliability, lang)] if _card.test_reliability else [])


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
    """The result for a photo, computed once and kept in one bounded cache for all sessions (raises ImageError).

    Keyed by the photo's SHA-256, so a session only ever gets the result of a photo it holds itself. A slider
    move, a class switch or a row pick reuses it; so does the batch PDF, built when its button is clicked.
    """
    return _analysed(model_name, str(paths.weights_dir()), hashlib.sha256(data).hexdigest(), data)


@st.cache_resource(show_spinner=False, max_entries=RESULTS_KEPT)
def _analysed(model_name: str, weights_dir: str, digest: str, _data: bytes) -> Result:
    return _load(model_name, weights_dir).analyse(load_image(_data))


def heatmap(model_name: str, result: Result, class_index: int, method: str) -> np.ndarray:
    """Grad-CAM and Grad-CAM++ of any class from the forward pass; Score-CAM computed once, in a bounded cache.

    All three come from the serving engine: the app never loads TensorFlow.
    """
    if method in ("gradcam", "gradcam++"):
        return result.heatmap_for(class_index, method)
    digest = hashlib.sha256(result.pixels.tobytes()).hexdigest()
    return _score_cam(model_name, str(paths.weights_dir()), digest, class_index, result)


@st.cache_resource(show_spinner=False, max_entries=HEATMAPS_KEPT)
def _score_cam(model_name: str, weights_dir: str, digest: str, class_index: int, _result: Result) -> np.ndarray:
    return _load(model_name, weights_dir).score_cam(_result, class_index)
