"""A small network fine-tuned to tell a dermatoscope photo from a phone close-up, beside the linear detector.

The linear detector reads the lesion network's pooled features, which were trained to tell lesions
apart, not cameras; a few phone close-ups where the lesion fills the frame look like dermoscopy to it.
This network looks at the whole photo for the camera instead: ImageNet MobileNetV2 (alpha 0.35),
fine-tuned on HAM10000 and ISIC 2017 (dermoscopy) against PAD-UFES-20 (clinical), with flips, turns,
zoom, blur and changes of light in Keras layers. Its logit is added to the linear detector's (weighed
as validation chooses, `fit_photo_type`); the linear detector alone still decides "not a lesion".

Backend-neutral Keras 3; exported to LiteRT (one output, `logit`: > 0 means clinical) by `export`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
from keras import layers

from skinscan_ui.build.augment import RandomBlur, RandomColourCast, RandomGamma
from skinscan_ui.serve import paths

BACKBONE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"
READS_AT = (150, 200)  # the photo is resized to this inside the network, whatever size it is given at
PER_DERMOSCOPY_SOURCE = 1200  # photos of each dermoscopy source drawn for an epoch
CLINICAL_REPEATS = 3  # each clinical photo, differently augmented, this often an epoch


def build(input_size: tuple[int, int], seed: int = 0, imagenet: Path | None = None) -> keras.Model:
    """The network on uint8-range RGB photos of `input_size`; augmentation is active only in training.

    Seeds Python, NumPy and the backend with `seed` (`keras.utils.set_random_seed`)."""
    weights = paths.imagenet_dir(str(imagenet) if imagenet else None) / BACKBONE
    if not weights.is_file():
        raise FileNotFoundError(f"pretrained backbone {weights} is missing (set SKINSCAN_IMAGENET)")
    keras.utils.set_random_seed(seed)  # the head's first weights and every draw; only the CPU's order of sums varies
    inputs = keras.Input((*input_size, 3), name="image")
    x = layers.Resizing(*READS_AT, name="resize")(inputs)
    for layer in (
        layers.RandomFlip("horizontal_and_vertical", seed=seed + 1),
        layers.RandomRotation(0.5, fill_mode="reflect", seed=seed + 2),
        layers.RandomZoom((-0.3, 0.3), fill_mode="reflect", seed=seed + 3),
        RandomBlur(seed=seed + 4),
        RandomGamma(seed=seed + 5),
        RandomColourCast(seed=seed + 6),
    ):
        x = layer(x)
    x = layers.Rescaling(1 / 127.5, offset=-1, name="to_unit")(x)
    base = keras.applications.MobileNetV2(
        alpha=0.35, include_top=False, input_shape=(*READS_AT, 3), weights=str(weights)
    )
    x = layers.GlobalAveragePooling2D(name="pool")(base(x, training=False))  # BatchNorm keeps ImageNet statistics
    x = layers.Dropout(0.3, seed=seed + 7)(x)
    logit = layers.Dense(1, name="logit", dtype="float32")(x)
    model = keras.Model(inputs, logit, name="photo_type_net")
    model.compile(keras.optimizers.Adam(3e-4), keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def logits(model: keras.Model, images: np.ndarray, batch: int = 64) -> np.ndarray:
    """Each photo's clinical-against-dermoscopy logit."""
    out = [model.predict_on_batch(np.asarray(images[i : i + batch], np.float32)) for i in range(0, len(images), batch)]
    return np.concatenate(out)[:, 0] if out else np.zeros(0, np.float32)


def train(
    model: keras.Model,
    images: dict[str, np.ndarray],
    clinical: dict[str, bool],
    epochs: int,
    score: Callable[[keras.Model], float],
    seed: int = 0,
) -> dict:
    """Fine-tune `model` in place and leave it at the epoch `score` (on validation photos) put highest.

    Every epoch draws `PER_DERMOSCOPY_SOURCE` photos of each dermoscopy source and each clinical photo
    `CLINICAL_REPEATS` times, so neither kind outweighs the other. Returns the epochs' scores.
    """
    rng = np.random.default_rng(seed)
    scores: list[float] = []
    best: list[np.ndarray] | None = None
    for _ in range(epochs):
        xs, ys = [], []
        for name, x in images.items():
            n = len(x) * CLINICAL_REPEATS if clinical[name] else min(len(x), PER_DERMOSCOPY_SOURCE)
            pick = np.sort(rng.choice(len(x), n, replace=n > len(x)))
            xs.append(np.asarray(x[pick], np.uint8))
            ys.append(np.full(n, float(clinical[name]), np.float32))
        x, y = np.concatenate(xs), np.concatenate(ys)
        order = rng.permutation(len(x))
        model.fit(x[order].astype(np.float32), y[order], batch_size=32, epochs=1, verbose=0)
        scores.append(score(model))
        if scores[-1] >= max(scores):
            best = model.get_weights()
    if best is not None:
        model.set_weights(best)
    return {"epochs": epochs, "validation_score_by_epoch": scores, "chosen_epoch": int(np.argmax(scores)) + 1}


def export(model: keras.Model, out: Path) -> None:
    """The network as a LiteRT flatbuffer with float16 weights (needs TensorFlow)."""
    import tensorflow as tf

    out.parent.mkdir(parents=True, exist_ok=True)
    model.export(
        str(out),
        format="litert",
        verbose=False,
        optimizations=[tf.lite.Optimize.DEFAULT],
        target_spec={"supported_types": [tf.float16]},
    )
