"""The photo-type network learns two kinds of photo apart, keeps its best epoch, and serves the same via LiteRT."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import needs_data
from tiny import SIZE

from skinscan_ui.build import photo_type_net
from skinscan_ui.serve.photo_type import CameraNet


def kinds_of_photo(n: int, seed: int) -> dict[str, np.ndarray]:
    """'scope': a bright disc in a dark circular field; 'phone': evenly lit, grainy skin filling the frame."""
    rng = np.random.default_rng(seed)
    h, w = SIZE
    yy, xx = np.mgrid[:h, :w]
    disc = ((yy - h / 2) ** 2 + (xx - w / 2) ** 2 < (0.4 * h) ** 2)[..., None]
    skin = np.array([200, 150, 130], np.float32)
    scope = np.where(disc, skin, 10.0) + rng.normal(0, 5, (n, h, w, 3))
    phone = skin * rng.uniform(0.8, 1.1, (n, 1, 1, 1)) + rng.normal(0, 25, (n, h, w, 3))
    return {"scope": np.clip(scope, 0, 255).astype(np.uint8), "phone": np.clip(phone, 0, 255).astype(np.uint8)}


@needs_data("imagenet")
def test_the_network_learns_a_dermatoscope_field_from_a_phone_photo_and_keeps_its_best_epoch(tmp_path):
    train, val = kinds_of_photo(48, seed=0), kinds_of_photo(8, seed=1)
    model = photo_type_net.build(SIZE, seed=0)

    def margin(m) -> float:
        """How far the phone photos' least clinical logit lies above the dermatoscope photos' most clinical one."""
        return float(photo_type_net.logits(m, val["phone"]).min() - photo_type_net.logits(m, val["scope"]).max())

    before = margin(model)
    report = photo_type_net.train(model, train, {"scope": False, "phone": True}, epochs=4, score=margin)
    assert margin(model) > 0, f"every phone photo ranked above every dermatoscope photo ({report})"
    assert margin(model) > before + 5, f"the margin grew in training: {before:.1f} -> {margin(model):.1f}"

    scripted, seen = iter([0.2, 0.9, 0.1]), []  # the second epoch scores best: the model must end there

    def second_best(m) -> float:
        seen.append(m.get_weights())
        return next(scripted)

    report = photo_type_net.train(model, train, {"scope": False, "phone": True}, epochs=3, score=second_best)
    assert report["chosen_epoch"] == 2
    for kept, now in zip(seen[1], model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)

    path = tmp_path / "net.tflite"
    photo_type_net.export(model, path)
    both = np.concatenate([val["scope"], val["phone"]])
    np.testing.assert_allclose(
        CameraNet(path).logits(both), photo_type_net.logits(model, both), rtol=0.02, atol=0.05
    )  # float16 weights
    with pytest.raises(FileNotFoundError, match="missing"):
        CameraNet(tmp_path / "none.tflite")


@needs_data("imagenet")
def test_a_training_is_repeated_exactly_from_its_seed():
    """The card's figures come from one training: run again with the same seed, it gives nearly the same network."""
    train, val = kinds_of_photo(16, seed=0), kinds_of_photo(4, seed=1)
    both = np.concatenate([val["scope"], val["phone"]])
    runs = []
    for seed in (3, 3, 4):
        model = photo_type_net.build(SIZE, seed=seed)
        photo_type_net.train(model, train, {"scope": False, "phone": True}, epochs=1, score=lambda m: 0.0, seed=seed)
        runs.append(photo_type_net.logits(model, both))
    same, other = np.abs(runs[0] - runs[1]).max(), np.abs(runs[0] - runs[2]).max()
    assert same < 0.05, f"the same start and draws, up to the order of the CPU's sums ({same:.4f})"
    assert other > 10 * same, "another seed trains another network"
