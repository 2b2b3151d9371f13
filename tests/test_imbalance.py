"""Imbalance handling in training, on synthetic labels (no data needed)."""

from __future__ import annotations

import keras
import numpy as np

from skinscan_ui.build.training import LogitAdjustedCrossentropy, class_prior, class_weights
from skinscan_ui.serve.labels import CLASSES

K = len(CLASSES)
Y = np.repeat(np.arange(K), [50, 30, 100, 10, 100, 600, 10])  # HAM10000-like imbalance


def test_full_class_weights_give_every_class_the_same_total_weight():
    w = class_weights(Y, 1.0)
    totals = [w[c] * np.sum(Y == c) for c in range(K)]
    np.testing.assert_allclose(totals, totals[0], rtol=1e-6)
    assert np.isclose(np.mean([w[c] for c in Y]), 1.0), "mean per-sample weight stays 1"


def test_logit_adjustment_with_a_uniform_prior_is_plain_cross_entropy():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(K), 16).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, K, 16), K)
    adjusted = LogitAdjustedCrossentropy(np.full(K, 1 / K), label_smoothing=0.05)(y, p)
    plain = keras.losses.CategoricalCrossentropy(label_smoothing=0.05)(y, p)
    np.testing.assert_allclose(float(adjusted), float(plain), rtol=1e-5)


def test_logit_adjustment_makes_the_uninformed_answer_uniform_not_the_majority_class():
    """With no evidence, plain cross-entropy is minimised by the class prior (mostly `nv`);
    the adjusted loss by equal probabilities, which is what balanced accuracy rewards."""
    loss = LogitAdjustedCrossentropy(class_prior(Y))
    y = keras.utils.to_categorical(Y, K)

    def expected(p: np.ndarray) -> float:
        return float(loss(y, np.tile(p.astype("float32"), (len(Y), 1))))

    uniform, prior = np.full(K, 1 / K), class_prior(Y)
    assert expected(uniform) < expected(prior)
    nudged = uniform + 0.01 * (np.eye(K)[CLASSES.index("nv")] - 1 / K)
    assert expected(uniform) < expected(nudged)
