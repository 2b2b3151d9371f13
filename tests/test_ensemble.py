"""The served ensemble: the mean of its members, exported and reloaded with the same outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tiny import make_tiny_weights, synthetic

from skinscan_ui.build import cards
from skinscan_ui.build.keras_engine import KerasEngine, load
from skinscan_ui.serve import manifest
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.ensemble import EnsembleEngine
from skinscan_ui.serve.explain import class_map
from skinscan_ui.serve.inference import calibrated


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    """Two tiny networks trained from different seeds' starts (different epochs), as Keras engines."""
    folder = tmp_path_factory.mktemp("members")
    paths = [make_tiny_weights(folder, f"m{i}", epochs=20 + 5 * i) for i in range(2)]
    return folder, [load(str(p))[0] for p in paths]


def test_probabilities_and_maps_are_the_members_means(members):
    _, nets = members
    engines = [KerasEngine(n, "last_conv") for n in nets]
    x, _ = synthetic(2, seed=4)
    out = EnsembleEngine(engines, views=((),)).run(x)
    each = [e.run(x) for e in engines]
    np.testing.assert_allclose(
        calibrated(out.logits, 1.0), np.mean([calibrated(o.logits, 1.0) for o in each], axis=0), atol=1e-5
    )
    np.testing.assert_allclose(out.maps, np.mean([o.maps for o in each], axis=0), atol=1e-5)
    np.testing.assert_allclose(out.features, each[0].features, atol=1e-6)
    np.testing.assert_allclose(out.joined, np.concatenate([o.features for o in each], axis=1), atol=1e-6)


def test_flipped_views_are_averaged_and_their_maps_flipped_back(members):
    _, nets = members
    engine = KerasEngine(nets[0], "last_conv")
    x, _ = synthetic(1, seed=5)
    views = ((), (2,))
    out = EnsembleEngine([engine], views=views).run(x)
    plain, mirrored = engine.run(x), engine.run(np.ascontiguousarray(x[:, :, ::-1]))
    expected = (calibrated(plain.logits, 1.0) + calibrated(mirrored.logits, 1.0)) / 2
    np.testing.assert_allclose(calibrated(out.logits, 1.0), expected, atol=1e-5)
    np.testing.assert_allclose(out.maps, (plain.maps + mirrored.maps[:, :, ::-1]) / 2, atol=1e-5)
    heat = class_map(out.maps[0], 4, (48, 64))
    assert heat.shape == (48, 64) and 0 <= heat.min() and heat.max() <= 1


@pytest.fixture(scope="module")
def shipped_ensemble(members, tmp_path_factory):
    """The two members exported to LiteRT and written as an ensemble card with a guard and a manifest."""
    from skinscan_ui.build.export import convert

    src, nets = members
    folder = tmp_path_factory.mktemp("ensemble")
    entries = []
    for i, net in enumerate(nets):
        keras_path, lite_path = folder / f"ens_{i}.keras", folder / f"ens_{i}.tflite"
        shutil.copy(src / f"m{i}.keras", keras_path)
        convert(net, "last_conv", lite_path)
        entries.append(
            {
                "origin": f"tiny {i}",
                "keras": keras_path.name,
                "keras_sha256": manifest.sha256(keras_path),
                "tflite": lite_path.name,
                "tflite_sha256": manifest.sha256(lite_path),
                "last_conv": "last_conv",
            }
        )
    from skinscan_ui.serve.ood import Guard

    Guard.for_model(src / "m0.json", None).save(folder / "ens.json", "x")  # the first member's, for this ensemble
    card = {
        "name": "ens",
        "input_size": [48, 64],
        "last_conv": "last_conv",
        "temperature": 1.0,
        "referral_threshold": 0.5,
        "sha256": "x",
        "members": entries,
        "views": [[], [1, 2]],
    }
    (folder / "ens.json").write_text(json.dumps(card))
    (folder / "DEFAULT").write_text("ens")
    cards.write_manifest(folder)
    return folder


def test_an_exported_ensemble_reloads_with_the_same_outputs(members, shipped_ensemble):
    _, nets = members
    served = Classifier.load("ens", weights_dir=shipped_ensemble)
    assert served.engine.name == "ensemble" and len(served.engine.members) == 2
    assert all(m.name == "litert" for m in served.engine.members), "served through LiteRT"
    assert served.engine.views == ((), (1, 2)), "the card's views, not every flip"
    x, _ = synthetic(2, seed=6)
    reference = EnsembleEngine([KerasEngine(n, "last_conv") for n in nets], views=((), (1, 2))).run(x)
    out = served.run(x)
    np.testing.assert_allclose(calibrated(out.logits, 1.0), calibrated(reference.logits, 1.0), atol=0.02)
    assert np.corrcoef(out.maps.ravel(), reference.maps.ravel())[0, 1] > 0.99


def test_a_missing_member_is_refused(shipped_ensemble, tmp_path):
    from skinscan_ui.serve.model_store import ModelError

    folder = tmp_path / "w"
    shutil.copytree(shipped_ensemble, folder)
    (folder / "ens_1.tflite").unlink()
    with pytest.raises(ModelError, match="ens_1.tflite is missing"):
        Classifier.load("ens", weights_dir=folder)


