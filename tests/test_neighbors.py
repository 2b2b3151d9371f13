"""Similar cases: nearest lesions by feature, one entry per lesion, tied to the model they were built with."""

from __future__ import annotations

import json
import shutil

import numpy as np
from PIL import Image
from tiny import synthetic

from skinscan_ui.build import cards
from skinscan_ui.build.build_neighbors import agreement, build
from skinscan_ui.build.nonlesion import generated
from skinscan_ui.serve import model_store
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.labels import CLASSES
from skinscan_ui.serve.neighbors import Index, majority, malignant_count
from skinscan_ui.serve.ood import UNLIKE


def clustered(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    centres = np.random.default_rng(0).normal(0, 1, (7, 32))
    y = np.repeat(np.arange(7), n_per_class)
    return centres[y] + np.random.default_rng(seed + 1).normal(0, 0.2, (len(y), 32)), y


def test_neighbours_share_the_diagnosis_and_each_lesion_appears_once():
    x, y = clustered(6)
    lesions = [f"L{i // 2}" for i in range(len(y))]  # two photos per lesion
    index = build(x, y, [f"I{i}" for i in range(len(y))], lesions, "abc", dims=8)
    assert len(index.vectors) == len(y) // 2
    probe, py = clustered(2, seed=1)
    found = index.query(probe, k=3)
    assert all(majority(n) == CLASSES[c] for n, c in zip(found, py, strict=True))
    assert agreement(index, probe, py, k=3)["majority_agrees"] == 1.0
    assert all(len({m.image_id for m in n}) == 3 for n in found)


def test_malignant_count_and_majority_ties():
    x, y = clustered(1)
    index = build(x, y, [str(i) for i in range(7)], [str(i) for i in range(7)], "abc", dims=4)
    found = index.query(x[[4]], k=7)[0]  # every class once: the most similar wins the tie
    assert majority(found) == "mel" and malignant_count(found) == 3


def test_index_round_trip_is_tied_to_the_model(tmp_path):
    x, y = clustered(3)
    index = build(x, y, [f"I{i}" for i in range(len(y))], [f"L{i}" for i in range(len(y))], "sha-a", dims=8)
    model_path = tmp_path / "m.keras"
    index.save(model_path)
    again = Index.for_model(model_path, "sha-a")
    assert again is not None and np.array_equal(again.image_ids, index.image_ids)
    assert again.query(x[:1])[0][0].image_id == "I0"
    assert Index.for_model(model_path, "sha-b") is None


def test_shipped_indexes_match_the_shipped_models():
    for card in model_store.available():
        path = Index.path_for(card.path)
        assert path.is_file(), f"{card.name} ships without a similar-cases index"
        assert Index.for_model(card.path, card.sha256) is not None, f"{path.name} was built for another model"
        report = json.loads(card.path.with_suffix(".json").read_text())["similar_cases"]
        assert report["test"]["majority_agrees"] > 0.5


def test_analyse_returns_similar_cases(tiny_weights, tmp_path):
    folder = shutil.copytree(tiny_weights, tmp_path / "w")
    classifier = Classifier.load("tiny", weights_dir=folder)
    x, y = synthetic(4, seed=30)
    ids = [f"ISIC_{i:07d}" for i in range(len(y))]
    build(classifier.features(x), y, ids, ids, classifier.card.sha256).save(classifier.card.path)
    cards.write_manifest(folder)  # as `python -m skinscan_ui.serve.neighbors` does, through the card
    classifier = Classifier.load("tiny", weights_dir=folder)
    result = classifier.analyse(Image.fromarray(x[4 * 4]))
    assert len(result.similar) == 5 and majority(list(result.similar)) == "mel"
    page = classifier.analyse(generated()["text_page"])
    assert page.prediction.reason == UNLIKE and page.similar == (), "no look-alikes for a non-lesion"
