"""Training pieces: augmentation, imbalance handling, batches, and the per-epoch callback.

Backend-neutral Keras 3 (no `tf.` calls), so the same code trains on TensorFlow or JAX.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras
import numpy as np
from keras import layers
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from skinscan_ui.serve.ensemble import FLIPS
from skinscan_ui.serve.labels import CLASSES


def augmenter(seed: int, acquisition: tuple[str, ...] = ()) -> keras.Sequential:
    """Geometry and colour jitter a dermatoscope really produces; active only while training.

    `acquisition` names what changes between dermatoscopes to add (`augment.SHIFTS`): magnification,
    aspect, blur, vignette, colour cast, gamma.
    """
    from skinscan_ui.build.augment import acquisition as shifts

    return keras.Sequential(
        [
            *(shifts(seed, acquisition) if acquisition else []),
            layers.RandomFlip("horizontal_and_vertical", seed=seed),
            layers.RandomRotation(0.5, fill_mode="reflect", seed=seed + 1),
            layers.RandomZoom((-0.2, 0.1), fill_mode="reflect", seed=seed + 2),
            layers.RandomBrightness(0.15, value_range=(0, 255), seed=seed + 3),
            layers.RandomContrast(0.2, value_range=(0, 255), seed=seed + 4),
            layers.RandomHue(0.04, value_range=(0, 255), seed=seed + 5),
            layers.RandomSaturation((0.4, 0.6), value_range=(0, 255), seed=seed + 6),
        ],
        name="augment",
    )


def class_weights(y: np.ndarray, power: float = 1.0) -> dict[int, float]:
    """(N / (K * n_c)) ** power: 1 is 'balanced', 0.5 a gentler square-root weighting."""
    counts = np.bincount(y, minlength=len(CLASSES)).astype(float)
    w = (len(y) / (len(CLASSES) * np.maximum(counts, 1))) ** power
    w /= (w * counts).sum() / len(y)  # keep the mean per-sample weight at 1
    return {i: float(w[i]) for i in range(len(CLASSES))}


class LogitAdjustedCrossentropy(keras.losses.Loss):
    """Cross-entropy on log p + tau * log prior (Menon et al., 2021, "Long-tail learning via logit adjustment").

    Training against prior-shifted logits leaves the network's own softmax as a class-balanced
    posterior, so argmax at inference minimises balanced error without any per-sample weights.
    """

    def __init__(self, prior: np.ndarray, tau: float = 1.0, label_smoothing: float = 0.0, name: str = "la_ce"):
        super().__init__(name=name)
        self.shift = tau * np.log(np.asarray(prior, "float32"))
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        ops = keras.ops
        logits = ops.log(ops.clip(y_pred, 1e-7, 1.0)) + self.shift
        k = ops.shape(y_true)[-1]
        y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / ops.cast(k, y_true.dtype)
        return -ops.sum(y_true * ops.log_softmax(logits, axis=-1), axis=-1)


def class_prior(y: np.ndarray) -> np.ndarray:
    """Training-set class frequencies."""
    return np.bincount(y, minlength=len(CLASSES)) / len(y)


def teacher_targets(
    teachers: list[keras.Model], x: np.ndarray, batch_size: int = 64, views: tuple[tuple[int, ...], ...] = FLIPS
) -> np.ndarray:
    """Soft labels for distillation: the teachers' softmax averaged over the four flips of each image.

    A dermatoscopic photo has no up or left, so flips are free test-time views; the averaged ensemble
    is a better teacher than any one pass, and the student learns to give it in one pass. `views=((),)`
    gives the plain softmax, as served.
    """
    total = np.zeros((len(x), len(CLASSES)), "float64")
    for teacher in teachers:
        for axes in views:
            for start in range(0, len(x), batch_size):
                chunk = np.asarray(x[start : start + batch_size], "float32")
                view = np.ascontiguousarray(np.flip(chunk, axes)) if axes else chunk
                total[start : start + batch_size] += keras.ops.convert_to_numpy(teacher.predict_on_batch(view))
    return (total / (len(teachers) * len(views))).astype("float32")


class Batches(keras.utils.PyDataset):
    """Float batches from the cached uint8 array; 'balanced' draws each class equally often.

    Labels are one-hot unless `targets` gives a distribution per image (distillation); weights follow
    the true class. `mixup` > 0 blends each image, its label and its weight with another image of the
    batch, with a Beta(mixup, mixup) share per image (Zhang et al., 2018, "mixup").
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        sampling: str,
        seed: int,
        weights: dict[int, float] | None = None,
        mixup: float = 0.0,
        targets: np.ndarray | None = None,
        jpeg: float = 0.0,
    ):
        super().__init__()
        self.x, self.y, self.batch_size, self.sampling, self.mixup = x, y, batch_size, sampling, mixup
        self.jpeg = jpeg
        self.targets = keras.utils.to_categorical(y, len(CLASSES)) if targets is None else targets
        self.rng = np.random.default_rng(seed)
        self.sample_weight = None if weights is None else np.array([weights[i] for i in range(len(CLASSES))])
        self.on_epoch_end()

    def __len__(self) -> int:
        return int(np.ceil(len(self.y) / self.batch_size))

    def on_epoch_end(self) -> None:
        if self.sampling == "balanced":
            present = np.unique(self.y)
            cls = self.rng.choice(present, size=len(self.y))
            self.order = np.array([self.rng.choice(np.flatnonzero(self.y == c)) for c in cls])
        else:
            self.order = self.rng.permutation(len(self.y))

    def __getitem__(self, i: int):
        idx = np.sort(self.order[i * self.batch_size : (i + 1) * self.batch_size])
        x = np.asarray(self.x[idx], dtype="float32")
        if self.jpeg > 0:
            x = np.stack([recompress(im, self.rng) if self.rng.random() < self.jpeg else im for im in x])
        y = self.targets[idx]
        w = None if self.sample_weight is None else self.sample_weight[self.y[idx]]
        if self.mixup > 0:
            share = self.rng.beta(self.mixup, self.mixup, len(idx)).astype("float32")
            other = self.rng.permutation(len(idx))

            def blend(a: np.ndarray) -> np.ndarray:
                s = share.reshape(-1, *[1] * (a.ndim - 1))
                return s * a + (1 - s) * a[other]

            x, y = blend(x), blend(y)
            w = None if w is None else blend(w)
        return (x, y) if w is None else (x, y, w)


