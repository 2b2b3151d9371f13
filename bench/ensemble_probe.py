"""Would averaging the shipped models help? Every combination, on validation and test.

    python -m bench.ensemble_probe [--data DIR]

Each model's calibrated probabilities, averaged as probabilities and as log-probabilities
(a geometric mean). Measured, not shipped: no combination beat the default on validation by more
than its noise, and each member is one more forward pass (docs/iterations.md).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

from skinscan_ui import model_store, paths
from skinscan_ui.classifier import Classifier
from skinscan_ui.data import dataset
from skinscan_ui.inference import calibrated
from skinscan_ui.labels import CLASSES

MEL = CLASSES.index("mel")
MEANS = {
    "probabilities": lambda ps: np.mean(ps, axis=0),
    "log-probabilities": lambda ps: np.exp(np.mean(np.log(np.clip(ps, 1e-9, 1)), axis=0)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data")
    args = parser.parse_args()
    names = [card.name for card in model_store.available()]
    probs: dict[tuple[str, str], np.ndarray] = {}
    labels: dict[str, np.ndarray] = {}
    for name in names:
        classifier = Classifier.load(name)
        for part in ("val", "test"):
            x, labels[part], _ = dataset(paths.data_dir(args.data), part, classifier.size)
            probs[name, part] = calibrated(classifier.run(np.asarray(x)).logits, classifier.card.temperature)
    print("| models | mean of | split | accuracy | balanced accuracy | melanoma AUC |\n|---|---|---|---|---|---|")
    for k in range(1, len(names) + 1):
        for members in itertools.combinations(names, k):
            for mean, combine in MEANS.items() if k > 1 else [("-", MEANS["probabilities"])]:
                for part in ("val", "test"):
                    p = combine([probs[m, part] for m in members])
                    y, pred = labels[part], p.argmax(1)
                    print(
                        f"| {' + '.join(members)} | {mean} | {part} | {accuracy_score(y, pred):.3f} | "
                        f"{balanced_accuracy_score(y, pred):.3f} | {roc_auc_score(y == MEL, p[:, MEL]):.3f} |"
                    )


if __name__ == "__main__":
    main()