def test_a_phone_reading_fitted_on_every_member_reads_every_members_features(shipped_ensemble, tmp_path):
    from tiny import add_photo_types

    from skinscan_ui.serve.model_store import ModelError

    folder = tmp_path / "w"
    shutil.copytree(shipped_ensemble, folder)
    add_photo_types(folder, "clinical", name="ens", members=2)
    model = Classifier.load("ens", weights_dir=folder)
    pictures = [Image.fromarray(im) for im in synthetic(1, seed=9)[0]]
    said = np.array([p.probabilities for p in model.classify(pictures)])
    x = model.prepared(pictures)[(48, 64)]
    joined = np.concatenate([member.run(x).features for member in model.engine.members], axis=1)
    np.testing.assert_allclose(said, model.types.clinical.probabilities(joined), atol=1e-5)
    assert np.ptp(said[:, 4]) > 0.01, "the second member's features move the phone reading"
    result = model.analyse(pictures[0])
    bled = model.with_answers(result, {"bleed": True}).prediction
    assert bled.probabilities[1] > 2 * result.prediction.probabilities[1], "the answers are read beside them"
    with pytest.raises(ModelError, match="reads ensemble members' features"):
        Classifier(model.engine.members[0], model.card)


def test_answering_keeps_numpy_blas_on_one_thread_and_restores_it(shipped_ensemble, monkeypatch):
    """Spinning BLAS threads would take the cores the interpreter needs next (bench.latency shows the cost);
    outside a request, the process's own setting stands."""
    from threadpoolctl import threadpool_info

    from skinscan_ui.serve.ood import Guard

    def blas_threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before, during = blas_threads(), []
    reasons = Guard.reasons
    monkeypatch.setattr(Guard, "reasons", lambda self, *a: during.extend(blas_threads()) or reasons(self, *a))
    Classifier.load("ens", weights_dir=shipped_ensemble).classify([Image.fromarray(synthetic(1)[0][0])])
    assert during and set(during) == {1}
    assert blas_threads() == before


def test_a_shipped_member_rebuilds_with_the_provenance_its_ensemble_records(shipped_ensemble):
    """Rebuilding the ensemble from a clone reads a member from its file, since the run that made it is not kept."""
    from skinscan_ui.build.build_ensemble import network

    member = network(str(shipped_ensemble / "ens_1.keras"))
    assert member.origin == "tiny 1" and member.last_conv == "last_conv"
    assert member.lite == shipped_ensemble / "ens_1.tflite"


def test_a_rebuilt_member_file_gets_fresh_cached_features(shipped_ensemble, tmp_path):
    """A rebuild writes `ensemble_N.keras` anew: the feature cache must not hand back the old file's features."""
    from skinscan_ui.build.build_ensemble import network

    folder = tmp_path / "w"
    shutil.copytree(shipped_ensemble, folder)
    before = network(str(folder / "ens_1.keras")).key
    shutil.copy(folder / "ens_0.keras", folder / "ens_1.keras")  # another network under the same name...
    card = json.loads((folder / "ens.json").read_text())
    card["members"][1]["keras_sha256"] = manifest.sha256(folder / "ens_1.keras")  # ...as its rebuilt card records
    (folder / "ens.json").write_text(json.dumps(card))
    after = network(str(folder / "ens_1.keras")).key
    assert after != before and after == network(str(folder / "ens_1.keras")).key


def test_a_bare_build_rebuilds_the_shipped_members(shipped_ensemble, members):
    from skinscan_ui.build.build_ensemble import shipped_members

    assert [Path(m).name for m in shipped_members(shipped_ensemble / "ens.json")] == ["ens_0.keras", "ens_1.keras"]
    with pytest.raises(FileNotFoundError, match="pass --members"):
        shipped_members(members[0] / "m0.json")


def test_an_altered_shipped_member_is_refused_as_a_build_member(shipped_ensemble, tmp_path):
    """A member file read back for a rebuild is checked against the sha256 its ensemble's card records."""
    from skinscan_ui.build.build_ensemble import network
    from skinscan_ui.serve.model_store import ModelError

    folder = tmp_path / "w"
    shutil.copytree(shipped_ensemble, folder)
    shutil.copy(folder / "ens_0.keras", folder / "ens_1.keras")  # a valid network, not the one recorded
    with pytest.raises(ModelError, match="ens_1.keras does not match the sha256"):
        network(str(folder / "ens_1.keras"))


def test_a_member_of_another_input_size_gets_the_photo_resized_and_its_maps_stretched(members):
    """A GPU-trained member at 1.5x the others' size: each sees the photo at its own size, one heatmap grid."""
    from tiny import build_tiny

    from skinscan_ui.serve.ensemble import resized
    from skinscan_ui.serve.explain import stretch

    _, nets = members
    small = build_tiny((32, 44))
    small.set_weights(nets[1].get_weights())  # convolutions and head take any size
    big, little = KerasEngine(nets[0], "last_conv"), KerasEngine(small, "last_conv")
    x, _ = synthetic(2, seed=8)  # prepared at the first member's 48x64
    out = EnsembleEngine([big, little], views=((),), sizes=[(48, 64), (32, 44)]).run(x, detail=True)

    first, second = big.run(x, True), little.run(resized(x, (32, 44)), True)
    assert resized(x, (32, 44)).shape == (len(x), 32, 44, 3)
    expected = (calibrated(first.logits, 1.0) + calibrated(second.logits, 1.0)) / 2
    np.testing.assert_allclose(calibrated(out.logits, 1.0), expected, atol=1e-5)
    assert out.maps.shape == first.maps.shape and out.maps_pp.shape == first.maps_pp.shape
    stretched = np.stack([stretch(m, first.maps.shape[1:3]) for m in second.maps])
    np.testing.assert_allclose(out.maps, (first.maps + stretched) / 2, atol=1e-5)
    np.testing.assert_allclose(out.features, first.features, atol=1e-6)  # the guard reads the first member
