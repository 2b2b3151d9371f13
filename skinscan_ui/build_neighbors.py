"""Build a model's similar-case index from its training-split features.

    python -m skinscan_ui.build_neighbors [--model NAME] [--data DIR] [--k 5]

Writes `weights/<name>.neighbors.npz` and the card's `similar_cases` section (agreement of the
nearest lesions' majority diagnosis with the truth on the test split).
"""

from __future__ import annotations

import argparse
import sys

from skinscan_ui import cards, paths
from skinscan_ui.classifier import Classifier
from skinscan_ui.data import DataError, dataset
from skinscan_ui.model_store import ModelError
from skinscan_ui.neighbors import Index, K, agreement, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model name in weights/ (default: the app's default)")
    parser.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    parser.add_argument("--k", type=int, default=K)
    args = parser.parse_args(argv)
    try:
        classifier = Classifier.load(args.model)
        folder = paths.data_dir(args.data)
        x, y, rows = dataset(folder, "train", classifier.size)
        x_test, y_test, _ = dataset(folder, "test", classifier.size)
    except (ModelError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    card = classifier.card
    index = build(classifier.features(x), y, rows["image_id"].tolist(), rows["lesion_id"].tolist(), card.sha256 or "")
    index.save(card.path)
    report = {
        "file": str(paths.relative(Index.path_for(card.path))),
        "lesions": len(index.vectors),
        "dimensions": int(index.components.shape[1]),
        "test": agreement(index, classifier.features(x_test), y_test, args.k),
    }
    cards.write({**card.data, "similar_cases": report}, card.path.parent)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
