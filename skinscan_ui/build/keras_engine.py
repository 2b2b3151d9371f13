"""The Keras side of a model: its checkpoint loaded safely, and the engine that runs it.

The app never uses it (it serves LiteRT exports); export parity, reference explanations,
evaluation of checkpoints and the ensemble build do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from skinscan_ui.serve import model_store, paths
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.engine import Outputs, outputs
from skinscan_ui.serve.model_store import Card, ModelError


class KerasEngine:
    """The Keras model itself, re-wired by `models.serving_model`."""

    name = "keras"

    def __init__(self, model, last_conv: str):
        from skinscan_ui.build.models import serving_model

        self.serving = serving_model(model, last_conv)

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs:
        return outputs(self.serving.predict_on_batch(np.asarray(images, np.float32)), detail)


def _guess_last_conv(model) -> str:
    for layer in reversed(model.layers):
        if len(layer.output.shape) == 4:
            return layer.name
    raise ModelError(f"model {model.name} has no convolutional layer for Grad-CAM")


def ensemble_member(path: Path) -> dict | None:
    """The entry that describes a card-less network file in the card of an ensemble beside it, or None.

    A member's own card is not shipped: where it came from and how it was trained live in its ensemble's.
    """
    for card in model_store.available(path.parent):
        for m in card.members:
            if m["keras"] == path.name:
                return m
    return None


def load(name_or_path: str | None = None, weights_dir: Path | None = None):
    """(keras model, card) after checking the file exists, matches its card and loads safely."""
    import keras

    path, card = model_store.find(name_or_path, weights_dir)
    if card and card.members:
        path = model_store.member_files(card)[0][0]  # tf-keras-vis's methods read the first member
        model_store.verify_file(path, card.members[0]["keras_sha256"])
    elif card:
        model_store.verify_file(path, card.sha256)
    elif (entry := ensemble_member(path)) is not None:  # a shipped member file, rebuilt from a clone
        model_store.verify_file(path, entry["keras_sha256"])
    try:
        model = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types for a broken zip or config
        raise ModelError(f"model file {paths.relative(path)} cannot be loaded ({type(exc).__name__}: {exc})") from None
    if card is None:
        shape = model.input_shape
        card = Card(name=path.stem, path=path, input_size=(shape[1], shape[2]), last_conv=_guess_last_conv(model))
    return model, card


def classifier(name_or_path: str | None = None, weights_dir: Path | None = None) -> Classifier:
    """A model run through its Keras checkpoint rather than its export (parity checks, unexported models)."""
    model, card = load(name_or_path, weights_dir)
    return Classifier(KerasEngine(model, card.last_conv), card)
