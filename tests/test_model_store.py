"""Shipped models are checked before loading: a missing, altered or broken file is a clear error."""

from __future__ import annotations

import json
import shutil

import pytest

from skinscan_ui.build import cards
from skinscan_ui.build.keras_engine import load
from skinscan_ui.serve import paths
from skinscan_ui.serve.manifest import sha256
from skinscan_ui.serve.model_store import ModelError, available, problems


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


SHIPPED = sorted(p.stem for p in paths.weights_dir().glob("*.json") if p.name != "MANIFEST.json")


@pytest.mark.skipif(not SHIPPED, reason="no models shipped yet")
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_serve_from_checked_exports_and_say_where_their_checkpoints_are(name):
    """Every shipped model: its exports match its card, and its checkpoint (not shipped) can be found again."""
    card = json.loads((paths.weights_dir() / f"{name}.json").read_text())
    exports = [(m["tflite"], m["tflite_sha256"]) for m in card.get("members", [])] or [
        (f"{name}.tflite", card["litert"]["sha256"])
    ]
    for file, digest in exports:
        assert sha256(paths.weights_dir() / file) == digest
    records = [(m["keras_sha256"], m["checkpoint_git"]) for m in card.get("members", [])] or [
        (card["sha256"], card["checkpoint_git"])
    ]
    assert all(len(digest) == 64 and git["path"].endswith(".keras") for digest, git in records)
    assert card["test_metrics"]["n"] > 1000 and "command" in card["training"]
    for key in ["confusion_plot", "reliability_plot"]:  # named beside the card, wherever the folder is
        assert (paths.weights_dir() / card[key]).is_file(), card[key]
    assert "/" not in card["litert" if "litert" in card else "similar_cases"]["file"]


@pytest.mark.skipif(not SHIPPED, reason="no models shipped yet")
@pytest.mark.parametrize("name", SHIPPED)
def test_every_set_of_figures_a_shipped_card_shows_holds_what_the_page_reads(name):
    """The page reads figures through `Card`'s typed properties: each set must hold the schema's keys."""
    from typing import get_type_hints

    from skinscan_ui.serve.model_store import Bin, Metrics, Referral, read_card

    card = read_card(paths.weights_dir() / f"{name}.json")
    shown = {"all": card.test_metrics, **card.test_by_source} | ({"phone": card.phone_test} if card.phone else {})
    for where, m in shown.items():
        assert m is not None and Metrics.__required_keys__ <= set(m), (where, Metrics.__required_keys__ - set(m))
        assert Referral.__required_keys__ <= set(m["referral"]), where
        assert set(m["per_class"]) <= set(m["confusion_matrix"]["labels"]), where
    assert card.test_reliability and all(set(get_type_hints(Bin)) <= set(b) for b in card.test_reliability)


def test_a_card_whose_figures_lack_a_key_the_page_reads_is_not_written(tiny_weights, tmp_path):
    card = json.loads((tiny_weights / "tiny.json").read_text())
    del card["test_metrics"]["ece"]
    with pytest.raises(ValueError, match=r"tiny's test_metrics lacks \['ece'\]"):
        cards.write(card, tmp_path)
    assert not (tmp_path / "tiny.json").exists()


@pytest.mark.skipif(not SHIPPED, reason="no models shipped yet")
def test_the_served_folder_holds_only_what_serves_in_at_most_40_mb():
    files = list(paths.weights_dir().iterdir())
    assert not [f.name for f in files if f.suffix == ".keras"], "checkpoints are not served: they stay out of weights/"
    assert sum(f.stat().st_size for f in files) <= 40e6


@pytest.mark.skipif(not SHIPPED, reason="no models shipped yet")
def test_a_shipped_checkpoint_is_restored_from_git_history(tmp_path, monkeypatch):
    """The build side gets a shipped network's checkpoint back from the commit its card names."""
    import subprocess

    from skinscan_ui.build import checkpoints

    card = json.loads((paths.weights_dir() / "skinscan.json").read_text())
    git = card["checkpoint_git"]
    probe = subprocess.run(["git", "-C", str(paths.ROOT), "cat-file", "-e", git["commit"]], check=False)
    if probe.returncode != 0:
        pytest.skip(f"commit {git['commit'][:12]} is not in this clone's history (a shallow clone)")
    monkeypatch.setattr(checkpoints, "CACHE", tmp_path / "checkpoints")
    path = checkpoints.restore(paths.weights_dir(), "skinscan.keras", card["sha256"], git)
    assert path.parent == tmp_path / "checkpoints" and sha256(path) == card["sha256"]
    with pytest.raises(ModelError, match="does not match the sha256"):
        checkpoints.restore(tmp_path / "nowhere", "skinscan.keras", "0" * 64, git)


# Everything a model ships is checked against the integrity manifest when it loads.
def _refused(folder, match):
    from skinscan_ui.serve.classifier import Classifier

    with pytest.raises(ModelError, match=match):
        Classifier.load("tiny", weights_dir=folder)


