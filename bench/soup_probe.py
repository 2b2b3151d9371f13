"""Would a weight soup help? Greedy averaging of checkpoints, judged on validation.

    python -m bench.soup_probe weights/efficientnet_lite0.keras .cache/runs/lite0_r5/best.keras ... [--data DIR]

Ingredients must share an architecture and a starting point: warm restarts of one model, or separate
fine-tunes from the same ImageNet weights (the setting of the soup paper). Greedy soup
(Wortsman et al., 2022): sort by validation balanced accuracy, then add each ingredient to the average
only if the average scores no worse on validation. The test split is never looked at here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import balanced_accuracy_score

from skinscan_ui import paths
from skinscan_ui.data import dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--data")
    args = parser.parse_args()
    model = keras.models.load_model(args.checkpoints[0], compile=False)
    x, y, _ = dataset(paths.data_dir(args.data), "val", tuple(model.input_shape[1:3]))

    def score(weights: list[np.ndarray]) -> float:
        model.set_weights(weights)
        return float(balanced_accuracy_score(y, model.predict(x, batch_size=64, verbose=0).argmax(1)))

    def average(names: list[Path]) -> list[np.ndarray]:
        return [np.mean(layer, axis=0) for layer in zip(*(weights[n] for n in names))]

    weights = {p: keras.models.load_model(p, compile=False).get_weights() for p in args.checkpoints}
    alone = {p: score(w) for p, w in weights.items()}
    order = sorted(alone, key=alone.get, reverse=True)
    print("| soup | val balanced accuracy |\n|---|---|")
    for p in order:
        print(f"| {p} alone | {alone[p]:.4f} |")
    soup, best = [order[0]], alone[order[0]]
    for p in order[1:]:
        s = score(average([*soup, p]))
        print(f"| greedy soup + {p} | {s:.4f} {'(kept)' if s >= best else '(dropped)'} |")
        if s >= best:
            soup, best = [*soup, p], s
    print(f"| uniform soup of all {len(order)} | {score(average(order)):.4f} |")
    print(f"\ngreedy soup: {len(soup)} of {len(order)} ingredients, validation balanced accuracy {best:.4f}")


if __name__ == "__main__":
    main()
