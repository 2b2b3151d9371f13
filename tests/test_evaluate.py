"""`python -m skinscan_ui.build.evaluate` end to end on a small synthetic folder with the tiny model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli import run_cli
from conftest import needs_data
from PIL import Image
from sklearn.metrics import balanced_accuracy_score
from tiny import synthetic

from skinscan_ui.build import evaluate
from skinscan_ui.build.sources import ISIC2017
from skinscan_ui.serve.labels import CLASSES

KEYS = {
    "n",
    "accuracy",
    "balanced_accuracy",
    "top2_accuracy",
    "top3_accuracy",
    "macro_auc",
    "melanoma_auc",
    "ece",
    "per_class",
    "confusion_matrix",
    "referral",
    "model",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("labelled")
    x, y = synthetic(3, seed=21)
    rows = []
    for i, (img, c) in enumerate(zip(x, y, strict=True)):
        ext = ".png" if i % 2 else ".jpg"
        Image.fromarray(img).resize((128, 96)).save(root / f"img{i:03d}{ext}")
        rows.append({"image_id": f"img{i:03d}", "dx": CLASSES[c], "age": 50, "sex": "male", "localization": "back"})
    pd.DataFrame(rows).to_csv(root / "labels.csv", index=False)
    return root


def test_evaluate_writes_metrics_and_predictions(folder, tiny_weights, tmp_path):
    out = tmp_path / "out"
    code = evaluate.main(
        [
            "--images",
            str(folder),
            "--labels",
            str(folder / "labels.csv"),
            "--out",
            str(out),
            "--model",
            str(tiny_weights / "tiny.keras"),
        ]
    )
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert KEYS <= set(metrics)
    assert metrics["n"] == 21 and metrics["model"]["name"] == "tiny" and len(metrics["model"]["sha256"]) == 64
    assert metrics["model"]["engine"] == "litert", "evaluated as the app serves it"
    assert metrics["model"]["served_file"]["path"].endswith("tiny.tflite")
    preds = pd.read_csv(out / "predictions.csv")
    assert list(preds.columns) == ["image_id", "dx", "pred", "photo_type", "outcome", "threshold"] + [
        f"p_{c}" for c in CLASSES
    ]
    assert set(preds["outcome"]) <= {"refer", "benign", "uncertain"} and (preds["threshold"] == 0.5).all()
    assert np.allclose(preds[[f"p_{c}" for c in CLASSES]].sum(axis=1), 1.0, atol=1e-4)
    assert metrics["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(preds["dx"], preds["pred"]))
    assert metrics["balanced_accuracy"] > 1 / 7, "the tiny model learned the colours"


def test_evaluate_refuses_bad_labels_without_traceback(folder, tiny_weights, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("image_id,diagnosis\nimg000,nv\n")
    proc = run_cli(
        "build.evaluate",
        "--images",
        str(folder),
        "--labels",
        str(bad),
        "--out",
        str(tmp_path / "o"),
        "--model",
        str(tiny_weights / "tiny.keras"),
    )
    assert proc.returncode == 2
    assert "lacks the column(s) dx" in proc.stderr and "Traceback" not in proc.stderr


ISIC = ISIC2017.folder()


@needs_data("isic2017")
def test_the_served_default_scores_what_its_card_says_on_another_source(tmp_path):
    """Every ISIC 2017 test photo (another clinic's dermatoscopes), through the unchanged `evaluate` interface."""
    from skinscan_ui.serve import model_store

    split = pd.read_csv(ISIC2017.split_csv)
    labels = pd.read_csv(ISIC / "labels.csv").merge(split, on="image_id")
    test = labels[labels["split"] == "test"]
    test[["image_id", "dx"]].to_csv(tmp_path / "labels.csv", index=False)
    out = tmp_path / "out"
    assert (
        evaluate.main(["--images", str(ISIC / "images"), "--labels", str(tmp_path / "labels.csv"), "--out", str(out)])
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n"] == len(test)
    recorded = model_store.find().test_by_source["isic2017"]
    # The card's figures are the dermatoscope reading's; the few photos typed as phone close-ups are read by
    # the phone head, so the card is matched on the photos typed dermoscopy, and the whole part stays close.
    derm = metrics.get("by_photo_type", {}).get("dermoscopy", metrics)
    assert derm["n"] >= 0.95 * len(test), "nearly every ISIC 2017 photo is typed a dermatoscope photo"
    for key in ("accuracy", "balanced_accuracy", "melanoma_auc"):
        assert derm[key] == pytest.approx(recorded[key], abs=0.01), key
        assert metrics[key] == pytest.approx(recorded[key], abs=0.03), key
