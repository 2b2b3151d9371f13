"""Which teacher to distil from? Checkpoints alone and greedily ensembled, softmax averaged over flips.

    python -m bench.teacher_probe CHECKPOINT.keras [CHECKPOINT.keras ...] [--data DIR]

The same targets `train --teacher` would use (`training.teacher_targets`), on validation and test,
each checkpoint fed at its own input size (so models trained at different sizes can be ensembled).
Members are added greedily by validation balanced accuracy; test is printed beside it, not used.
Each checkpoint's predictions are cached under .cache/teacher_probe/ so a rerun is quick.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

from skinscan_ui import paths
from skinscan_ui.data import dataset
from skinscan_ui.ensemble import FLIPS
from skinscan_ui.labels import CLASSES
from skinscan_ui.models import REGISTRY
from skinscan_ui.training import teacher_targets

MEL = CLASSES.index("mel")
PARTS = ("val", "test")


def predictions(checkpoint: Path, folder: Path, flips: bool = True) -> dict[str, np.ndarray]:
    """Validation and test softmax of one checkpoint at its own input size, averaged over the four
    flips or plain (as served); cached per file content."""
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()[:16]
    cache = paths.CACHE_DIR / "teacher_probe" / f"{digest}{'' if flips else '_plain'}.npz"
    if cache.is_file():
        return dict(np.load(cache))
    model = keras.models.load_model(checkpoint, compile=False)
    size = tuple(model.input_shape[1:3])
    views = FLIPS if flips else ((),)
    probs = {part: teacher_targets([model], dataset(folder, part, size)[0], views=views) for part in PARTS}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **probs)
    return probs


def short(checkpoint: Path) -> str:
    """Folder and stem: tells lite0_r9/best from lite0_r9/last and from weights/efficientnet_lite0."""
    return f"{checkpoint.parent.name}/{checkpoint.stem}"


def row(label: str, probs: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> str:
    cells = []
    for part in PARTS:
        pred = probs[part].argmax(1)
        cells += [
            f"{balanced_accuracy_score(y[part], pred):.3f}",
            f"{accuracy_score(y[part], pred):.3f}",
            f"{roc_auc_score(y[part] == MEL, probs[part][:, MEL]):.3f}",
        ]
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--data")
    args = parser.parse_args()
    folder = paths.data_dir(args.data)
    probs = {c: predictions(c, folder) for c in args.checkpoints}
    # Every input size lists the same images in the same order, so any size's labels do.
    y = {part: dataset(folder, part, REGISTRY["efficientnet_lite0"].input_size)[1] for part in PARTS}
    print(
        "| teacher (4 flips each) | val bal. acc. | val acc. | val mel. AUC | test bal. acc. | test acc. | test mel. AUC |"
    )
    print("|---|---|---|---|---|---|---|")
    for c in args.checkpoints:
        print(row(short(c), probs[c], y), flush=True)

    def mean(members: list[Path]) -> dict[str, np.ndarray]:
        return {part: np.mean([probs[m][part] for m in members], axis=0) for part in PARTS}

    def val_score(members: list[Path]) -> float:
        return balanced_accuracy_score(y["val"], mean(members)["val"].argmax(1))

    chosen = [max(args.checkpoints, key=lambda c: val_score([c]))]
    while rest := [c for c in args.checkpoints if c not in chosen]:
        best = max(rest, key=lambda c: val_score([*chosen, c]))
        chosen.append(best)
        print(row("greedy: " + " + ".join(map(short, chosen)), mean(chosen), y), flush=True)


if __name__ == "__main__":
    main()
