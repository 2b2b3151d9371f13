"""`python -m skinscan_ui.evaluate` end to end on a small synthetic folder with the tiny model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli import run_cli
from PIL import Image
from sklearn.metrics import balanced_accuracy_score
from tiny import synthetic

from skinscan_ui import evaluate
from skinscan_ui.labels import CLASSES

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
    for i, (img, c) in enumerate(zip(x, y)):
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
    assert metrics["model"]["engine"] == "keras" and "served_file" not in metrics["model"]
    preds = pd.read_csv(out / "predictions.csv")
    assert list(preds.columns) == ["image_id", "dx", "pred"] + [f"p_{c}" for c in CLASSES]
    assert np.allclose(preds[[f"p_{c}" for c in CLASSES]].sum(axis=1), 1.0, atol=1e-4)
    assert metrics["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(preds["dx"], preds["pred"]))
    assert metrics["balanced_accuracy"] > 1 / 7, "the tiny model learned the colours"


def test_evaluate_refuses_bad_labels_without_traceback(folder, tiny_weights, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("image_id,diagnosis\nimg000,nv\n")
    proc = run_cli(
        "evaluate",
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
