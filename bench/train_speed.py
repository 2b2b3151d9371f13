"""Training throughput of Lite0 here, with and without the colour-constancy layer and acquisition shifts.

    python -m bench.train_speed [--steps 4] [--batch-size 32]

Each configuration builds the training model as `train` does (augmentation in front of the network),
runs two warm-up steps and then times `--steps` compiled training steps on random photos at 150x200.
Prints images a second for each: what decides how many epochs a session can afford.
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from skinscan_ui.build.models import build
from skinscan_ui.build.training import augmenter
from skinscan_ui.serve.labels import CLASSES

CONFIGS = {
    "plain": (False, ()),
    "colour constancy": (True, ()),
    "blur + gamma": (False, ("blur", "gamma")),
}


def images_per_second(colour_constancy: bool, shifts: tuple[str, ...], steps: int, batch: int) -> float:
    model = build("efficientnet_lite0", colour_constancy=colour_constancy)
    trainer = keras.Sequential([keras.Input((150, 200, 3)), augmenter(1, shifts), model])
    trainer.compile(optimizer=keras.optimizers.AdamW(1e-4), loss="categorical_crossentropy")
    x = np.random.default_rng(0).integers(0, 255, (batch, 150, 200, 3)).astype("uint8")
    y = keras.utils.to_categorical(np.arange(batch) % len(CLASSES), len(CLASSES))
    for _ in range(2):
        trainer.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_on_batch(x, y)
    return steps * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    for name, (colour_constancy, shifts) in CONFIGS.items():
        rate = images_per_second(colour_constancy, shifts, args.steps, args.batch_size)
        print(f"{name}: {rate:.1f} images/s", flush=True)


if __name__ == "__main__":
    main()
