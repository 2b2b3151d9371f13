"""On the real data (CI has it): a short training run end to end, and the shipped default's quality."""

from __future__ import annotations

import importlib.util
import json

import pandas as pd
import pytest
from conftest import needs_data

from skinscan_ui.build import evaluate, keras_engine, train
from skinscan_ui.build.data import load_split, read_metadata
from skinscan_ui.serve import manifest, model_store, paths

pytestmark = needs_data


def test_one_short_training_run_writes_a_model_and_card_that_ship_and_answer(tmp_path):
    """The build path end to end on real photos: train, ship (export, guard, index, checks), serve, answer."""
    code = train.main(
        [
            "--model",
            "skinscan",
            "--size",
            "96x128",
            "--epochs",
            "1",
            "--limit",
            "64",
            "--batch-size",
            "32",
            "--run-dir",
            str(tmp_path / "run"),
            "--out",
            str(tmp_path / "w"),
        ]
    )
    assert code == 0
    card = json.loads((tmp_path / "w" / "skinscan.json").read_text())
    assert card["training"]["split_sizes"]["train"] == 64
    assert card["temperature"] > 0 and 0 <= card["referral_threshold"] <= 1
    assert card["val_metrics"]["referral"]["sensitivity"] >= 0.85, "threshold chosen on validation"
    assert (tmp_path / "w" / "skinscan_confusion.png").stat().st_size > 1000
    assert (tmp_path / "run" / "log.csv").read_text().count("\n") == 2, "header and one epoch"
    assert card["input_size"] == [96, 128], "trained at the size asked for, not the registry's"
    model, loaded = keras_engine.load("skinscan", tmp_path / "w")
    assert loaded.sha256 == card["sha256"]
    assert loaded.input_size == (96, 128) and model.input_shape == (None, 96, 128, 3)

    from skinscan_ui.build import ship
    from skinscan_ui.serve import examples
    from skinscan_ui.serve.classifier import Classifier
    from skinscan_ui.serve.images import read_file

    served = tmp_path / "served"
    served.mkdir()
    argv = ["network", str(tmp_path / "w" / "skinscan.json"), "--weights", str(served), "--default", "--limit", "32"]
    assert ship.main(argv) == 0
    assert not list(served.glob("*.keras")), "the checkpoint is not served"
    classifier = Classifier.load(None, served)
    assert classifier.card.name == "skinscan" and classifier.engine.name == "litert" and classifier.guard.active
    shipped = json.loads((served / "skinscan.json").read_text())
    assert {"litert", "ood", "similar_cases"} <= set(shipped)
    photo = read_file(str(examples.image_path(examples.test_examples()["mel"][0])))
    assert classifier.analyse(photo).prediction.outcome in ("refer", "benign", "uncertain")


def test_resume_continues_a_stopped_run(tmp_path):
    """Kill a run after its first epoch; --resume finishes it without repeating that epoch."""
    import subprocess
    import sys
    import time

    run = tmp_path / "run"
    common = ["--model", "skinscan", "--size", "96x128", "--limit", "32", "--epochs", "3", "--patience", "9"]
    common += ["--run-dir", str(run), "--out", str(tmp_path / "w")]
    args = [sys.executable, "-m", "skinscan_ui.build.train", *common]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        state = run / "state.json"
        saved = (run / "backup" / "training_metadata.json").is_file()  # written after the weights
        if saved and state.is_file() and json.loads(state.read_text())["epochs"] >= 1:
            break
        time.sleep(0.5)
    proc.kill()
    proc.wait()
    done = json.loads((run / "state.json").read_text())["epochs"]
    assert 1 <= done < 3, "stopped part-way"
    assert train.main([*common, "--resume"]) == 0
    log = pd.read_csv(run / "log.csv")
    assert log["epoch"].tolist() == [0, 1, 2], "each epoch once, resumed where it stopped"
    assert json.loads((run / "state.json").read_text())["epochs"] == 3


