"""The shades-of-grey layer: colour constancy inside the model, saved and loaded with it."""

from __future__ import annotations

import numpy as np
from tiny import synthetic


def test_colour_constancy_gives_a_tinted_photo_the_same_input():
    from skinscan_ui.build.colour import ShadesOfGrey

    photo = synthetic(1, seed=2)[0][:1].astype(np.float32)
    tinted = np.clip(photo * np.array([1.15, 1.0, 0.8], np.float32), 0, 255)  # a warm cast
    layer = ShadesOfGrey()
    a, b = (np.asarray(layer(x)) for x in (photo, tinted))
    assert np.abs(a - b).mean() < 2.5 < np.abs(photo - tinted).mean()


def test_colour_constancy_round_trips_in_a_saved_model(tmp_path):
    import keras

    from skinscan_ui.build.colour import ShadesOfGrey

    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, ShadesOfGrey(power=4.0)(inputs))
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-4)
