"""The acquisition-shift augmentations: each keeps shape and range, changes photos only in training."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from tiny import synthetic

from skinscan_ui.build.augment import RandomBlur, RandomColourCast, RandomGamma, RandomVignette, acquisition
from skinscan_ui.build.training import Batches

PHOTOS = synthetic(2, seed=8)[0][:8].astype("float32")


@pytest.mark.parametrize("layer", acquisition(seed=1), ids=lambda layer: type(layer).__name__ + layer.name)
def test_each_augmentation_keeps_shape_and_range_and_changes_the_photo(layer):
    out = np.asarray(layer(PHOTOS, training=True))
    assert out.shape == PHOTOS.shape
    assert out.min() >= 0 and out.max() <= 255.0 + 1e-3
    assert np.abs(out - PHOTOS).mean() > 0.5, "it does something"
    np.testing.assert_array_equal(np.asarray(layer(PHOTOS, training=False)), PHOTOS)


def test_named_shifts_come_in_the_cameras_order_and_unknown_ones_are_refused():
    assert [type(layer).__name__ for layer in acquisition(1, ("gamma", "blur"))] == ["RandomBlur", "RandomGamma"]
    with pytest.raises(ValueError, match="sepia"):
        acquisition(1, ("sepia",))


def test_a_vignette_darkens_the_corners_not_the_centre():
    out = np.asarray(RandomVignette(probability=1.0, seed=0)(np.full((4, 48, 64, 3), 200.0, "float32"), training=True))
    assert out[:, :3, :3].mean() < 50 and out[:, 20:28, 28:36].mean() == pytest.approx(200.0)


def test_augmentations_survive_a_save_and_load(tmp_path):
    inputs = keras.Input((48, 64, 3))
    x = inputs
    for layer in (RandomColourCast(seed=1), RandomGamma(seed=2), RandomBlur(seed=3), RandomVignette(seed=4)):
        x = layer(x)
    model = keras.Model(inputs, x)
    model.save(tmp_path / "aug.keras")
    again = keras.models.load_model(tmp_path / "aug.keras", safe_mode=True)
    assert [type(layer).__name__ for layer in again.layers[1:]] == [
        "RandomColourCast",
        "RandomGamma",
        "RandomBlur",
        "RandomVignette",
    ]
    np.testing.assert_allclose(again.predict(PHOTOS, verbose=0), PHOTOS, atol=1e-4)  # inference: unchanged


def test_jpeg_recompression_in_batches_keeps_shape_and_range():
    y = np.arange(8) % 7
    plain = Batches(PHOTOS.astype("uint8"), y, 8, "shuffle", seed=0)[0][0]
    squeezed = Batches(PHOTOS.astype("uint8"), y, 8, "shuffle", seed=0, jpeg=1.0)[0][0]
    assert squeezed.shape == plain.shape and 0 <= squeezed.min() and squeezed.max() <= 255
    assert 0 < np.abs(squeezed - plain).mean() < 20
