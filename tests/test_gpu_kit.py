"""The GPU kit: a pack, a run of the tiny plan on JAX (as on the lent GPU, here on the CPU), and its
networks brought back into the serving path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import pairwise

import numpy as np
import pytest
from conftest import needs_data

from skinscan_ui.build import export, gpu_import, gpu_pack, keras_engine
from skinscan_ui.build.data import dataset
from skinscan_ui.build.gpu_run import PLANS, learning_rate
from skinscan_ui.build.keras_engine import KerasEngine
from skinscan_ui.serve import paths
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.engine import LiteEngine


def test_the_schedule_warms_up_over_one_epoch_then_decays_to_one_percent():
    steps = [learning_rate(s, 10, 100, 1e-3) for s in range(101)]
    assert steps[0] == pytest.approx(1e-5) and steps[10] == pytest.approx(1e-3)
    assert all(a <= b for a, b in pairwise(steps[:11])), "rises during warm-up"
    assert all(a >= b for a, b in pairwise(steps[10:])), "then only falls"
    assert steps[100] == pytest.approx(1e-5)


def test_every_planned_network_is_registered_and_fits_the_return_limit():
    from skinscan_ui.build.models import REGISTRY

    for plan in PLANS.values():
        assert len(plan) <= 7, "at most 8 files come back: one per network and the log"
        assert {n.model for n in plan} <= set(REGISTRY)


@needs_data
def test_a_tiny_run_on_jax_comes_back_into_the_serving_path(tmp_path):
    pack, out = tmp_path / "pack", tmp_path / "out"
    assert gpu_pack.main(["--out", str(pack), "--limit", "16", "--no-wheels"]) == 0
    summary = json.loads((pack / "pack.json").read_text())
    assert summary["images"]["pad_ufes20"] == {"train": 16, "val": 16}
    assert summary["total_mib"] < 25, "data, code and float16 backbones"

    # As on the device: the pack's own copy of the code, JAX, no TensorFlow needed.
    done = subprocess.run(
        [sys.executable, "-m", "skinscan_ui.build.gpu_run", "--pack", ".", "--out", str(out), "--plan", "tiny"]
        + ["--budget", "400", "--work", str(tmp_path / "work")],
        cwd=pack,
        env={**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(pack / "code")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "wrote nothing" not in done.stdout and "failed" not in done.stdout, done.stdout[-2000:]
    weights, log = gpu_import.read_run(out / "lite0_tiny.npz")
    assert log["epochs"][0]["val"]["pooled"]["log_loss"] > 0 and log["train_images"] == 48
    assert all(w.dtype == np.float32 for w in weights)

    assert gpu_import.main([str(out), "--out", str(tmp_path / "models"), "--command", "tiny"]) == 0
    folder = tmp_path / "models" / "lite0_tiny"
    model, card = keras_engine.load("efficientnet_lite0", folder)
    assert card.input_size == (64, 80)
    data = json.loads(card.path.with_suffix(".json").read_text())
    assert data["training"]["backend"] == "jax" and data["training"]["epochs"] == 1
    assert set(data["metrics_by_source"]["test"]) == {"ham10000", "isic2017", "pad_ufes20"}

    x, _, _ = dataset(paths.data_dir(), "test", (64, 80))
    export.convert(model, card.last_conv, tmp_path / "m.tflite")
    ref, lite = (
        Classifier(e, card).probabilities(np.asarray(x[:16]))
        for e in (KerasEngine(model, card.last_conv), LiteEngine(tmp_path / "m.tflite"))
    )
    report = export.parity(ref, lite)
    assert report["max_probability_difference"] <= export.PARITY["float16"][1], "it serves what the GPU trained"
    # One epoch on 48 photos leaves the tiny network near uniform: where its top two nearly tie, float16 may
    # swap them without the export being wrong, so the top-1 is compared where the reference's lead is clear.
    top2 = np.sort(ref, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * report["max_probability_difference"]
    assert clear.any() and (ref.argmax(1) == lite.argmax(1))[clear].all(), "the same top-1 wherever it is clear"
