"""Each acquisition-shift augmentation on its own, measured through a frozen backbone's refitted head.

    python -m bench.augment_probe efficientnet_lite0 [--only blur,jpeg] [--c 0.003]

A fine-tune per augmentation costs over an hour here, so this asks a cheaper question of each: does
one augmented copy of every training photo, added to the training features of an L2 logistic head
on the network's frozen features, make the head better? Both sources' training parts, class weights
over the union; validation (pooled log loss, ISIC 2017 melanoma AUC) decides, the test parts are
printed for the record. With the copies the head's C is halved, so the penalty per photo stays the
same. Augmented features are cached in `.cache/features`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from bench.head_probe import scores
from skinscan_ui.build_ensemble import flip_mean
from skinscan_ui.calibration import apply_temperature, fit_temperature
from skinscan_ui.data import pooled
from skinscan_ui.ensemble import FLIPS
from skinscan_ui.feature_cache import FEATURES_DIR, load
from skinscan_ui.heads import fit_logistic, logits
from skinscan_ui.training import class_weights, recompress

BATCH = 64
ALL_VIEWS = list(range(len(FLIPS)))  # validation and test are scored averaged over all four flips


def keras_augmentation(name: str, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """One augmentation of `augment.acquisition` (or the whole stack), as a batch function in training mode."""
    import keras
    from keras import layers

    from skinscan_ui import augment

    if name.replace(" ", "-") in augment.SHIFTS:
        layer = augment.acquisition(seed, (name.replace(" ", "-"),))[0]
        return lambda x: np.asarray(layer(x, training=True))
    single = {
        "hue/saturation": keras.Sequential(
            [
                layers.RandomHue(0.04, value_range=(0, 255), seed=seed),
                layers.RandomSaturation((0.4, 0.6), value_range=(0, 255), seed=seed + 1),
            ]
        ),
        "all acquisition": keras.Sequential(augment.acquisition(seed)),
    }[name]
    return lambda x: np.asarray(single(x, training=True))


def jpeg(seed: int) -> Callable[[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    return lambda x: np.stack([recompress(image, rng) for image in x])


NAMES = (
    "magnification",
    "aspect",
    "blur",
    "vignette",
    "colour cast",
    "gamma",
    "hue/saturation",
    "jpeg",
    "all acquisition",
)


def augmented_features(model: str, name: str, seed: int) -> np.ndarray:
    """Features of one augmented copy of every pooled training photo (cached)."""
    path = FEATURES_DIR / f"{model}_train_aug_{name.replace(' ', '-').replace('/', '-')}.npy"
    if path.is_file():
        return np.load(path)
    from skinscan_ui import model_store
    from skinscan_ui.engine import LiteEngine
    from skinscan_ui.sources import SOURCES

    _, card = model_store.find(model)
    engine = LiteEngine(model_store.litert_file(card))
    transform = jpeg(seed) if name == "jpeg" else keras_augmentation(name, seed)
    x, _, _ = pooled([(s, s.folder()) for s in SOURCES.values()], "train", card.input_size)
    feats = []
    for start in range(0, len(x), BATCH):
        chunk = transform(np.asarray(x[start : start + BATCH], np.float32))
        feats.append(engine.run(np.clip(chunk, 0, 255)).features)
    out = np.concatenate(feats).astype(np.float32)
    np.save(path, out)
    return out


def row(name: str, data: dict, kernel: np.ndarray, bias: np.ndarray) -> str:
    probs = {p: flip_mean(np.stack([logits(f, kernel, bias) for f in data[p]["features"]])) for p in ("val", "test")}
    va, te = data["val"], data["test"]
    val = scores(va["y"], probs["val"], va["source"])
    test = scores(te["y"], apply_temperature(probs["test"], fit_temperature(probs["val"], va["y"])), te["source"])
    return (
        f"| {name} | {val['nll']:.4f} | {val['isic2017']['melanoma_auc']:.3f} | "
        f"{test['ham10000']['balanced_accuracy']:.3f} | {test['ham10000']['melanoma_auc']:.3f} | "
        f"{test['isic2017']['melanoma_auc']:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a shipped model with a LiteRT export, its features cached by feature_cache")
    parser.add_argument("--only", help="comma-separated augmentations (default: all)")
    parser.add_argument("--c", type=float, default=0.003, help="the head's inverse L2 strength")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = {p: load(args.model, p, ALL_VIEWS) for p in ("train", "val", "test")}
    tr = data["train"]
    w = class_weights(tr["y"], 1.0)
    weights = np.array([w[i] for i in tr["y"]])
    print(
        "| training features | pooled val. log loss | ISIC val. mel. AUC | HAM test bal. acc. | HAM test mel. AUC "
        "| ISIC test mel. AUC |\n|---|---|---|---|---|---|",
        flush=True,
    )
    print(row("originals only", data, *fit_logistic(tr["features"][0], tr["y"], args.c, weights)), flush=True)
    for name in args.only.split(",") if args.only else NAMES:
        extra = augmented_features(args.model, name, args.seed)
        x = np.concatenate([tr["features"][0], extra])
        # C halved: twice the rows at the same C would also mean half the penalty, a second change
        head = fit_logistic(x, np.tile(tr["y"], 2), args.c / 2, np.tile(weights, 2))
        print(row(f"+ {name}", data, *head), flush=True)


if __name__ == "__main__":
    main()
