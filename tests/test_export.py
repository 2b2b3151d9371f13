"""The LiteRT export: the serving graph is the model, the export keeps parity, and the app serves it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image
from tiny import synthetic

from skinscan_ui.build import cards, export
from skinscan_ui.build.keras_engine import classifier as keras_classifier
from skinscan_ui.build.keras_engine import load
from skinscan_ui.build.models import serving_model
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.model_store import ModelError


@pytest.fixture(scope="module")
def exported(tiny_weights, tmp_path_factory):
    """A copy of the tiny model's folder after `python -m skinscan_ui.build.export` (no data folder here)."""
    folder = tmp_path_factory.mktemp("exported") / "run"
    shutil.copytree(tiny_weights, folder)
    assert export.main(["--model", str(folder / "tiny.json"), "--data", str(folder / "no-data")]) == 0
    return folder


def test_serving_graph_gives_the_models_probabilities_and_its_cams(tiny_weights):
    model, card = load("tiny", tiny_weights)
    x, _ = synthetic(2, seed=21)
    out = serving_model(model, card.last_conv).predict(x.astype("float32"), verbose=0)
    logits = out["logits"]
    probs = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(probs / probs.sum(1, keepdims=True), model.predict(x, verbose=0), atol=1e-5)
    bias = model.layers[-1].get_weights()[1]
    np.testing.assert_allclose(out["maps"].mean(axis=(1, 2)) + bias, logits, atol=1e-4)


def test_serving_graph_refuses_a_head_grad_cam_cannot_read():
    import keras
    from keras import layers

    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, name="conv")(inputs)
    outputs = layers.Dense(7, activation="softmax")(layers.Flatten()(x))
    with pytest.raises(ValueError, match="global average pooling"):
        serving_model(keras.Model(inputs, outputs), "conv")


def test_export_is_recorded_in_the_card_and_served(exported):
    card = json.loads((exported / "tiny.json").read_text())
    assert card["litert"]["file"].endswith("tiny.tflite") and card["litert"]["parity"] is None
    assert "LiteRT export" in (exported / "tiny.md").read_text()
    assert Classifier.load("tiny", weights_dir=exported).engine.name == "litert"


def test_litert_answers_like_keras(exported):
    lite = Classifier.load("tiny", weights_dir=exported)
    reference = keras_classifier("tiny", weights_dir=exported)
    x, y = synthetic(4, seed=22)
    report = export.parity(reference.probabilities(x), lite.probabilities(x), y)
    assert report["passes"], report
    a, b = (c.analyse(Image.fromarray(x[5])) for c in (lite, reference))
    assert a.prediction.top1 == b.prediction.top1 and a.prediction.outcome == b.prediction.outcome
    assert np.corrcoef(a.heatmap.ravel(), b.heatmap.ravel())[0, 1] > 0.99


def test_parity_fails_when_answers_differ():
    ref = np.eye(7)[[0, 1, 2, 3]]
    assert not export.parity(ref, np.eye(7)[[0, 1, 2, 4]])["passes"]
    assert not export.parity(ref, 0.95 * ref + 0.05 / 7)["passes"]


def test_altered_export_is_refused(exported, tmp_path):
    folder = shutil.copytree(exported, tmp_path / "w")
    with open(folder / "tiny.tflite", "ab") as f:
        f.write(b"tampered")
    with pytest.raises(ModelError, match="tiny.tflite does not match the integrity manifest"):
        Classifier.load("tiny", weights_dir=folder)


def test_a_deleted_export_is_said_not_replaced_by_tensorflow(exported, tmp_path):

    folder = shutil.copytree(exported, tmp_path / "w")
    (folder / "tiny.tflite").unlink()
    cards.write_manifest(folder)  # even re-blessed, the card still records an export
    with pytest.raises(ModelError, match="LiteRT export .*tiny.tflite of tiny is missing"):
        Classifier.load("tiny", weights_dir=folder)


def test_no_build_tool_writes_into_the_served_folder(tiny_weights, tmp_path, monkeypatch):
    """Only `ship` changes what the app serves (it stages, verifies, then swaps)."""
    folder = tmp_path / "weights"
    shutil.copytree(tiny_weights, folder)
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(folder))
    before = (folder / "tiny.json").read_text()
    with pytest.raises(RuntimeError, match="only python -m skinscan_ui.build.ship writes there"):
        export.main(["--model", "tiny", "--data", str(folder / "no-data")])
    assert (folder / "tiny.json").read_text() == before
    assert Classifier.load("tiny", folder).engine.name == "litert", "nothing half-written"
