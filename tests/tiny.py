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


def noisy_scores(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(labels, probabilities) of a fair but imperfect 7-class classifier: metrics and calibration to check."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 7, n)
    logits = rng.normal(0, 1, (n, 7))
    logits[np.arange(n), y] += 1.5
    return y, np.exp(logits) / np.exp(logits).sum(1, keepdims=True)


def build_tiny(size: tuple[int, int] = SIZE):
    import keras
    from keras import layers

    inputs = keras.Input((*size, 3), name="image")
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="conv1")(x)
    x = layers.Conv2D(24, 3, padding="same", activation="relu", name="last_conv")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(7, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny")


def make_tiny_weights(folder: Path, name: str = "tiny", epochs: int = 25, export: bool = True) -> Path:
    """Train the tiny model briefly and write it with a model card and (unless told not to) its LiteRT export.

    With the export, the app serves it as it serves a shipped model: through LiteRT, no Keras.
    """
    import keras

    from skinscan_ui.build import cards, fit_guard
    from skinscan_ui.build.keras_engine import KerasEngine
    from skinscan_ui.serve import manifest

    keras.utils.set_random_seed(0)
    x, y = synthetic(20)
    model = build_tiny()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    model.fit(x.astype("float32"), y, epochs=epochs, batch_size=32, verbose=0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.keras"
    model.save(path)
    engine = KerasEngine(model, "last_conv")
    features = engine.run(x).features
    xv, yv = synthetic(5, seed=1)
    val_features = engine.run(xv).features
    fit_guard.fit(features, y, x, val_features, xv).save(path, manifest.sha256(path))
    confusion = np.zeros((7, 7), int)
    for t, p in zip(yv, model.predict(xv, verbose=0).argmax(1), strict=True):
        confusion[t, p] += 1
    per_class = {
        dx: {"precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 5}
        for dx in ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
    }
    card = {
        "name": name,
        "summary": "Tiny test model.",
        "architecture": "two convolutions, global average pooling, softmax",
        "input_size": list(SIZE),
        "last_conv": "last_conv",
        "temperature": 1.0,
        "referral_threshold": 0.5,
        "file": f"{name}.keras",
        "file_bytes": path.stat().st_size,
        "sha256": manifest.sha256(path),
        "parameters": model.count_params(),
        "flops": 2 * cards.count_macs(model),
        "test_metrics": {
            "n": 35,
            "accuracy": 0.9,
            "balanced_accuracy": 0.9,
            "top2_accuracy": 0.95,
            "top3_accuracy": 0.97,
            "macro_auc": 0.96,
            "melanoma_auc": 0.95,
            "malignant_auc": 0.95,
            "ece": 0.05,
            "referral": {"threshold": 0.5, "sensitivity": 0.9, "specificity": 0.8},
            "per_class": per_class,
            "confusion_matrix": {"labels": list(per_class), "matrix": confusion.tolist()},
        },
        "val_metrics": {"balanced_accuracy": 0.9, "accuracy": 0.9},
        "confusion_plot": f"{name}_confusion.png",
        "reliability_plot": f"{name}_reliability.png",
        "training": {
            "command": "tests/tiny.py",
            "data_sha256": "synthetic",
            "split_file": "synthetic",
            "split_seed": 0,
            "split_sizes": {"train": 140, "val": 35},
            "epochs": epochs,
            "best_epoch": epochs,
            "wall_seconds": 1.0,
            "hardware": "test machine",
            "imbalance": "none",
            "augmentation": "none",
            "optimizer": "Adam 3e-3",
            "seed": 0,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
        },
    }
    if export:
        from skinscan_ui.build.export import convert

        lite = path.with_suffix(".tflite")
        convert(model, "last_conv", lite, "float32")
        card["litert"] = {
            "file": lite.name,
            "sha256": manifest.sha256(lite),
            "bytes": lite.stat().st_size,
            "precision": "float32 (test)",
            "parity": None,
            "ms_per_image": 1.0,
            "keras_ms_per_image": 1.0,
            "runtime": "LiteRT (test)",
        }
    (folder / f"{name}.json").write_text(json.dumps(card))
    (folder / "DEFAULT").write_text(name)
    cards.write_manifest(folder)  # as every tool that writes into weights/ does
    return path


def add_photo_types(
    folder: Path,
    kind: str,
    name: str = "tiny",
    clinical_threshold: float = 0.2,
    quality: dict | None = None,
    members: int = 1,
) -> None:
    """Give the tiny model photo types that call every photo `kind`, and a clinical reading that favours melanoma.

    Zero weights and a bias make both readings constant, so a test knows which one answered. With
    `members` > 1 (an ensemble of tiny networks) the clinical readings read every member's features, and
    the last member's first feature moves them towards melanoma.
    """
    from skinscan_ui.build import cards
    from skinscan_ui.serve.photo_type import FIRST, KINDS, MEMBERS, ClinicalReading, Linear, PhotoTypes

    card_path = folder / f"{name}.json"
    card = json.loads(card_path.read_text())
    d = 24  # the tiny network's pooled features
    detector = Linear(np.zeros(d), np.ones(d), np.zeros((d, 3)), np.where(np.array(KINDS) == kind, 5.0, 0.0))
    head_bias = np.log([0.05, 0.05, 0.1, 0.01, 0.6, 0.18, 0.01])
    read = d * members
    weights = np.zeros((read, 7))
    if members > 1:
        weights[read - d, 4] = 1.0
    head = Linear(np.zeros(read), np.ones(read), weights, head_bias)
    # the patient's answers: 'has it bled? yes' (the 9th of the 12 flags) pushes towards basal cell carcinoma
    answers = np.zeros((read + 12, 7))
    answers[:read] = weights
    answers[read + 8, 1] = 3.0
    history = ClinicalReading(
        Linear(np.zeros(read + 12), np.ones(read + 12), answers, head_bias), 1.0, clinical_threshold, 0.8
    )
    reading = ClinicalReading(head, 1.0, clinical_threshold, 0.8)
    types = PhotoTypes(detector, reading, card["sha256"], history, MEMBERS if members > 1 else FIRST)
    types.save(folder / f"{name}.keras")
    referral = {"threshold": clinical_threshold, "sensitivity": 0.9, "specificity": 0.7}
    phone_test = {"n": 114, "accuracy": 0.7, "balanced_accuracy": 0.69, "melanoma_auc": 0.9, "ece": 0.1}
    phone_test["referral"] = referral
    clinical = {"photos": {"train": 537}, "referral_threshold": clinical_threshold, "test": phone_test}
    card["photo_type"] = {"clinical": clinical} | ({"quality": quality} if quality else {})
    card_path.write_text(json.dumps(card))
    if (folder / "MANIFEST.json").is_file():
        cards.write_manifest(folder)
