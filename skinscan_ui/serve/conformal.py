"""Split conformal prediction sets: the classes that cover the true diagnosis 90% of the time.

Fitted on validation (Vovk et al.; Angelopoulos & Bates 2021, "A gentle introduction to conformal
prediction"): the score of a photo is 1 - p(true class); the threshold is the ceil((n+1)(1-alpha))/n
quantile of validation scores, and a new photo's set holds every class with 1 - p at or below it.
On photos like the validation photos, the set holds the true class with probability >= 1 - alpha.
"""

from __future__ import annotations

import numpy as np


def prediction_set(probs: np.ndarray, q: float) -> np.ndarray:
    """(N, K) boolean: which classes each photo's set holds (never empty: the top-1 always is)."""
    inside = 1.0 - probs <= q
    inside[np.arange(len(probs)), probs.argmax(axis=1)] = True
    return inside
