"""Shipped models are checked before loading: a missing, altered or broken file is a clear error."""

from __future__ import annotations

import json
import shutil

import pytest

from skinscan_ui import paths
from skinscan_ui.cards import sha256
from skinscan_ui.model_store import ModelError, available, load


def copy_weights(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_loads_the_default_with_its_card(tiny_weights):
    _, card = load(None, tiny_weights)
    assert card.name == "tiny" and card.input_size == (48, 64)
    assert [c.name for c in available(tiny_weights)] == ["tiny"]


def test_altered_file_is_refused(tiny_weights, tmp_path):
    folder = copy_weights(tiny_weights, tmp_path / "w")
    with open(folder / "tiny.keras", "ab") as f:
        f.write(b"tampered")
    with pytest.raises(ModelError, match="sha256"):
        load("tiny", folder)


def test_missing_file_names_what_is_missing(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        load("tiny", tmp_path)


def test_malformed_card_is_named(tiny_weights, tmp_path):
    folder = copy_weights(tiny_weights, tmp_path / "w")
    (folder / "tiny.json").write_text("{not json")
    with pytest.raises(ModelError, match="malformed"):
        load("tiny", folder)
    assert available(folder) == [], "a broken card hides the model from the picker"


def test_corrupt_file_without_card_is_a_clear_error(tmp_path):
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match="cannot be loaded"):
        load(str(tmp_path / "broken.keras"))


@pytest.mark.skipif(not (paths.weights_dir() / "DEFAULT").is_file(), reason="no models shipped yet")
@pytest.mark.parametrize("name", sorted(p.stem for p in paths.weights_dir().glob("*.keras")))
def test_shipped_models_match_their_cards(name):
    """Every shipped model, with the files its card names inside weights/ (a fresh clone has nothing else)."""
    card = json.loads((paths.weights_dir() / f"{name}.json").read_text())
    path = paths.weights_dir() / f"{name}.keras"
    assert sha256(path) == card["sha256"]
    assert path.stat().st_size < 50e6
    assert card["test_metrics"]["n"] > 1000 and "command" in card["training"]
    for key in ["file", "confusion_plot", "reliability_plot"]:
        assert card[key].startswith("weights/") and (paths.ROOT / card[key]).is_file(), card[key]
