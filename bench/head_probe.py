"""Fine-tuned head against L2 logistic heads on frozen features, per source, plain or colour-balanced.

    python -m bench.head_probe MODEL [--colour plain,grey] [--c 0.01,0.03,0.1,0.3,1]

Reads `skinscan_ui.feature_cache`. Heads are fitted on both sources' training parts (class weights over
the union); the choice reads pooled validation log loss and AUCs, test is printed for the record.
"""

from __future__ import annotations

import argparse

import numpy as np

from skinscan_ui.calibration import apply_temperature, fit_temperature, nll
from skinscan_ui.feature_cache import load
from skinscan_ui.heads import fit_logistic, logits
from skinscan_ui.inference import calibrated
from skinscan_ui.metrics import evaluate
from skinscan_ui.training import class_weights


def view_probs(z: np.ndarray) -> np.ndarray:
    """Softmax of each view's logits, averaged over views."""
    return np.mean([calibrated(v, 1.0) for v in z], axis=0)


def scores(y: np.ndarray, probs: np.ndarray, source: np.ndarray) -> dict:
    row = {"nll": nll(probs, y)}
    for s in ("ham10000", "isic2017"):
        m = evaluate(y[source == s], probs[source == s], 0.5)
        row[s] = {k: m[k] for k in ("balanced_accuracy", "accuracy", "macro_auc", "melanoma_auc", "ece")}
    return row


def show(name: str, part: str, r: dict) -> None:
    h, i = r["ham10000"], r["isic2017"]
    print(
        f"| {name} | {part} | {r['nll']:.3f} | {h['balanced_accuracy']:.3f} | {h['melanoma_auc']:.3f} | "
        f"{h['macro_auc']:.3f} | {i['melanoma_auc']:.3f} | {i['macro_auc']:.3f} | {i['accuracy']:.3f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--colour", default="plain,grey")
    parser.add_argument("--c", default="0.01,0.03,0.1,0.3,1")
    parser.add_argument("--views", default="0", help="views to fit on and average over (indices of FLIPS)")
    args = parser.parse_args()
    views = [int(v) for v in args.views.split(",")]
    print(
        "| head | part | pooled NLL | HAM bal. acc. | HAM mel AUC | HAM macro AUC | ISIC mel AUC | ISIC macro AUC "
        "| ISIC acc. |\n|---|---|---|---|---|---|---|---|---|"
    )
    for colour in args.colour.split(","):
        data = {p: load(args.model, p, views, colour) for p in ("train", "val", "test")}
        tr, va = data["train"], data["val"]
        if colour == "plain":
            t = fit_temperature(view_probs(va["logits"]), va["y"])
            for part in ("val", "test"):
                show(
                    "fine-tuned head",
                    part,
                    scores(
                        data[part]["y"], apply_temperature(view_probs(data[part]["logits"]), t), data[part]["source"]
                    ),
                )
        w = class_weights(tr["y"], 1.0)
        x = tr["features"].reshape(-1, tr["features"].shape[-1])
        y = np.tile(tr["y"], len(views))
        for c in (float(v) for v in args.c.split(",")):
            kernel, bias = fit_logistic(x, y, c, np.array([w[i] for i in y]))
            probs = {
                p: view_probs(np.stack([logits(f, kernel, bias) for f in data[p]["features"]])) for p in ("val", "test")
            }
            t = fit_temperature(probs["val"], va["y"])
            for part in ("val", "test"):
                show(
                    f"LR C={c} {colour}",
                    part,
                    scores(data[part]["y"], apply_temperature(probs[part], t), data[part]["source"]),
                )


if __name__ == "__main__":
    main()
