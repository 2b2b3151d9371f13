"""Would shades-of-gray colour constancy help? The same frozen-feature probe, with and without it.

    python -m bench.colour_probe [--data DIR] [--power 6]

Dermatoscopes and cameras tint photos differently; shades-of-gray (Finlayson & Trezzi 2004)
estimates each photo's illuminant as the Minkowski p-mean of each channel and rescales the channels
to make it gray. Compared cheaply, as in `bench.imbalance_probe`: a class-weighted softmax head on
frozen ImageNet EfficientNet-Lite0 features, 3 seeds, validation only.
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.imbalance_probe import features, head, summarise
from skinscan_ui import paths
from skinscan_ui.data import dataset
from skinscan_ui.models import REGISTRY, build


def shades_of_gray(images: np.ndarray, power: float = 6.0) -> np.ndarray:
    """uint8 images with each one's p-mean illuminant made gray (its mean level kept)."""
    x = images.astype("float32")
    illuminant = np.mean(x**power, axis=(1, 2), keepdims=True) ** (1 / power)
    gain = illuminant.mean(axis=3, keepdims=True) / np.maximum(illuminant, 1e-6)
    return np.clip(x * gain, 0, 255).astype("uint8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data")
    parser.add_argument("--power", type=float, default=6.0)
    args = parser.parse_args()
    folder = paths.data_dir(args.data)
    size = REGISTRY["efficientnet_lite0"].input_size
    x_train, y_train, _ = dataset(folder, "train", size)
    x_val, y_val, _ = dataset(folder, "val", size)
    model = build("efficientnet_lite0")
    print("| input | val balanced acc. | val accuracy | val melanoma AUC |\n|---|---|---|---|")
    variants = {
        "as photographed": np.asarray,
        f"shades of gray, p={args.power:g}": lambda x: shades_of_gray(x, args.power),
    }
    for name, prepare in variants.items():
        f_train, f_val = features(model, prepare(x_train)), features(model, prepare(x_val))
        scores = [head(f_train, y_train, f_val, "weights", seed) for seed in range(3)]
        print(f"| {name} | {summarise(y_val, scores)} |", flush=True)


if __name__ == "__main__":
    main()