def recompress(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One photo through a JPEG encoder at a random quality (30-90), as another device would save it."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=int(rng.integers(30, 91)))
    return np.asarray(Image.open(buf), dtype="float32")


class Validation(keras.callbacks.Callback):
    """Each epoch: validation figures into the log, the best model kept, early stopping.

    `select` is what "best" means: balanced accuracy (the older runs), or log loss, which
    15 dermatofibromas cannot swing by luck. Its state lives in a JSON file beside the checkpoints,
    so a resumed run remembers its best.
    """

    def __init__(
        self,
        model: keras.Model,
        x: np.ndarray,
        y: np.ndarray,
        run_dir: Path,
        patience: int,
        select: str = "balanced_accuracy",
    ):
        super().__init__()
        self.net, self.x, self.y, self.patience, self.select = model, x, y, patience, select
        self.best_path = run_dir / "best.keras"
        self.last_path = run_dir / "last.keras"
        self.state_path = run_dir / "state.json"
        self.state = (
            json.loads(self.state_path.read_text())
            if self.state_path.is_file()
            else {"best": -1.0, "best_epoch": -1, "wait": 0, "seconds": 0.0, "epochs": 0}
        )
        self.started = time.time()

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.started = time.time()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        probs = self.net.predict(self.x, batch_size=64, verbose=0)
        bal = float(balanced_accuracy_score(self.y, probs.argmax(1)))
        mel = CLASSES.index("mel")
        logs = logs if logs is not None else {}
        logs["val_balanced_accuracy"] = bal
        logs["val_accuracy_top1"] = float(np.mean(probs.argmax(1) == self.y))
        logs["val_melanoma_auc"] = float(roc_auc_score(self.y == mel, probs[:, mel]))
        logs["val_log_loss"] = float(-np.mean(np.log(np.clip(probs[np.arange(len(self.y)), self.y], 1e-7, 1.0))))
        logs["lr"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self.state["seconds"] += time.time() - self.started
        self.state["epochs"] = epoch + 1
        self.net.save(self.last_path)
        score = bal if self.select == "balanced_accuracy" else -logs["val_log_loss"]
        if score > self.state["best"] or self.state["best_epoch"] < 0:
            self.state.update(best=score, best_epoch=epoch + 1, wait=0)
            self.net.save(self.best_path)
        else:
            self.state["wait"] += 1
            if self.state["wait"] >= self.patience:
                self.model.stop_training = True
        self.state_path.write_text(json.dumps(self.state, indent=2))
        print(
            f"\nepoch {epoch + 1}: val balanced accuracy {bal:.4f}, log loss {logs['val_log_loss']:.4f} "
            f"(best {self.select} {abs(self.state['best']):.4f} at {self.state['best_epoch']}), "
            f"melanoma AUC {logs['val_melanoma_auc']:.4f}",
            flush=True,
        )
