"""Compare class-imbalance methods cheaply: a softmax head on frozen ImageNet features.

    python -m bench.imbalance_probe [--data DIR] [--backbone efficientnet_lite0]

Full fine-tuning runs cost about an hour each on 2 CPU cores, so the methods are compared on
frozen EfficientNet-Lite0 features of the committed split (same train/val images), where each
head trains in seconds. Prints validation balanced accuracy, accuracy and melanoma AUC per method.
"""

from __future__ import annotations

import argparse

import keras
import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from skinscan_ui import paths
from skinscan_ui.data import dataset
from skinscan_ui.labels import CLASSES
from skinscan_ui.models import REGISTRY, build
from skinscan_ui.training import LogitAdjustedCrossentropy, class_prior, class_weights


def features(model: keras.Model, x: np.ndarray) -> np.ndarray:
    extractor = keras.Model(model.input, model.get_layer("pool").output)
    return extractor.predict(x, batch_size=64, verbose=0)


def head(f_train, y_train, f_val, method: str, seed: int = 0) -> np.ndarray:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((f_train.shape[1],)),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(len(CLASSES), activation="softmax"),
        ]
    )
    losses = {
        "focal": keras.losses.CategoricalFocalCrossentropy(alpha=list(class_weights(y_train, 0.5).values()), gamma=2.0),
        "logit-adjust": LogitAdjustedCrossentropy(class_prior(y_train)),
    }
    loss = losses.get(method, keras.losses.CategoricalCrossentropy())
    model.compile(keras.optimizers.Adam(1e-3), loss)
    x, y, sample_weight = f_train, y_train, None
    if method == "balanced-sampling":
        rng = np.random.default_rng(seed)
        idx = np.concatenate(
            [rng.choice(np.flatnonzero(y_train == c), len(y_train) // len(CLASSES)) for c in range(len(CLASSES))]
        )
        x, y = f_train[idx], y_train[idx]
    elif method in ("weights", "sqrt-weights"):
        w = class_weights(y_train, 1.0 if method == "weights" else 0.5)
        sample_weight = np.array([w[i] for i in y_train])
    model.fit(
        x, keras.utils.to_categorical(y, len(CLASSES)), sample_weight=sample_weight, epochs=40, batch_size=64, verbose=0
    )
    return model.predict(f_val, verbose=0)


def summarise(y_val: np.ndarray, scores: list[np.ndarray]) -> str:
    """'balanced accuracy ± std | accuracy | melanoma AUC' over the seeds' validation predictions."""
    mel = CLASSES.index("mel")
    bal = [balanced_accuracy_score(y_val, p.argmax(1)) for p in scores]
    acc = [np.mean(p.argmax(1) == y_val) for p in scores]
    auc = [roc_auc_score(y_val == mel, p[:, mel]) for p in scores]
    return f"{np.mean(bal):.3f} ± {np.std(bal):.3f} | {np.mean(acc):.3f} | {np.mean(auc):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data")
    parser.add_argument("--backbone", default="efficientnet_lite0")
    args = parser.parse_args()
    folder = paths.data_dir(args.data)
    size = REGISTRY[args.backbone].input_size
    x_train, y_train, _ = dataset(folder, "train", size)
    x_val, y_val, _ = dataset(folder, "val", size)
    model = build(args.backbone)
    f_train, f_val = features(model, x_train), features(model, x_val)
    print("| method | val balanced acc. | val accuracy | val melanoma AUC |\n|---|---|---|---|")
    for method in ("none", "weights", "sqrt-weights", "balanced-sampling", "focal", "logit-adjust"):
        scores = [head(f_train, y_train, f_val, method, seed) for seed in range(3)]
        print(f"| {method} | {summarise(y_val, scores)} |", flush=True)


if __name__ == "__main__":
    main()