def test_the_served_default_scores_what_its_card_says_on_the_whole_test_split(tmp_path):
    """The app's own engine (LiteRT exports, two views, the shipped guard) through `evaluate`, on all 1,240
    HAM10000 test photos: the card's figures, not just better than chance."""
    meta = read_metadata(paths.data_dir()).merge(load_split(), on="image_id")
    test = meta[meta["split"] == "test"]
    test[["image_id", "dx", "age", "sex", "localization"]].to_csv(tmp_path / "labels.csv", index=False)
    out = tmp_path / "out"
    assert (
        evaluate.main(
            ["--images", str(paths.data_dir() / "images"), "--labels", str(tmp_path / "labels.csv"), "--out", str(out)]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n"] == len(test)
    card = model_store.find()
    assert metrics["model"]["name"] == card.name
    served = metrics["model"].get("served_files") or [metrics["model"]["served_file"]]
    assert metrics["model"]["engine"] in ("litert", "ensemble") and all(f["path"].endswith(".tflite") for f in served)
    recorded = card.test_by_source["ham10000"]
    for key in ("accuracy", "balanced_accuracy", "melanoma_auc", "malignant_auc"):
        assert metrics[key] == pytest.approx(recorded[key], abs=0.01), key


def test_ema_keeps_the_averaged_weights_not_the_last_step(tmp_path):
    """With a momentum near 1 the average hardly leaves the starting point, while plain training does."""
    import keras
    import numpy as np

    from skinscan_ui.build.models import build

    start = tmp_path / "start.keras"
    build("skinscan", input_size=(96, 128)).save(start)  # the size the other runs here use: one decode cache
    kept = {}
    for ema in (None, 0.99999):
        run = tmp_path / f"run_{ema}"
        args = ["--model", "skinscan", "--size", "96x128", "--init", str(start), "--epochs", "1", "--limit", "64"]
        args += ["--run-dir", str(run), "--out", str(tmp_path / f"w_{ema}")] + (["--ema", str(ema)] if ema else [])
        assert train.main(args) == 0
        kept[ema] = keras.models.load_model(run / "best.keras", compile=False)
    initial = keras.models.load_model(start, compile=False)

    def moved(model) -> float:
        return max(
            float(np.abs(a.numpy() - b.numpy()).max())
            for a, b in zip(model.trainable_weights, initial.trainable_weights, strict=True)
        )

    assert moved(kept[None]) > 1e-4
    assert moved(kept[0.99999]) < moved(kept[None]) / 100
    card = json.loads((tmp_path / "w_0.99999" / "skinscan.json").read_text())
    assert "EMA" in card["training"]["optimizer"]


def test_distillation_trains_on_the_teachers_flip_averaged_softmax_and_says_so(tmp_path):
    import keras
    import numpy as np

    from skinscan_ui.build.data import dataset
    from skinscan_ui.build.models import build
    from skinscan_ui.build.training import teacher_targets

    teacher = tmp_path / "teacher.keras"
    build("skinscan", input_size=(96, 128)).save(teacher)  # smaller than the student's 120x160
    run, out = tmp_path / "run", tmp_path / "w"
    args = ["--model", "skinscan", "--epochs", "1", "--limit", "32", "--teacher", str(teacher), "--distill", "0.7"]
    assert train.main([*args, "--run-dir", str(run), "--out", str(out)]) == 0
    soft = np.load(run / "teacher_targets.npy")
    photos, _, _ = dataset(paths.data_dir(), "train", (96, 128))
    expected = teacher_targets([keras.models.load_model(teacher, compile=False)], photos[:32])
    np.testing.assert_allclose(soft, expected, atol=1e-5, err_msg="the teacher saw the photos at its own size")
    card = json.loads((out / "skinscan.json").read_text())
    assert "0.3 x one-hot + 0.7 x" in card["training"]["distillation"]
    assert f"{teacher} (sha256 {manifest.sha256(teacher)[:16]})" in card["training"]["distillation"], "reproducible"
    assert "distillation: soft labels" in (out / "skinscan.md").read_text()


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs jax (requirements-dev.txt)")
def test_a_model_trained_on_jax_answers_the_same_here_and_exports(tmp_path):
    """A lent GPU has JAX and no TensorFlow: what it trains must load, score and export here unchanged."""
    import os
    import subprocess
    import sys

    from skinscan_ui.build import export
    from skinscan_ui.build.data import dataset
    from skinscan_ui.build.keras_engine import KerasEngine
    from skinscan_ui.build.metrics import evaluate as evaluate_metrics
    from skinscan_ui.serve.calibration import apply_temperature
    from skinscan_ui.serve.classifier import Classifier
    from skinscan_ui.serve.engine import LiteEngine

    out = tmp_path / "w"
    # The SkinScan network: the train CLI and the acquisition layers on JAX, at a fraction of an EfficientNet's
    # compile time (test_gpu_kit trains a Lite0 on JAX and serves it; test_models checks colour constancy).
    args = ["--model", "skinscan", "--size", "96x128", "--epochs", "1", "--limit", "48", "--batch-size", "48"]
    args += ["--acquisition", "blur,gamma", "--run-dir", str(tmp_path / "run"), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "skinscan_ui.build.train", *args],
        env={**os.environ, "KERAS_BACKEND": "jax"},
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    card = json.loads((out / "skinscan.json").read_text())
    assert card["training"]["backend"] == "jax"

    model, loaded = keras_engine.load("skinscan", out)  # on TensorFlow, as the app and export run
    x, y, _ = dataset(paths.data_dir(), "test", (96, 128))
    x, y = train.even_sample(x, y, 48)  # the test images the run scored (--limit 48)
    probs = apply_temperature(model.predict(x, verbose=0), card["temperature"])
    here = evaluate_metrics(y, probs, card["referral_threshold"])
    assert here["accuracy"] == card["test_metrics"]["accuracy"]
    assert here["ece"] == pytest.approx(card["test_metrics"]["ece"], abs=1e-4), "same probabilities on both backends"

    export.convert(model, loaded.last_conv, tmp_path / "m.tflite")
    ref, lite = (
        Classifier(e, loaded).probabilities(x)
        for e in (KerasEngine(model, loaded.last_conv), LiteEngine(tmp_path / "m.tflite"))
    )
    assert export.parity(ref, lite)["passes"]
