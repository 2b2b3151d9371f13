"""Several data sources through one loader; colour constancy; heads on frozen features; conformal sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tiny import synthetic

from skinscan_ui import conformal
from skinscan_ui.data import DataError, read_metadata, split_by_challenge
from skinscan_ui.sources import HAM10000, ISIC2017, named


def _folder(tmp_path, source, rows: pd.DataFrame):
    folder = tmp_path / source.name
    (folder / "images").mkdir(parents=True)
    for image_id in rows["image_id"]:
        Image.fromarray(synthetic(1)[0][0]).save(folder / "images" / f"{image_id}.jpg")
    rows.to_csv(folder / source.labels, index=False)
    return folder


def test_two_sources_load_through_one_loader(tmp_path):
    ham = pd.DataFrame({"lesion_id": ["L1", "L1", "L2"], "image_id": ["a", "b", "c"], "dx": ["nv", "nv", "mel"]})
    isic = pd.DataFrame(
        {"image_id": ["x", "y"], "dx": ["bkl", "mel"], "lesion_id": [None, "Q"], "isic2017_split": ["train", "test"]}
    )
    h = read_metadata(_folder(tmp_path, HAM10000, ham), HAM10000)
    i = read_metadata(_folder(tmp_path, ISIC2017, isic), ISIC2017)
    assert list(h["lesion_id"]) == ["L1", "L1", "L2"]
    assert list(i["lesion_id"]) == ["x", "Q"], "an image without a lesion id is its own lesion"
    assert [s.name for s in named("ham10000,isic2017")] == ["ham10000", "isic2017"]


def test_a_missing_labels_file_names_the_source_file(tmp_path):
    (tmp_path / "isic").mkdir()
    with pytest.raises(DataError, match="labels.csv is missing"):
        read_metadata(tmp_path / "isic", ISIC2017)
    with pytest.raises(KeyError, match="unknown data source"):
        named("ham10000,ph2")


def test_a_lesion_never_crosses_parts_and_the_challenge_test_part_stays_whole():
    meta = pd.DataFrame(
        {
            "image_id": ["a", "b", "c", "d", "e"],
            "lesion_id": ["L", "L", "M", "M", "e"],
            "isic2017_split": ["train", "test", "val", "train", "val"],
        }
    )
    split = split_by_challenge(meta)
    assert list(split) == ["test", "test", "val", "val", "val"]
    assert (split[meta["isic2017_split"] == "test"] == "test").all()


def test_colour_constancy_gives_a_tinted_photo_the_same_input():
    from skinscan_ui.colour import ShadesOfGrey

    photo = synthetic(1, seed=2)[0][:1].astype(np.float32)
    tinted = np.clip(photo * np.array([1.15, 1.0, 0.8], np.float32), 0, 255)  # a warm cast
    layer = ShadesOfGrey()
    a, b = (np.asarray(layer(x)) for x in (photo, tinted))
    assert np.abs(a - b).mean() < 2.5 < np.abs(photo - tinted).mean()


def test_colour_constancy_round_trips_in_a_saved_model(tmp_path):
    import keras

    from skinscan_ui.colour import ShadesOfGrey

    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, ShadesOfGrey(power=4.0)(inputs))
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-4)


def test_a_logistic_head_folds_its_scaling_into_the_dense_weights():
    from sklearn.linear_model import LogisticRegression

    from skinscan_ui.heads import fit_logistic, logits

    rng = np.random.default_rng(0)
    y = np.repeat([0, 4, 5], 40)
    x = rng.normal(0, 1, (120, 6)) * [1, 10, 100, 1, 1, 1] + y[:, None]
    kernel, bias = fit_logistic(x, y, 1.0)
    ref = LogisticRegression(C=1.0, max_iter=2000, tol=1e-5).fit((x - x.mean(0)) / (x.std(0) + 1e-6), y)
    z = logits(x, kernel, bias)
    np.testing.assert_array_equal(
        z.argmax(1), ref.classes_[ref.predict_proba((x - x.mean(0)) / (x.std(0) + 1e-6)).argmax(1)]
    )
    assert set(z.argmax(1)) <= {0, 4, 5}, "a class never seen is never predicted"


def test_conformal_sets_cover_the_true_class_as_promised():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 7, 4000)
    logits = rng.normal(0, 1, (4000, 7))
    logits[np.arange(4000), y] += 1.5
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    q = conformal.fit(probs[:2000], y[:2000], alpha=0.1)
    result = conformal.coverage(probs[2000:], y[2000:], q)
    assert 0.87 <= result["coverage"] <= 0.93 and 1 < result["mean_size"] < 7
    assert conformal.prediction_set(probs, q)[np.arange(4000), probs.argmax(1)].all()
