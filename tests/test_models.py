"""The registry: each model builds flat, takes raw pixels, and survives a save/load round trip."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import needs_data

from skinscan_ui.build import cards
from skinscan_ui.build.models import REGISTRY, build
from skinscan_ui.serve import paths

# The SkinScan network builds from nothing; the others start from ImageNet backbones in ../shared.
NAMES = [pytest.param(n, marks=() if n == "skinscan" else needs_data("imagenet")) for n in sorted(REGISTRY)]


def test_skinscan_matches_its_description():
    model = build("skinscan")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("SeparableConv2D") == 1
    assert kinds.count("Add") == 3, "three residual blocks"
    assert model.get_layer("stem1_conv").strides == (2, 2)
    assert [model.get_layer(f"block{i}_c_conv").filters for i in (1, 2, 3)] == [128, 256, 512]
    assert [model.get_layer(f"block{i}_b_conv").strides for i in (1, 2, 3)] == [(2, 2), (2, 2), (1, 1)]
    assert all(model.get_layer(f"block{i}_proj_conv") for i in (1, 2, 3)), "projection shortcuts"
    assert model.output_shape == (None, 7)


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_model_builds_saves_and_reloads_identically(name, tmp_path):
    model = build(name)
    assert not any(isinstance(layer, keras.Model) for layer in model.layers), "flat for Grad-CAM"
    assert len(model.get_layer(REGISTRY[name].last_conv).output.shape) == 4
    x = np.random.default_rng(0).integers(0, 256, (2, *REGISTRY[name].input_size, 3)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), again.predict(x, verbose=0), atol=1e-6)


def test_flops_counted_for_a_known_layer():
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    assert cards.count_macs(keras.Model(inputs, outputs)) == 8 * 8 * 3 * 3 * 3 * 4


def test_unknown_model_name_lists_the_registry():
    with pytest.raises(KeyError, match="skinscan"):
        build("resnet9000")


@needs_data("imagenet")
def test_transfer_model_is_flat_and_keeps_pretrained_weights():
    model = build("efficientnet_lite0")
    base = keras.models.load_model(paths.imagenet_dir() / "efficientnet_lite0_imagenet_notop.keras")
    np.testing.assert_array_equal(
        model.get_layer("stem_conv").get_weights()[0], base.get_layer("stem_conv").get_weights()[0]
    )
    assert not any(isinstance(layer, keras.Model) for layer in model.layers)
    assert model.input_shape == (None, *REGISTRY["efficientnet_lite0"].input_size, 3)


@needs_data("imagenet")
def test_colour_constancy_sits_before_the_backbone_and_ignores_a_tint():
    plain, grey = build("efficientnet_lite0"), build("efficientnet_lite0", colour_constancy=True)
    names = [layer.name for layer in grey.layers]
    assert names[:3] == ["image", "shades_of_grey", plain.layers[1].name], "white balance, then the backbone"
    assert not any(isinstance(layer, keras.Model) for layer in grey.layers)
    grey.set_weights(plain.get_weights())  # the layer has no weights, so --init from a plain model works
    photo = np.random.default_rng(1).integers(40, 200, (1, 150, 200, 3)).astype("float32")
    tinted = photo * np.array([1.15, 1.0, 0.85], "float32")  # a warmer lamp, nothing clipped

    def feature_shift(model: keras.Model) -> float:
        pooled = keras.Model(model.input, model.get_layer("pool").output)
        a, b = pooled.predict(photo, verbose=0), pooled.predict(tinted, verbose=0)
        return float(np.abs(a - b).mean() / np.abs(a).mean())

    assert feature_shift(grey) < 0.05 < feature_shift(plain)


def test_train_takes_an_input_size_as_height_by_width_and_refuses_nonsense(capsys):
    from skinscan_ui.build import train

    assert train.parse(["--model", "skinscan", "--size", "96x128"]).size == (96, 128)
    assert train.parse(["--model", "efficientnet_lite0"]).size == REGISTRY["efficientnet_lite0"].input_size
    for bad, why in (("big", "HEIGHTxWIDTH"), ("150", "HEIGHTxWIDTH"), ("16x20", "too small")):
        with pytest.raises(SystemExit):
            train.parse(["--model", "skinscan", "--size", bad])
        assert why in capsys.readouterr().err


def test_train_takes_all_or_named_acquisition_shifts(capsys):
    from skinscan_ui.build import train
    from skinscan_ui.build.augment import SHIFTS

    assert train.parse(["--model", "skinscan"]).acquisition == ()
    assert train.parse(["--model", "skinscan", "--acquisition"]).acquisition == SHIFTS
    assert train.parse(["--model", "skinscan", "--acquisition", "blur,gamma"]).acquisition == ("blur", "gamma")
    with pytest.raises(SystemExit):
        train.parse(["--model", "skinscan", "--acquisition", "blur,sepia"])
    assert "magnification" in capsys.readouterr().err, "the error lists the known shifts"


@pytest.mark.parametrize("name", NAMES)
def test_a_mixed_precision_build_trains_weights_the_float32_model_takes(name):
    """A GPU run builds under bf16; its weights must load into the float32 model served here, head in float32."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        mixed = build(name, input_size=(64, 64))
    finally:
        keras.config.set_dtype_policy("float32")
    plain = build(name, input_size=(64, 64))
    assert mixed.layers[3].dtype_policy.name == "mixed_bfloat16", "the network computes in bf16"
    assert mixed.get_layer("predictions").dtype_policy.name == "float32", "the softmax does not"
    assert plain.layers[3].dtype_policy.name == "float32"
    weights = mixed.get_weights()
    plain.set_weights(weights)
    assert [w.shape for w in plain.get_weights()] == [w.shape for w in weights]
