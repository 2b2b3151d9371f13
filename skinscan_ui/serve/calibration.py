"""Temperature scaling and the referral threshold, both fitted on the validation split only."""

from __future__ import annotations

import numpy as np

from skinscan_ui.serve.labels import MALIGNANT_INDICES

EPS = 1e-7


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T): the same ranking, confidence stretched or shrunk to match accuracy."""
    logits = np.log(np.clip(probs, EPS, 1.0)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=-1, keepdims=True)


def malignant_probability(probs: np.ndarray) -> np.ndarray:
    """P(mel) + P(bcc) + P(akiec): the roll-up a referral decision rests on."""
    return probs[..., list(MALIGNANT_INDICES)].sum(axis=-1)
