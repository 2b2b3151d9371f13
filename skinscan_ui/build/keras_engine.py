"""The Keras side of a model: its checkpoint loaded safely, and the engine that runs it.

The app never uses it (it serves LiteRT exports); export parity, reference explanations,
evaluation of checkpoints and the ensemble build do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from skinscan_ui.build import checkpoints
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
    """The entry that describes a member checkpoint (`weights/ensemble_0.keras`) in its ensemble's card, or None.

    A member's own card is not shipped: where it came from and how it was trained live in its ensemble's.
    """
    for card in model_store.available(path.parent):
        for m in card.members:
            if m["keras"] == path.name:
                return m
    return None


def checkpoint(card: Card) -> Path:
    """A model's checkpoint (an ensemble's: its first member's, which tf-keras-vis's methods read)."""
    folder = card.path.parent
    if card.members:
        m = card.members[0]
        return checkpoints.restore(folder, m["keras"], m["keras_sha256"], m.get("checkpoint_git"))
    return checkpoints.restore(folder, Path(card.data["file"]).name, card.sha256, card.data.get("checkpoint_git"))


def load(name_or_path: str | None = None, weights_dir: Path | None = None) -> tuple[object, Card]:
    """(Keras model, card): a model name, its card, or a `.keras` file, restored if need be, checked, loaded safely.

    A `.keras` path without a card beside it is a training run's output or an ensemble member (whose
    entry in its ensemble's card is checked instead); it gets a minimal card of its own.
    """
    import keras

    as_path = Path(name_or_path) if name_or_path else None
    card = None
    if as_path is not None and as_path.suffix == ".keras" and not as_path.with_suffix(".json").is_file():
        entry = ensemble_member(as_path)
        path = (
            checkpoints.restore(as_path.parent, as_path.name, entry["keras_sha256"], entry.get("checkpoint_git"))
            if entry is not None
            else as_path
        )
        if not path.is_file():
            raise ModelError(f"model file {paths.relative(path)} is missing")
    else:
        card = model_store.find(name_or_path, weights_dir)
        path = checkpoint(card)
    try:
        model = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types for a broken zip or config
        raise ModelError(f"model file {paths.relative(path)} cannot be loaded ({type(exc).__name__}: {exc})") from None
    if card is None:
        shape = model.input_shape
        card = Card(
            name=as_path.stem,
            path=as_path.with_suffix(".json"),
            input_size=(shape[1], shape[2]),
            last_conv=_guess_last_conv(model),
        )
    return model, card


def classifier(name_or_path: str | None = None, weights_dir: Path | None = None) -> Classifier:
    """A model run through its Keras checkpoint rather than its export (parity checks, unexported models)."""
    model, card = load(name_or_path, weights_dir)
    return Classifier(KerasEngine(model, card.last_conv), card)
