"""Distillation targets on a tiny model and synthetic photos (no data needed)."""

from __future__ import annotations

import keras
import numpy as np
from tiny import build_tiny, synthetic

from skinscan_ui.build.training import Batches, class_weights, teacher_targets
from skinscan_ui.serve.labels import CLASSES


def teachers() -> list[keras.Model]:
    keras.utils.set_random_seed(0)
    return [build_tiny(), build_tiny()]  # two different random nets: an ensemble that disagrees


def test_teacher_targets_are_distributions_that_ignore_how_the_photo_is_flipped():
    x, _ = synthetic(2)
    nets = teachers()
    soft = teacher_targets(nets, x, batch_size=5)
    np.testing.assert_allclose(soft.sum(1), 1.0, rtol=1e-5)
    for axes in ((1,), (2,), (1, 2)):
        np.testing.assert_allclose(teacher_targets(nets, np.flip(x, axes)), soft, atol=1e-5)
    one_view = np.mean([net.predict(x.astype("float32"), verbose=0) for net in nets], axis=0)
    assert np.abs(one_view - soft).max() > 1e-4, "the flips are really averaged in, not just one view"


def test_an_ensemble_teacher_is_the_mean_of_its_members():
    x, _ = synthetic(1)
    a, b = teachers()
    np.testing.assert_allclose(
        teacher_targets([a, b], x), (teacher_targets([a], x) + teacher_targets([b], x)) / 2, atol=1e-6
    )


def test_batches_serve_the_soft_targets_with_weights_of_the_true_class():
    x, y = synthetic(3)
    rng = np.random.default_rng(1)
    soft = rng.dirichlet(np.ones(len(CLASSES)), len(y)).astype("float32")
    weights = class_weights(y)
    seen = 0
    for xb, yb, wb in Batches(x, y, 8, "shuffle", 0, weights, targets=soft):
        for image, target, weight in zip(xb, yb, wb, strict=True):
            i = int(np.flatnonzero((x == image.astype("uint8")).all(axis=(1, 2, 3)))[0])
            np.testing.assert_allclose(target, soft[i])
            assert weight == weights[y[i]]
            seen += 1
    assert seen == len(y)
