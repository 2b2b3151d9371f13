"""Training batches on synthetic images (no data needed): sampling and mixup."""

from __future__ import annotations

import numpy as np

from skinscan_ui.build.training import Batches, class_weights
from skinscan_ui.serve.labels import CLASSES

K = len(CLASSES)
Y = np.repeat(np.arange(K), [8, 6, 10, 4, 10, 20, 6])
# Each image is one flat grey level unique to it, so a blend can be traced back to its two parents.
X = np.broadcast_to(np.arange(len(Y), dtype="uint8")[:, None, None, None] * 4, (len(Y), 4, 4, 3))


def test_without_mixup_a_batch_is_the_images_and_their_one_hot_labels():
    x, y, w = Batches(X, Y, 16, "shuffle", 0, class_weights(Y))[0]
    ids = (x[:, 0, 0, 0] / 4).astype(int)
    np.testing.assert_array_equal(y.argmax(1), Y[ids])
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_allclose(w, [class_weights(Y)[c] for c in Y[ids]])


def test_mixup_blends_images_labels_and_weights_with_one_share_each():
    weights = class_weights(Y)
    x, y, w = Batches(X, Y, 32, "shuffle", 0, weights, mixup=0.4)[0]
    np.testing.assert_allclose(y.sum(1), 1.0, rtol=1e-6)
    assert ((y > 0) & (y < 1)).any(), "some labels are blends"
    for image, label, weight in zip(x, y, w, strict=True):
        assert np.ptp(image) < 1e-3, "a blend of two flat images stays flat"
        # Recover the share from the label: the image and the weight must use the same one.
        parents = np.flatnonzero(label)
        if len(parents) == 1:
            continue
        share = label[parents[0]]
        grey = image[0, 0, 0]
        candidates = [
            (a, b)
            for a in np.flatnonzero(Y == parents[0])
            for b in np.flatnonzero(Y == parents[1])
            if np.isclose(share * 4 * a + (1 - share) * 4 * b, grey, atol=1e-2)
        ]
        assert candidates, "the image is the same blend of two images of those classes"
        expected = share * weights[parents[0]] + (1 - share) * weights[parents[1]]
        assert np.isclose(weight, expected, rtol=1e-5)