def test_a_deleted_guard_refuses_the_model(tiny_weights, tmp_path):
    folder = copy_weights(tiny_weights, tmp_path / "w")
    (folder / "tiny.ood.npz").unlink()
    _refused(folder, "tiny.ood.npz is missing")


def test_a_guard_with_its_thresholds_raised_is_refused(tiny_weights, tmp_path):
    import numpy as np

    folder = copy_weights(tiny_weights, tmp_path / "w")
    with np.load(folder / "tiny.ood.npz") as f:
        arrays = {k: f[k] for k in f.files}
    np.savez_compressed(folder / "tiny.ood.npz", **{**arrays, "threshold": np.float32(1e9)})
    _refused(folder, "tiny.ood.npz does not match the integrity manifest")


def test_a_card_with_its_referral_threshold_changed_is_refused(tiny_weights, tmp_path):
    folder = copy_weights(tiny_weights, tmp_path / "w")
    card = json.loads((folder / "tiny.json").read_text())
    (folder / "tiny.json").write_text(json.dumps({**card, "referral_threshold": 0.99}))
    _refused(folder, "tiny.json does not match")


def test_a_pickled_guard_is_a_sentence_not_a_traceback(tiny_weights, tmp_path):
    import numpy as np

    folder = copy_weights(tiny_weights, tmp_path / "w")
    np.savez(folder / "tiny.ood.npz", threshold=np.array([{"evil": 1}], dtype=object))
    cards.write_manifest(folder)  # even re-blessed by hand, an object array is never unpickled
    _refused(folder, "similar-case index or photo types of tiny cannot be read")


def test_a_file_added_by_hand_is_refused(tiny_weights, tmp_path):
    folder = copy_weights(tiny_weights, tmp_path / "w")
    (folder / "tiny.neighbors.npz").write_bytes(b"not an index")
    _refused(folder, "tiny.neighbors.npz is not in the integrity manifest")


def test_a_model_without_its_guard_never_answers(tiny_weights, tmp_path):
    from tiny import synthetic

    from skinscan_ui.serve.classifier import Classifier

    folder = copy_weights(tiny_weights, tmp_path / "w")
    (folder / "tiny.ood.npz").unlink()
    cards.write_manifest(folder)
    from PIL import Image

    photo = Image.fromarray(synthetic(1)[0][0])
    with pytest.raises(ModelError, match="no not-a-lesion guard"):
        Classifier.load("tiny", weights_dir=folder).classify([photo])


@pytest.mark.skipif(not (paths.weights_dir() / "MANIFEST.json").is_file(), reason="no manifest shipped yet")
def test_the_shipped_folder_matches_its_manifest():
    from skinscan_ui.serve import manifest

    listed = manifest.read(paths.weights_dir())
    for card in available():
        manifest.verify(paths.weights_dir(), card.files())
        assert f"{card.name}.ood.npz" in listed and f"{card.name}.json" in listed
    assert not problems(), "the sidebar warns of nothing in the shipped folder (every file a card names is its own)"


@pytest.mark.skipif(not (paths.weights_dir() / "ensemble.json").is_file(), reason="no ensemble shipped yet")
def test_the_ensemble_card_says_how_to_retrain_each_fine_tuned_member():
    """A member fine-tuned outside weights/ (a run folder) can be rebuilt from the card alone."""
    from skinscan_ui.build.cards import ensemble_markdown

    card = json.loads((paths.weights_dir() / "ensemble.json").read_text())
    page = ensemble_markdown(card)
    for i, member in enumerate(card["members"]):
        if "fine-tuned" in member["origin"]:
            assert member["trained_by"].startswith(
                ("python -m skinscan_ui.build.train ", "python -m skinscan_ui.build.gpu_run ")
            )
            assert f"member {i} was fine-tuned by `{member['trained_by']}`" in page
            if "gpu_run" in member["trained_by"]:  # a lent GPU's run: the card says where, and for how long
                assert f"on {member['training']['hardware']}: {member['training']['epochs']} epochs" in page
        assert member["tflite_sha256"][:16] in page


@pytest.mark.parametrize(("cut_off", "outcome"), [(1.0, "uncertain"), (0.0, "benign")])
def test_the_uncertain_cut_off_is_the_one_the_card_records(tiny_weights, tmp_path, cut_off, outcome):
    """Under the card's `low_confidence` a top-1 is "Uncertain": the rule is the card's, not the code's."""
    from PIL import Image
    from tiny import synthetic

    from skinscan_ui.serve.classifier import Classifier

    folder = copy_weights(tiny_weights, tmp_path / "w")
    card = json.loads((folder / "tiny.json").read_text())
    card.update(low_confidence=cut_off, referral_threshold=1.01)  # nothing is referred here
    (folder / "tiny.json").write_text(json.dumps(card))
    cards.write_manifest(folder)
    photos = [Image.fromarray(x) for x in synthetic(1, seed=3)[0]]
    answered = [p for p in Classifier.load("tiny", folder).classify(photos) if p.diagnosed]
    assert answered and {p.outcome for p in answered} == {outcome}
