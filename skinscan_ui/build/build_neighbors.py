"""Build a model's similar-case index from its training-split features.

    python -m skinscan_ui.build.build_neighbors --model CARD.json [--data DIR] [--k 5]

Writes `<name>.neighbors.npz` beside the card and the card's `similar_cases` section (agreement of
the nearest lesions' majority diagnosis with the truth on the test split). `ship` runs it.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from skinscan_ui.build import cards
from skinscan_ui.build.data import DataError, dataset
from skinscan_ui.serve import paths
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.labels import CLASSES
from skinscan_ui.serve.model_store import ModelError
from skinscan_ui.serve.neighbors import Index, K, majority, project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model name in weights/ (default: the app's default)")
    parser.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    parser.add_argument("--k", type=int, default=K)
    parser.add_argument("--limit", type=int, help="the first N photos of each split only (tests)")
    args = parser.parse_args(argv)
    try:
        classifier = Classifier.load(args.model)
        folder = paths.data_dir(args.data)
        x, y, rows = (a[: args.limit] for a in dataset(folder, "train", classifier.size))
        x_test, y_test, _ = (a[: args.limit] for a in dataset(folder, "test", classifier.size))
    except (ModelError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    card = classifier.card
    cards.not_served(card.path.parent)
    index = build(classifier.features(x), y, rows["image_id"].tolist(), rows["lesion_id"].tolist(), card.sha256 or "")
    index.save(card.path)
    report = {
        "file": Index.path_for(card.path).name,
        "lesions": len(index.vectors),
        "dimensions": int(index.components.shape[1]),
        "test": agreement(index, classifier.features(x_test), y_test, args.k),
    }
    cards.write({**card.data, "similar_cases": report}, card.path.parent)
    print(report)
    return 0


def build(
    features: np.ndarray, y: np.ndarray, image_ids: list[str], lesion_ids: list[str], model_sha256: str, dims: int = 64
) -> Index:
    """One unit vector per lesion (mean of its photos' features) on the top principal components."""
    features = np.asarray(features, np.float64)
    mean = features.mean(axis=0).astype(np.float32)
    _, _, vt = np.linalg.svd(features - mean, full_matrices=False)
    components = vt[: min(dims, len(vt))].T.astype(np.float32)
    rows: dict[str, list[int]] = {}
    for i, lesion in enumerate(lesion_ids):
        rows.setdefault(lesion, []).append(i)
    vectors = project(np.stack([features[r].mean(axis=0) for r in rows.values()]), mean, components)
    first = [r[0] for r in rows.values()]
    return Index(model_sha256, mean, components, vectors, np.array([image_ids[i] for i in first]), np.asarray(y)[first])


def agreement(index: Index, features: np.ndarray, y: np.ndarray, k: int = K) -> dict:
    """How often the neighbours' majority diagnosis is the true one (overall and mean per class)."""
    predicted = np.array([CLASSES.index(majority(n)) for n in index.query(features, k)])
    hits = predicted == np.asarray(y)
    per_class = [float(hits[y == c].mean()) for c in np.unique(y)]
    return {"k": k, "images": len(y), "majority_agrees": float(hits.mean()), "balanced": float(np.mean(per_class))}


if __name__ == "__main__":
    raise SystemExit(main())
