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
