"""Grad-CAM: the served (LiteRT) maps are tf-keras-vis's on the Keras model, and the overlay is what the user sees."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import synthetic

from skinscan_ui.build.keras_engine import load
from skinscan_ui.build.reference_cam import reference_gradcam
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.explain import colormap, overlay


@pytest.fixture(scope="module")
def tiny(tiny_weights):
    classifier = Classifier.load("tiny", tiny_weights)
    assert classifier.engine.name == "litert"
    return classifier


@pytest.fixture(scope="module")
def keras_model(tiny_weights):
    return load("tiny", tiny_weights)[0]


def test_fast_path_equals_tf_keras_vis(tiny, keras_model):
    x, _ = synthetic(1, seed=11)
    for img in x:
        result = tiny.analyse(Image.fromarray(img))
        for index in np.argsort(-result.prediction.probabilities)[:3]:
            ref = reference_gradcam(keras_model, result.pixels, int(index), tiny.card.last_conv)
            assert np.corrcoef(result.heatmap_for(int(index)).ravel(), ref.ravel())[0, 1] >= 0.99


@pytest.mark.parametrize("method", ["gradcam++", "scorecam"])
def test_fast_grad_cam_plus_plus_and_score_cam_equal_tf_keras_vis(tiny, keras_model, method):
    x, _ = synthetic(1, seed=14)
    for img in x[::2]:
        result = tiny.analyse(Image.fromarray(img))
        for index in np.argsort(-result.prediction.probabilities)[:2]:
            ref = reference_gradcam(keras_model, result.pixels, int(index), tiny.card.last_conv, method)
            fast = (
                result.heatmap_for(int(index), method) if method == "gradcam++" else tiny.score_cam(result, int(index))
            )
            if ref.max() == 0:  # both empty: nothing moved the score
                assert fast.max() == 0
                continue
            assert np.corrcoef(fast.ravel(), ref.ravel())[0, 1] >= 0.99, (method, index)


def test_heatmap_falls_on_the_blob(tiny):
    x, _ = synthetic(1, seed=12)
    img = x[0]
    result = tiny.analyse(Image.fromarray(img))
    blob = np.abs(img.astype(int) - [200, 160, 140]).sum(-1) > 120
    assert result.heatmap[blob].mean() > result.heatmap[~blob].mean()


def test_other_classes_and_methods_give_maps(tiny, keras_model):
    x, _ = synthetic(1, seed=13)
    result = tiny.analyse(Image.fromarray(x[2]))
    for index in (0, 3):
        cam = result.heatmap_for(index)
        assert cam.shape == result.pixels.shape[:2] and 0 <= cam.min() and cam.max() <= 1
    plus = reference_gradcam(keras_model, result.pixels, 2, "last_conv", "gradcam++")
    assert plus.shape == result.pixels.shape[:2]


def test_overlay_blends_and_colormap_runs_blue_to_red():
    img = np.full((10, 10, 3), 100, np.uint8)
    cam = np.linspace(0, 1, 100).reshape(10, 10)
    assert np.array_equal(overlay(img, cam, 0.0), img)
    lut = colormap(np.array([0.0, 1.0]))
    assert lut[0, 2] > lut[0, 0] and lut[1, 0] > lut[1, 2]


def test_the_slide_download_is_wide_and_shows_photo_and_heatmap_side_by_side():
    from skinscan_ui.serve.explain import slide

    photo = np.zeros((150, 200, 3), np.uint8)
    photo[..., 1] = 200  # a green photo: the left panel is green, the right one is tinted by the heatmap
    cam = np.ones((150, 200), np.float32)
    picture = slide(photo, cam, "Grad-CAM for Melanoma", ("photo", "heatmap"), ("low", "high"), "footer")
    assert picture.shape[1] >= 1200 and picture.shape[0] > 600
    middle = picture.shape[0] // 2
    left, right = picture[middle, 100], picture[middle, picture.shape[1] - 100]
    assert left[1] > 150 and left[0] < 50, "the photo as it was"
    assert right[0] > left[0], "the heatmap's red over it"


def test_the_slide_follows_the_opacity_slider():
    from skinscan_ui.serve.explain import slide

    photo = np.full((150, 200, 3), 90, np.uint8)
    cam = np.linspace(0, 1, 150 * 200).reshape(150, 200)
    faint, full = (slide(photo, cam, "t", ("a", "b"), ("low", "high"), "f", opacity) for opacity in (0.2, 1.0))
    middle = faint.shape[0] // 2
    right = slice(faint.shape[1] // 2 + 40, faint.shape[1] - 40)
    assert np.abs(faint[middle, right].astype(int) - 90).mean() < np.abs(full[middle, right].astype(int) - 90).mean()


def test_the_slide_prints_every_letter_of_both_languages():
    """Each character of every English and Spanish sentence has a glyph in the slide's font (no boxes)."""
    from PIL import ImageFont

    from skinscan_ui.serve.explain import FONT
    from skinscan_ui.serve.i18n import CATALOG

    font = ImageFont.truetype(str(FONT), 22)

    def drawn(ch: str) -> bytes:
        mask = font.getmask(ch)
        return bytes(mask) + bytes(str(mask.size), "ascii")

    missing = drawn("\ue000")  # a private-use code point: the font's "no glyph" box
    letters = {ch for row in CATALOG.values() for sentence in row for ch in sentence if ch.strip()}
    boxes = sorted(ch for ch in letters if drawn(ch) == missing)
    assert not boxes, boxes
