"""Split conformal prediction sets: the classes that cover the true diagnosis 90% of the time.

Fitted on validation (Vovk et al.; Angelopoulos & Bates 2021, "A gentle introduction to conformal
prediction"): the score of a photo is 1 - p(true class); the threshold is the ceil((n+1)(1-alpha))/n
quantile of validation scores, and a new photo's set holds every class with 1 - p at or below it.
On photos like the validation photos, the set holds the true class with probability >= 1 - alpha.
"""

from __future__ import annotations

import numpy as np

from skinscan_ui.serve.labels import MALIGNANT_INDICES


def prediction_set(probs: np.ndarray, q: float) -> np.ndarray:
    """(N, K) boolean: which classes each photo's set holds (never empty: the top-1 always is)."""
    inside = 1.0 - probs <= q
    inside[np.arange(len(probs)), probs.argmax(axis=1)] = True
    return inside


def ordered_set(probabilities: np.ndarray, q: float, referred: bool) -> tuple[list[int], bool]:
    """One photo's set, most likely class first, and whether the page must say why a referral's set names
    no malignant class (several malignant classes can together pass the referral threshold while none
    alone is likely enough to join the set): the badge and the set must never seem to disagree."""
    inside = prediction_set(np.asarray(probabilities)[None], q)[0]
    order = [int(i) for i in np.argsort(-np.asarray(probabilities)) if inside[i]]
    return order, referred and not any(i in MALIGNANT_INDICES for i in order)
