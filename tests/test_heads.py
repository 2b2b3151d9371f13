"""A logistic head refitted on frozen features, written as the network's Dense layer."""

from __future__ import annotations

import numpy as np


def test_a_logistic_head_folds_its_scaling_into_the_dense_weights():
    from sklearn.linear_model import LogisticRegression

    from skinscan_ui.build.heads import fit_logistic, logits

    rng = np.random.default_rng(0)
    y = np.repeat([0, 4, 5], 40)
    x = rng.normal(0, 1, (120, 6)) * [1, 10, 100, 1, 1, 1] + y[:, None]
    kernel, bias = fit_logistic(x, y, 1.0)
    scaled = (x - x.mean(0)) / (x.std(0) + 1e-6)
    ref = LogisticRegression(C=1.0, max_iter=2000, tol=1e-5).fit(scaled, y)
    z = logits(x, kernel, bias)
    np.testing.assert_array_equal(z.argmax(1), ref.predict(scaled))
    assert set(z.argmax(1)) <= {0, 4, 5}, "a class never seen is never predicted"
