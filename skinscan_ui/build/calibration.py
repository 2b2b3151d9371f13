"""Fitting the temperature and the referral threshold, on the validation split only.

`serve.calibration` applies them.
"""

from __future__ import annotations

import numpy as np

from skinscan_ui.serve.calibration import EPS, apply_temperature, malignant_probability
from skinscan_ui.serve.labels import MALIGNANT_INDICES


def nll(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes."""
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], EPS, 1.0))))


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising validation negative log-likelihood."""
    from scipy.optimize import minimize_scalar  # only training needs it; keeps the app's start light

    res = minimize_scalar(
        lambda log_t: nll(apply_temperature(probs, float(np.exp(log_t))), y),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return float(np.exp(res.x))


def referral_threshold(
    probs: np.ndarray, y: np.ndarray, sensitivity: float = 0.85, confidence: float | None = None
) -> float:
    """The highest malignant-probability cut-off that still refers `sensitivity` of malignant lesions.

    Highest, because any lower cut-off refers more benign lesions for no gain in sensitivity. With
    `confidence`, it refers enough validation lesions that the true sensitivity is at least
    `sensitivity` with that confidence (one-sided Clopper-Pearson): hitting 0.85 exactly on 30
    melanomas leaves about even odds of falling under it on the next 30.
    """
    malignant = np.isin(y, MALIGNANT_INDICES)
    scores = np.sort(malignant_probability(probs)[malignant])[::-1]
    n = len(scores)
    if n == 0:
        raise ValueError("no malignant lesion to choose a referral threshold on")
    k = int(np.ceil(sensitivity * n))  # refer at least the k most suspicious
    if confidence is not None:
        from scipy.stats import beta

        k = next((j for j in range(k, n + 1) if beta.ppf(1 - confidence, j, n - j + 1) >= sensitivity), n)
    return float(scores[k - 1])
