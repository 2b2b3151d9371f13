"""Every figure a model card reports, computed from labels and probabilities (NumPy, SciPy, scikit-learn)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from skinscan_ui.build.calibration import nll
from skinscan_ui.serve.calibration import malignant_probability
from skinscan_ui.serve.labels import CLASSES, MALIGNANT_INDICES


def top_k_accuracy(y: np.ndarray, probs: np.ndarray, k: int) -> float:
    """Share of images whose true class is among the k most probable."""
    top = np.argsort(-probs, axis=1)[:, :k]
    return float(np.mean([yi in row for yi, row in zip(y, top, strict=True)]))


def expected_calibration_error(y: np.ndarray, probs: np.ndarray, bins: int = 15) -> float:
    """ECE over equal-width bins of top-1 confidence: |accuracy - confidence| weighted by bin size."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def ece_if_calibrated(probs: np.ndarray, rounds: int = 500, seed: int = 0) -> dict[str, float]:
    """The ECE a perfectly calibrated model would still show on these photos: each round draws every photo's
    label from its own stated probabilities and scores them. On a hundred photos this is far from zero, so an
    observed ECE inside this range is no evidence of miscalibration. Median and 5-95% range."""
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    drawn = [
        expected_calibration_error((rng.random((len(probs), 1)) > cumulative).sum(axis=1), probs) for _ in range(rounds)
    ]
    low, median, high = np.percentile(drawn, [5, 50, 95])
    return {"median": float(median), "low": float(low), "high": float(high), "rounds": rounds}


def reliability(y: np.ndarray, probs: np.ndarray, bins: int = 15) -> list[dict]:
    """Per-bin confidence, accuracy and count, for a reliability diagram."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    return [
        {
            "lower": float(edges[b]),
            "upper": float(edges[b + 1]),
            "count": int((idx == b).sum()),
            "confidence": float(conf[idx == b].mean()) if (idx == b).any() else None,
            "accuracy": float(correct[idx == b].mean()) if (idx == b).any() else None,
        }
        for b in range(bins)
    ]


def _auc(positive: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC as the Mann-Whitney statistic (ties count half): scikit-learn's figure, fast enough for bootstraps."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean recall over the classes present in `y` (scikit-learn's `balanced_accuracy_score`)."""
    return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)]))


def referral(y: np.ndarray, probs: np.ndarray, threshold: float) -> dict:
    """Sensitivity and specificity of referring when P(malignant) >= threshold."""
    malignant = np.isin(y, MALIGNANT_INDICES)
    refer = malignant_probability(probs) >= threshold
    return {
        "threshold": float(threshold),
        "sensitivity": float(refer[malignant].mean()) if malignant.any() else None,
        "specificity": float((~refer[~malignant]).mean()) if (~malignant).any() else None,
    }


def evaluate(y: np.ndarray, probs: np.ndarray, threshold: float) -> dict:
    """The full metric set for integer labels `y` and class probabilities `probs` (N, 7)."""
    y = np.asarray(y)
    pred = probs.argmax(axis=1)
    present = sorted(set(y.tolist()))
    labels = list(range(len(CLASSES)))
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    per_class_auc = [_auc(y == c, probs[:, c]) for c in present]
    per_class_auc = [a for a in per_class_auc if a is not None]
    return {
        "n": len(y),
        "accuracy": float(np.mean(pred == y)),
        "balanced_accuracy": _balanced_accuracy(y, pred),
        "top2_accuracy": top_k_accuracy(y, probs, 2),
        "top3_accuracy": top_k_accuracy(y, probs, 3),
        "macro_auc": float(np.mean(per_class_auc)) if per_class_auc else None,
        "melanoma_auc": _auc(y == CLASSES.index("mel"), probs[:, CLASSES.index("mel")]),
        "malignant_auc": _auc(np.isin(y, MALIGNANT_INDICES), malignant_probability(probs)),
        "ece": expected_calibration_error(y, probs),
        "per_class": {
            CLASSES[c]: {
                "precision": float(precision[c]),
                "recall": float(recall[c]),
                "f1": float(f1[c]),
                "support": int(support[c]),
            }
            for c in labels
            if support[c] > 0 or (pred == c).any()
        },
        "confusion_matrix": {"labels": list(CLASSES), "matrix": confusion_matrix(y, pred, labels=labels).tolist()},
        "referral": referral(y, probs, threshold),
    }


LOWER_IS_BETTER = {"log_loss"}


def headline(y: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """The four figures members and checkpoints are compared on (`paired_bootstrap`)."""
    mel = CLASSES.index("mel")
    pred = probs.argmax(axis=1)
    auc = _auc(y == mel, probs[:, mel])
    return {
        "balanced_accuracy": _balanced_accuracy(y, pred),
        "accuracy": float(np.mean(pred == y)),
        "melanoma_auc": float("nan") if auc is None else auc,
        "log_loss": nll(probs, y),
    }


def paired_bootstrap(
    y: np.ndarray, probs_a: np.ndarray, probs_b: np.ndarray, groups: np.ndarray, rounds: int = 2000, seed: int = 0
) -> dict[str, dict[str, float]]:
    """How sure is it that model B beats model A on images like these? B - A, lesions resampled.

    Both models are scored on the same resampled lesions each round (paired), and whole lesions
    are drawn so that several photos of one lesion count as the one observation they are. Returns,
    per headline metric, the observed difference, its 95% interval and the share of rounds in which
    B came out ahead (higher, or for log loss lower; with A's and B's own figures): the evaluation noise of a
    split, for deciding
    whether to ship B over A.
    """
    y, groups = np.asarray(y), np.asarray(groups)
    lesions, index = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(index == i) for i in range(len(lesions))]
    rng = np.random.default_rng(seed)
    whole_a, whole_b = headline(y, probs_a), headline(y, probs_b)
    rounds_delta: dict[str, list[float]] = {k: [] for k in whole_a}
    for _ in range(rounds):
        rows = np.concatenate([members[i] for i in rng.integers(0, len(lesions), len(lesions))])
        a, b = headline(y[rows], probs_a[rows]), headline(y[rows], probs_b[rows])
        for k, deltas in rounds_delta.items():
            deltas.append(b[k] - a[k])
    result = {}
    for k, deltas in rounds_delta.items():
        d = np.asarray(deltas)
        d = d[np.isfinite(d)]
        lo, hi = np.percentile(d, [2.5, 97.5])
        result[k] = {
            "a": whole_a[k],
            "b": whole_b[k],
            "delta": whole_b[k] - whole_a[k],
            "low": float(lo),
            "high": float(hi),
            "b_ahead": float(np.mean(d < 0 if k in LOWER_IS_BETTER else d > 0)),
        }
    return result
