"""Split conformal prediction sets: the classes that cover the true diagnosis 90% of the time.

Fitted on validation (Vovk et al.; Angelopoulos & Bates 2021, "A gentle introduction to conformal
prediction"): the score of a photo is 1 - p(true class); the threshold is the ceil((n+1)(1-alpha))/n
quantile of validation scores, and a new photo's set holds every class with 1 - p at or below it.
On photos like the validation photos, the set holds the true class with probability >= 1 - alpha.
"""

from __future__ import annotations

import numpy as np


def fit(probs: np.ndarray, y: np.ndarray, alpha: float = 0.1) -> float:
    """The score threshold q: a class is in the set when 1 - p <= q."""
    scores = 1.0 - probs[np.arange(len(y)), y]
    level = min(1.0, np.ceil((len(y) + 1) * (1 - alpha)) / len(y))
    return float(np.quantile(scores, level, method="higher"))


def prediction_set(probs: np.ndarray, q: float) -> np.ndarray:
    """(N, K) boolean: which classes each photo's set holds (never empty: the top-1 always is)."""
    inside = 1.0 - probs <= q
    inside[np.arange(len(probs)), probs.argmax(axis=1)] = True
    return inside


def coverage(probs: np.ndarray, y: np.ndarray, q: float) -> dict:
    """Share of photos whose set holds the true class, and the mean set size."""
    sets = prediction_set(probs, q)
    return {"coverage": float(sets[np.arange(len(y)), y].mean()), "mean_size": float(sets.sum(axis=1).mean())}
