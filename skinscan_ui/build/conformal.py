"""Fitting and checking split conformal prediction sets (`serve.conformal` builds a photo's set)."""

from __future__ import annotations

import numpy as np

from skinscan_ui.serve.conformal import prediction_set


def fit(probs: np.ndarray, y: np.ndarray, alpha: float = 0.1) -> float:
    """The score threshold q: a class is in the set when 1 - p <= q."""
    scores = 1.0 - probs[np.arange(len(y)), y]
    level = min(1.0, np.ceil((len(y) + 1) * (1 - alpha)) / len(y))
    return float(np.quantile(scores, level, method="higher"))


def coverage(probs: np.ndarray, y: np.ndarray, q: float) -> dict:
    """Share of photos whose set holds the true class, and the mean set size."""
    sets = prediction_set(probs, q)
    return {"coverage": float(sets[np.arange(len(y)), y].mean()), "mean_size": float(sets.sum(axis=1).mean())}
