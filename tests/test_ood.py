"""The not-a-lesion guard: lesions pass, other pictures get "uncertain" and a sentence why."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import synthetic

from skinscan_ui.build import fit_guard
from skinscan_ui.build.nonlesion import generated, non_lesions
from skinscan_ui.serve import ood, paths
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.inference import decide
from skinscan_ui.serve.model_store import default_name

SHIPPED = (paths.weights_dir() / "DEFAULT").is_file()


def test_threshold_keeps_the_chosen_share_of_validation():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, 700)
    centres = rng.normal(0, 3, (7, 16))
    feats = centres[y] + rng.normal(0, 1, (700, 16))
    val = centres[rng.integers(0, 7, 400)] + rng.normal(0, 1, (400, 16))
    pixels = np.clip(rng.normal([190, 140, 120], 25, (700, 12, 16, 3)), 0, 255)
    val_pixels = np.clip(rng.normal([190, 140, 120], 25, (400, 12, 16, 3)), 0, 255)
    guard = fit_guard.fit(feats, y, pixels, val, val_pixels, keep=0.97)
    assert np.mean(guard.passes(val, val_pixels)) >= 0.97
    far = rng.normal(0, 1, (50, 16)) + 40
    assert not guard.passes(far, val_pixels[:50]).any()
    grey = np.full((50, 12, 16, 3), 128.0)
    assert not guard.passes(val[:50], grey).any(), "a lesion-like feature on a blank frame is still stopped"


def test_image_statistics_say_what_their_names_say():
    """Channel means and spreads, saturation and Laplacian texture, as the guard was fitted on them."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (3, 15, 20, 3), dtype=np.uint8)
    stats = ood.image_statistics(pixels)
    for photo, row in zip(pixels.astype(np.float64) / 255, stats, strict=True):
        channels = photo.reshape(-1, 3)
        high, low = channels.max(1), channels.min(1)
        grey = photo.mean(-1)
        lap = np.abs(4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:])
        expected = [
            *channels.mean(0),
            *channels.std(0),
            ((high - low) / (high + 1e-3)).mean(),
            np.log(lap.mean() + 1e-4),
        ]
        np.testing.assert_allclose(row, expected, rtol=1e-5, atol=1e-6)


def test_the_non_lesion_images_are_the_same_every_time():
    """The guard's and the photo types' cards count stops among them: a random picture would move the count."""
    first, again = non_lesions(), non_lesions()
    assert first.keys() == again.keys()
    for name in first:
        assert np.array_equal(np.asarray(first[name]), np.asarray(again[name])), name


def test_unlike_training_is_uncertain_even_when_confident():
    probs = np.array([0.0, 0.0, 0.0, 0.0, 0.99, 0.01, 0.0])
    p = decide(probs, threshold=0.3, unlike_training=ood.UNLIKE)
    assert p.outcome == "uncertain" and "does not look like" in p.reason
    assert decide(probs, threshold=0.3).outcome == "refer"


def test_tiny_model_guard_separates_its_lesions_from_other_pictures(tiny_weights):
    model = Classifier.load(str(tiny_weights / "tiny.keras"))
    x, _ = synthetic(3, seed=40)
    lesions = model.classify([Image.fromarray(i) for i in x])
    assert np.mean([ood.UNLIKE != p.reason for p in lesions]) >= 0.9
    others = model.classify(list(generated().values()))
    assert all(p.outcome == "uncertain" for p in others)


@pytest.mark.skipif(not SHIPPED, reason="no models shipped yet")
def test_shipped_default_refuses_non_lesions():
    model = Classifier.load(default_name())
    images = non_lesions()
    predictions = model.classify(list(images.values()))
    stopped = [name for name, p in zip(images, predictions, strict=True) if not p.diagnosed]
    assert len(stopped) >= 0.9 * len(images), f"diagnosed as lesions: {set(images) - set(stopped)}"
    for name in ("black", "white", "checkerboard", "text_page", "stereo_motorcycle", "chelsea"):
        assert name in stopped


def test_a_guard_fitted_on_another_network_is_refused(tiny_weights, tmp_path):
    """After a retrain, the old network's guard would measure distances in a feature space that is gone."""
    import shutil

    from skinscan_ui.build import cards
    from skinscan_ui.serve.model_store import ModelError

    folder = tmp_path / "w"
    shutil.copytree(tiny_weights, folder)
    ood.Guard.for_model(folder / "tiny.json", None).save(folder / "tiny.json", "f" * 64)
    cards.write_manifest(folder)
    with pytest.raises(ModelError, match="was fitted on another network .* refit it"):
        Classifier.load("tiny", folder)
