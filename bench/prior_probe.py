"""Can one operating point meet both accuracy and balanced accuracy? Temperature against temperature + class bias.

    python -m bench.prior_probe [CHECKPOINT.keras] [--data DIR]

The shipped models train with class weights, so their softmax leans towards the rare classes: good for
balanced accuracy (mean recall), at a cost in plain accuracy on HAM10000's mix (two thirds nevi). Adding
a per-class bias to the log-probabilities, fitted with the temperature by validation log-likelihood
(bias-corrected temperature scaling), restores the data's prior. A share s of that bias walks from one
operating point to the other; every row is fitted on validation, test is printed beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.teacher_probe import PARTS, predictions
from skinscan_ui import paths
from skinscan_ui.calibration import EPS, apply_temperature, fit_temperature, nll
from skinscan_ui.data import dataset
from skinscan_ui.labels import CLASSES
from skinscan_ui.metrics import evaluate
from skinscan_ui.models import REGISTRY

SHARES = (0.25, 0.5, 0.75, 1.0)


def scaled(probs: np.ndarray, temperature: float, bias: np.ndarray) -> np.ndarray:
    """softmax(log p / T + b): the temperature-scaled probabilities reweighted by exp(b)."""
    p = apply_temperature(probs, temperature) * np.exp(bias)
    return p / p.sum(axis=-1, keepdims=True)


def fit_bias(probs: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Temperature and per-class bias (the first class's fixed at 0) minimising validation NLL."""
    from scipy.optimize import minimize

    logp = np.log(np.clip(probs, EPS, 1.0))
    onehot = np.eye(len(CLASSES))[y]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        """NLL and its gradient in (log T, b[1:]): d NLL / d z = (p - onehot) / n, z = log p / T + b."""
        p = scaled(probs, float(np.exp(params[0])), np.r_[0.0, params[1:]])
        dz = (p - onehot) / len(y)
        return nll(p, y), np.r_[-np.sum(dz * logp) * np.exp(-params[0]), dz.sum(0)[1:]]

    res = minimize(loss, np.zeros(len(CLASSES)), jac=True, method="L-BFGS-B")
    return float(np.exp(res.x[0])), np.r_[0.0, res.x[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path, nargs="?", default=Path("weights/efficientnet_lite0.keras"))
    parser.add_argument("--data")
    args = parser.parse_args()
    folder = paths.data_dir(args.data)
    raw = predictions(args.checkpoint, folder, flips=False)
    y = {part: dataset(folder, part, REGISTRY["efficientnet_lite0"].input_size)[1] for part in PARTS}
    t_only = fit_temperature(raw["val"], y["val"])
    t_joint, bias = fit_bias(raw["val"], y["val"])
    print(f"{args.checkpoint}: temperature alone {t_only:.3f}; with bias {t_joint:.3f}, bias")
    print("  " + ", ".join(f"{c} {b:+.2f}" for c, b in zip(CLASSES, bias)))
    header = "| calibration | " + " | ".join(
        f"{part} {m}" for part in PARTS for m in ("acc.", "bal. acc.", "mel. AUC", "ECE", "NLL")
    )
    print(header + " |\n" + "|---" * (1 + 5 * len(PARTS)) + "|")
    rows = [("temperature (as shipped)", t_only, np.zeros(len(CLASSES)))]
    rows += [(f"temperature + {s:g} x class bias", t_joint, s * bias) for s in SHARES]
    for label, temperature, b in rows:
        cells = []
        for part in PARTS:
            p = scaled(raw[part], temperature, b)
            m = evaluate(y[part], p, 0.5)
            cells += [f"{m['accuracy']:.3f}", f"{m['balanced_accuracy']:.3f}", f"{m['melanoma_auc']:.3f}"]
            cells += [f"{m['ece']:.3f}", f"{nll(p, y[part]):.3f}"]
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
