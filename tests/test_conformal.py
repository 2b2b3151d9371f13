"""Conformal prediction sets: the promised coverage on photos the threshold was not fitted on."""

from __future__ import annotations

import numpy as np
from tiny import noisy_scores

from skinscan_ui.build import conformal


def test_conformal_sets_cover_the_true_class_as_promised():
    y, probs = noisy_scores(4000, seed=1)
    q = conformal.fit(probs[:2000], y[:2000], alpha=0.1)
    result = conformal.coverage(probs[2000:], y[2000:], q)
    assert 0.87 <= result["coverage"] <= 0.93 and 1 < result["mean_size"] < 7
    assert conformal.prediction_set(probs, q)[np.arange(4000), probs.argmax(1)].all()


def test_a_referral_whose_set_names_no_malignant_class_says_why():
    """'Refer' beside 'With 90% confidence: Melanocytic nevus' must not read as a contradiction."""
    probs = np.array([0.06, 0.06, 0.05, 0.02, 0.08, 0.70, 0.03])  # 20% malignant in all, none alone near the set
    from skinscan_ui.serve.conformal import ordered_set

    order, explain = ordered_set(probs, q=0.5, referred=True)
    assert order == [5] and explain
    assert ordered_set(probs, q=0.5, referred=False) == ([5], False)
    order, explain = ordered_set(np.array([0.05, 0.05, 0.05, 0.02, 0.45, 0.35, 0.03]), 0.7, True)
    assert order == [4, 5] and not explain, "melanoma is in the set: nothing to explain"
