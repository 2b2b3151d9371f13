"""Do patient details (age, sex, body site) help? A measured probe, not shipped: they did not.

Naive Bayes on top of the image model: log P(c | photo, details) = log P(c | photo)
+ Σ_field w_field · log[P(value | c) / P(value)] + const, with P(value | c) counted on the
training split (Laplace-smoothed) and one weight per field fitted on validation (negative
log-likelihood). A missing field contributes nothing, so the photo alone gives exactly the image
model's answer, and any subset of details can be given.

    python -m bench.metadata_fusion [--model NAME] [--data DIR]

Prints test metrics for the photo alone and with each detail, weights fitted on validation two
ways (negative log-likelihood, and a grid maximising balanced accuracy). Result for the shipped
Lite0 (docs/iterations.md): validation balanced accuracy rose, test balanced accuracy fell, so the
app keeps using the photo alone.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from skinscan_ui.labels import CLASSES, SEXES, SITES

FIELDS = ("age", "sex", "localization")
AGE_EDGES = (15, 30, 40, 50, 60, 70, 80)  # HAM10000 ages come in steps of 5 years


@dataclass(frozen=True)
class Patient:
    """What the user told us; every field optional."""

    age: float | None = None
    sex: str | None = None
    localization: str | None = None

    def value(self, field: str) -> str | None:
        v = getattr(self, field)
        if v is None or (isinstance(v, float) and np.isnan(v)) or v in ("", "unknown"):
            return None
        return age_bin(float(v)) if field == "age" else str(v).strip().lower()

    @classmethod
    def from_row(cls, row: dict) -> Patient:
        age = pd.to_numeric(row.get("age"), errors="coerce")
        text = {f: (row.get(f) if isinstance(row.get(f), str) else None) for f in ("sex", "localization")}
        return cls(None if pd.isna(age) else float(age), text["sex"], text["localization"])


def age_bin(age: float) -> str:
    i = int(np.searchsorted(AGE_EDGES, age, side="right"))
    lo = ([0, *AGE_EDGES])[i]
    return f"{lo}+" if i == len(AGE_EDGES) else f"{lo}-{AGE_EDGES[i] - 1}"


VOCABULARY = {
    "age": [age_bin(a) for a in (0, *AGE_EDGES)],
    "sex": list(SEXES),
    "localization": list(SITES),
}


@dataclass(frozen=True)
class Fusion:
    """Per field: the log likelihood ratio of each value for each class, and the field's weight."""

    ratios: dict[str, dict[str, list[float]]]
    weights: dict[str, float]

    def adjust(self, log_probs: np.ndarray, patients: list[Patient | None]) -> np.ndarray:
        """Log-probabilities of the photos, updated by whatever details each patient has."""
        out = np.array(log_probs, dtype=np.float64)
        for i, patient in enumerate(patients):
            for field in FIELDS:
                value = patient.value(field) if patient else None
                if value is not None and value in self.ratios[field]:
                    out[i] += self.weights[field] * np.asarray(self.ratios[field][value])
        out -= out.max(axis=1, keepdims=True)
        return out - np.log(np.exp(out).sum(axis=1, keepdims=True))

    def as_dict(self) -> dict:
        return {"ratios": self.ratios, "weights": self.weights}

    @classmethod
    def from_dict(cls, data: dict) -> Fusion:
        return cls(data["ratios"], data["weights"])


def likelihood_ratios(meta: pd.DataFrame, y: np.ndarray, alpha: float = 1.0) -> dict[str, dict[str, list[float]]]:
    """log P(value | class) − log P(value), counted on training rows with Laplace smoothing."""
    patients = [Patient.from_row(r) for r in meta.to_dict("records")]
    ratios: dict[str, dict[str, list[float]]] = {}
    for field, values in VOCABULARY.items():
        counts = np.full((len(values), len(CLASSES)), alpha)
        for p, c in zip(patients, y):
            v = p.value(field)
            if v in values:
                counts[values.index(v), c] += 1
        given_class = counts / counts.sum(axis=0, keepdims=True)
        marginal = counts.sum(axis=1, keepdims=True) / counts.sum()
        ratios[field] = {v: np.log(given_class[i] / marginal[i]).round(5).tolist() for i, v in enumerate(values)}
    return ratios


def fit(ratios: dict, log_probs: np.ndarray, patients: list[Patient], y: np.ndarray) -> Fusion:
    """One weight per field in [0, 1.5], minimising validation negative log-likelihood."""
    from scipy.optimize import minimize

    def nll(w: np.ndarray) -> float:
        fused = Fusion(ratios, dict(zip(FIELDS, map(float, w)))).adjust(log_probs, patients)
        return float(-fused[np.arange(len(y)), y].mean())

    res = minimize(nll, x0=np.full(len(FIELDS), 0.5), bounds=[(0.0, 1.5)] * len(FIELDS), method="L-BFGS-B")
    return Fusion(ratios, {f: round(float(w), 4) for f, w in zip(FIELDS, res.x)})


def main(argv: list[str] | None = None) -> int:
    from skinscan_ui import paths
    from skinscan_ui.classifier import Classifier
    from skinscan_ui.data import DataError, dataset
    from skinscan_ui.metrics import evaluate
    from skinscan_ui.model_store import ModelError

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model name in weights/ (default: the app's default)")
    parser.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    args = parser.parse_args(argv)
    try:
        classifier = Classifier.load(args.model)
        folder = paths.data_dir(args.data)
        parts = {part: dataset(folder, part, classifier.size) for part in ("train", "val", "test")}
    except (ModelError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ratios = likelihood_ratios(parts["train"][2], parts["train"][1])
    log_probs, patients = {}, {}
    for part in ("val", "test"):
        x, _, meta = parts[part]
        log_probs[part] = np.log(np.clip(classifier.probabilities(x), 1e-12, 1.0))
        patients[part] = [Patient.from_row(r) for r in meta.to_dict("records")]
    y_val, y_test = parts["val"][1], parts["test"][1]

    def val_balanced(fusion: Fusion) -> float:
        return evaluate(y_val, np.exp(fusion.adjust(log_probs["val"], patients["val"])), 0.5)["balanced_accuracy"]

    by_nll = fit(ratios, log_probs["val"], patients["val"], y_val)
    grid = [Fusion(ratios, dict(zip(FIELDS, w))) for w in itertools.product([0, 0.25, 0.5, 0.75, 1.0], repeat=3)]
    by_balanced = max(grid, key=val_balanced)
    print(
        "| details given | weights fitted by | val bal. acc. | test acc. | test bal. acc. | test macro AUC | test mel. AUC |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, fusion in (("NLL", by_nll), ("val bal. acc. grid", by_balanced)):
        for name, keep in (
            ("none", ()),
            ("age", ("age",)),
            ("sex", ("sex",)),
            ("body site", ("localization",)),
            ("all three", FIELDS),
        ):
            given = [Patient(**{f: getattr(p, f) if f in keep else None for f in FIELDS}) for p in patients["test"]]
            m = evaluate(y_test, np.exp(fusion.adjust(log_probs["test"], given)), classifier.card.referral_threshold)
            v = val_balanced(fusion) if keep == FIELDS else float("nan")
            print(
                f"| {name} | {label} {fusion.weights} | {v:.3f} | {m['accuracy']:.3f} | {m['balanced_accuracy']:.3f} "
                f"| {m['macro_auc']:.3f} | {m['melanoma_auc']:.3f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
