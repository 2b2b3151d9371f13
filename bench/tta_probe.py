"""Would test-time flips help? Logits averaged over flips of each photo, on validation and test.

    python -m bench.tta_probe [--model NAME] [--data DIR]

Measured, not shipped: each view is one more forward pass, and the app's latency budget
(Grad-CAM pipeline ≤ 1.5x one forward+backward pass) leaves no room for four (docs/iterations.md).
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

from skinscan_ui import paths
from skinscan_ui.classifier import Classifier
from skinscan_ui.data import dataset
from skinscan_ui.ensemble import FLIPS
from skinscan_ui.inference import calibrated
from skinscan_ui.labels import CLASSES

MEL = CLASSES.index("mel")
VIEWS = {"plain": ((),), "2 flips": ((), (2,)), "4 flips": FLIPS}  # axes to flip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model")
    parser.add_argument("--data")
    args = parser.parse_args()
    classifier = Classifier.load(args.model)
    print("| split | views | accuracy | balanced accuracy | melanoma AUC |\n|---|---|---|---|---|")
    for part in ("val", "test"):
        x, y, _ = dataset(paths.data_dir(args.data), part, classifier.size)
        x = np.asarray(x)
        logits = {
            axes: classifier.run(np.ascontiguousarray(np.flip(x, axes) if axes else x)).logits
            for axes in VIEWS["4 flips"]
        }
        for name, views in VIEWS.items():
            probs = calibrated(np.mean([logits[v] for v in views], axis=0), classifier.card.temperature)
            pred = probs.argmax(1)
            print(
                f"| {part} | {name} | {accuracy_score(y, pred):.3f} | {balanced_accuracy_score(y, pred):.3f} | "
                f"{roc_auc_score(y == MEL, probs[:, MEL]):.3f} |"
            )


if __name__ == "__main__":
    main()
