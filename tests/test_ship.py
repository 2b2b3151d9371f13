"""Shipping: a staged model joins the served folder in one swap, and a failure leaves the folder as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import needs_data
from PIL import Image
from tiny import make_tiny_weights, synthetic

from skinscan_ui.build import ship
from skinscan_ui.serve import manifest
from skinscan_ui.serve.classifier import Classifier


def snapshot(folder) -> dict[str, str]:
    return {p.name: manifest.sha256(p) for p in sorted(folder.iterdir())}


@pytest.fixture
def served(tiny_weights, tmp_path):
    folder = tmp_path / "weights"
    shutil.copytree(tiny_weights, folder)
    (folder / "tiny.keras").unlink()  # a served folder holds no checkpoint
    return folder


def test_a_staged_model_is_swapped_in_beside_the_others(served, tmp_path):
    staging = ship.staging_for(served)
    make_tiny_weights(staging, "tiny2", epochs=5)
    (staging / "tiny2.keras").unlink()
    (staging / "DEFAULT").unlink()
    ship.swap(staging, served, "tiny2", make_default=False)
    assert not staging.exists()
    assert (served / "DEFAULT").read_text().strip() == "tiny", "the default stays unless asked"
    photo = Image.fromarray(synthetic(1, seed=3)[0][2])
    for name in ("tiny", "tiny2"):
        assert Classifier.load(name, served).analyse(photo).prediction.outcome in ("refer", "benign", "uncertain")
    listed = json.loads((served / "MANIFEST.json").read_text())["files"]
    assert "tiny2.tflite" in listed and "tiny.tflite" in listed
    assert not list(served.glob("*.keras")) and not list(served.parent.glob(".weights.*"))


def test_shipping_a_model_again_replaces_its_files(served):
    staging = ship.staging_for(served)
    make_tiny_weights(staging, "tiny", epochs=3)
    (staging / "tiny.keras").unlink()
    before = manifest.sha256(served / "tiny.tflite")
    ship.swap(staging, served, "tiny", make_default=True)
    assert manifest.sha256(served / "tiny.tflite") != before
    assert Classifier.load("tiny", served).card.sha256 == json.loads((served / "tiny.json").read_text())["sha256"]


def test_a_failed_ship_leaves_the_served_folder_as_it_was(served, tmp_path, capsys):
    before = snapshot(served)
    card = tmp_path / "run" / "tiny.json"
    card.parent.mkdir()
    shutil.copy(served / "tiny.json", card)  # a card whose checkpoint is nowhere
    assert ship.main(["network", str(card), "--weights", str(served)]) == 1
    err = capsys.readouterr().err
    assert "checkpoint tiny.keras" in err and "is unchanged" in err
    assert snapshot(served) == before and not list(served.parent.glob(".weights.*"))


def test_a_staged_model_without_a_guard_is_not_shipped(served, tmp_path):
    staging = ship.staging_for(served)
    make_tiny_weights(staging, "tiny2", epochs=3)
    (staging / "tiny2.ood.npz").unlink()
    from skinscan_ui.build import cards

    cards.write_manifest(staging)
    with pytest.raises(ship.ShipError, match="no not-a-lesion guard"):
        ship.verify("tiny2", staging)
    shutil.rmtree(staging)


@needs_data
def test_ship_ensemble_stages_what_build_ensemble_writes_then_verifies_and_swaps(served, tmp_path, monkeypatch):
    """The ensemble path, its build replaced by a tiny ensemble written where ship asks (the real build takes hours
    on a CPU); staging, serving-path verification on real test photos, and the swap are ship's own."""
    from skinscan_ui.build import build_ensemble, cards

    def fake_build(argv):
        out = Path(argv[argv.index("--out") + 1])
        make_tiny_weights(out, "ens", epochs=3)
        (out / "ens.keras").unlink()
        (out / "DEFAULT").unlink()
        cards.write_manifest(out)  # as build_ensemble's cards.write leaves it
        return 0

    monkeypatch.setattr(build_ensemble, "main", fake_build)
    assert ship.main(["ensemble", "--name", "ens", "--weights", str(served), "--limit", "16"]) == 0
    assert Classifier.load("ens", served).engine.name == "litert" and Classifier.load("tiny", served)
    assert not list(served.parent.glob(".weights.*"))
