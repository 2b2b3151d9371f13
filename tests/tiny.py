"""A tiny trained model and synthetic photos, so tests need neither ../shared nor shipped weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SIZE = (48, 64)
COLOURS = np.array(
    [[220, 40, 40], [40, 200, 40], [40, 40, 220], [220, 220, 40], [40, 40, 40], [200, 120, 60], [220, 40, 220]],
    dtype=np.float32,
)


def synthetic(n_per_class: int, seed: int = 0, size: tuple[int, int] = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Skin-toned noise with a coloured blob whose colour is the class, at a random place."""
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[:h, :w]
    xs, ys = [], []
    for c in range(len(COLOURS)):
        for _ in range(n_per_class):
            img = rng.normal([200, 160, 140], 12, (h, w, 3))
            cy, cx, r = rng.integers(h // 4, 3 * h // 4), rng.integers(w // 4, 3 * w // 4), rng.integers(6, 10)
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
            img[mask] = COLOURS[c] + rng.normal(0, 8, (mask.sum(), 3))
            xs.append(np.clip(img, 0, 255).astype(np.uint8))
            ys.append(c)
    return np.stack(xs), np.array(ys)


def build_tiny():
    import keras
    from keras import layers

    inputs = keras.Input((*SIZE, 3), name="image")
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="conv1")(x)
    x = layers.Conv2D(24, 3, padding="same", activation="relu", name="last_conv")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(7, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny")


def make_tiny_weights(folder: Path, name: str = "tiny", epochs: int = 25) -> Path:
    """Train the tiny model briefly and write it with a model card, as training would."""
    import keras

    from skinscan_ui import cards, ood
    from skinscan_ui.explain import GradCam

    keras.utils.set_random_seed(0)
    x, y = synthetic(20)
    model = build_tiny()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    model.fit(x.astype("float32"), y, epochs=epochs, batch_size=32, verbose=0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.keras"
    model.save(path)
    _, features = GradCam(model, "last_conv").forward(x)
    xv, yv = synthetic(5, seed=1)
    _, val_features = GradCam(model, "last_conv").forward(xv)
    ood.fit(features, y, x, val_features, xv).save(path)
    confusion = np.zeros((7, 7), int)
    for t, p in zip(yv, model.predict(xv, verbose=0).argmax(1)):
        confusion[t, p] += 1
    per_class = {
        dx: {"precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 5}
        for dx in ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
    }
    card = {
        "name": name,
        "summary": "Tiny test model.",
        "input_size": list(SIZE),
        "last_conv": "last_conv",
        "temperature": 1.0,
        "referral_threshold": 0.5,
        "sha256": cards.sha256(path),
        "parameters": model.count_params(),
        "test_metrics": {
            "n": 35,
            "accuracy": 0.9,
            "balanced_accuracy": 0.9,
            "melanoma_auc": 0.95,
            "ece": 0.05,
            "referral": {"threshold": 0.5, "sensitivity": 0.9, "specificity": 0.8},
            "per_class": per_class,
            "confusion_matrix": {"labels": list(per_class), "matrix": confusion.tolist()},
        },
    }
    (folder / f"{name}.json").write_text(json.dumps(card))
    (folder / "DEFAULT").write_text(name)
    return path
