"""Fit and measure the not-a-lesion guard of a trained model (`ship` runs it).

    python -m skinscan_ui.build.fit_guard --model CARD.json [--data DIR]

Fits on training-split features, sets the threshold so 97.5% of validation lesions pass, then
reports how many test lesions pass and how many non-lesion images are stopped, in the model card.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np

from skinscan_ui.build import cards, keras_engine
from skinscan_ui.build.data import DataError, dataset
from skinscan_ui.build.nonlesion import non_lesions
from skinscan_ui.serve import ood, paths
from skinscan_ui.serve.images import prepare
from skinscan_ui.serve.ood import Guard, Whitened, image_statistics, whitening


def fit_and_report(
    f: dict[str, np.ndarray],
    x: dict[str, np.ndarray],
    y_train: np.ndarray,
    features: Callable[[np.ndarray], np.ndarray],
    size: tuple[int, int],
    keep: float = 0.975,
) -> tuple[ood.Guard, dict]:
    """The guard fitted on training features `f` and pixels `x` (thresholds from validation), and its card section.

    `features` runs the network on prepared pixels, for the generated non-lesion images.
    """
    guard = fit(f["train"], y_train, x["train"], f["val"], x["val"], keep=keep)
    others = non_lesions()
    other_pixels = np.stack([prepare(img, size) for img in others.values()])
    flagged = {
        name: not ok for name, ok in zip(others, guard.passes(features(other_pixels), other_pixels), strict=True)
    }
    report = {
        "method": "Mahalanobis distances of penultimate features (to the nearest class, shared covariance) "
        "and of eight colour/texture image statistics; failing either stops the photo",
        "threshold": guard.threshold,
        "image_threshold": guard.image_threshold,
        "val_lesions_pass": float(np.mean(guard.passes(f["val"], x["val"]))),
        "test_lesions_pass": float(np.mean(guard.passes(f["test"], x["test"]))),
        "non_lesions_flagged": float(np.mean(list(flagged.values()))),
        "non_lesion_count": len(flagged),
        "non_lesions": flagged,
    }
    return guard, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    parser.add_argument("--keep", type=float, default=0.975, help="share of validation lesions that must pass")
    parser.add_argument("--limit", type=int, help="the first N photos of each split only (tests)")
    args = parser.parse_args(argv)

    classifier = keras_engine.classifier(args.model)
    card = classifier.card
    cards.not_served(card.path.parent)
    folder = paths.data_dir(args.data)
    try:
        parts = {part: dataset(folder, part, card.input_size)[:2] for part in ("train", "val", "test")}
        parts = {part: (x[: args.limit], y[: args.limit]) for part, (x, y) in parts.items()}
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    f = {part: classifier.features(x) for part, (x, _) in parts.items()}
    x = {part: np.asarray(xy[0]) for part, xy in parts.items()}
    guard, report = fit_and_report(f, x, parts["train"][1], classifier.features, card.input_size, args.keep)
    guard.save(card.path, card.sha256)
    data = dict(card.data)
    data["ood"] = report
    cards.write(data, card.path.parent)
    print({k: v for k, v in report.items() if k != "non_lesions"})
    print("missed non-lesions:", [k for k, v in report["non_lesions"].items() if not v])
    return 0


def _precision(centred: np.ndarray, shrinkage: float) -> np.ndarray:
    cov = centred.T @ centred / len(centred)
    cov = (1 - shrinkage) * cov + shrinkage * np.trace(cov) / cov.shape[0] * np.eye(cov.shape[0])
    return np.linalg.inv(cov)


def fit(
    features: np.ndarray,
    y: np.ndarray,
    pixels: np.ndarray,
    val_features: np.ndarray,
    val_pixels: np.ndarray,
    keep: float = 0.975,
    shrinkage: float = 0.05,
) -> Guard:
    """Fit both detectors on training data; thresholds from validation lesions."""
    each = (1 + keep) / 2
    classes = np.unique(y)
    means = np.stack([features[y == c].mean(axis=0) for c in classes])
    factor = whitening(_precision(features - means[np.searchsorted(classes, y)], shrinkage))
    factor = factor.astype(np.float16).astype(np.float32)  # as it is stored: the threshold fits what serves
    stats = np.concatenate([image_statistics(pixels[i : i + 512]) for i in range(0, len(pixels), 512)])
    image_mean = stats.mean(axis=0, keepdims=True)
    image_factor = whitening(_precision(stats - image_mean, 1e-3))
    threshold = float(np.quantile(Whitened(means, factor).distance(val_features), each))
    image_distances = Whitened(image_mean, image_factor).distance(image_statistics(val_pixels))
    image_threshold = float(np.quantile(image_distances, each))
    return Guard(means, factor, threshold, image_mean, image_factor, image_threshold)


if __name__ == "__main__":
    raise SystemExit(main())
