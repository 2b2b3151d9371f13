"""The model registry: name -> builder of a flat functional Keras model taking raw RGB 0-255.

Flat (no nested backbone) because tf-keras-vis Grad-CAM needs to reach the last convolution;
normalisation inside so every caller feeds the same uint8 pixels. Backend-neutral Keras 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers

from skinscan_ui.build.colour import ShadesOfGrey
from skinscan_ui.serve import paths
from skinscan_ui.serve.labels import CLASSES


@dataclass(frozen=True)
class Spec:
    """How to build one registered model and what it expects."""

    build: Callable[..., keras.Model]
    input_size: tuple[int, int]  # (height, width)
    last_conv: str  # the layer Grad-CAM reads
    lr: float


def _conv_bn(x, filters: int, kernel: int, stride: int = 1, name: str = "", act: bool = True, separable: bool = False):
    conv = layers.SeparableConv2D if separable else layers.Conv2D
    x = conv(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if act else x


def _bottleneck(x, filters: int, stride: int, name: str):
    """ResNet bottleneck 1x1-3x3-1x1 expanding 2x, with a projection shortcut."""
    shortcut = _conv_bn(x, filters * 2, 1, stride, f"{name}_proj", act=False)
    y = _conv_bn(x, filters, 1, 1, f"{name}_a")
    y = _conv_bn(y, filters, 3, stride, f"{name}_b")
    y = _conv_bn(y, filters * 2, 1, 1, f"{name}_c", act=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


def build_skinscan(
    input_size: tuple[int, int] = (120, 160), num_classes: int = len(CLASSES), dropout: float = 0.3
) -> keras.Model:
    """The SkinScan network exactly as DEVELOPERS.md describes it, from scratch."""
    inputs = keras.Input((*input_size, 3), name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="normalise")(inputs)
    x = _conv_bn(x, 32, 3, 2, "stem1")
    x = _conv_bn(x, 64, 3, 1, "stem2")
    x = _conv_bn(x, 128, 3, 1, "stem3", separable=True)
    x = _bottleneck(x, 64, 2, "block1")
    x = _bottleneck(x, 128, 2, "block2")
    x = _bottleneck(x, 256, 1, "block3")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="skinscan")


def _float32() -> bool:
    return keras.config.dtype_policy().name == "float32"


def _with_policy(layer: layers.Layer) -> layers.Layer:
    """A fresh copy of `layer` under the global dtype policy."""
    return layer.__class__.from_config({**layer.get_config(), "dtype": keras.config.dtype_policy().name})


def _transfer(
    filename: str,
    name: str,
    input_size: tuple[int, int],
    backbone_dir: Path | None,
    num_classes: int,
    dropout: float,
    colour_constancy: bool,
) -> keras.Model:
    path = paths.imagenet_dir(str(backbone_dir) if backbone_dir else None) / filename
    if not path.is_file():
        raise FileNotFoundError(f"pretrained backbone {path} is missing (set --imagenet or SKINSCAN_IMAGENET)")
    base = keras.models.load_model(path, compile=False)
    first = base.layers[1].name  # the backbone's first layer after its input

    def call(layer, *args, **kwargs):
        """White-balance the photo just before the backbone's first layer, inside the same flat graph."""
        if colour_constancy and layer.name == first:
            args = (ShadesOfGrey(name="shades_of_grey")(args[0]), *args[1:])
        return layer(*args, **kwargs)

    # A clone on a fixed-size input, so the graph stays flat and every layer has one node; under a
    # mixed-precision policy (a GPU run) each layer takes that policy instead of the file's float32.
    inputs = keras.Input((*input_size, 3), name="image")
    backbone = keras.models.clone_model(
        base, input_tensors=inputs, call_function=call, clone_function=None if _float32() else _with_policy
    )
    backbone.set_weights(base.get_weights())
    x = backbone.output
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def transfer(backbone: str) -> Callable[..., keras.Model]:
    """A builder of `<backbone>` (ImageNet, from `<backbone>_imagenet_notop.keras`) with a 7-class head.

    150x200 is HAM10000's own resolution, so the default input upsamples nothing.
    """

    def builder(
        input_size: tuple[int, int] = (150, 200),
        backbone_dir: Path | None = None,
        num_classes: int = len(CLASSES),
        dropout: float = 0.3,
        colour_constancy: bool = False,
    ) -> keras.Model:
        return _transfer(
            f"{backbone}_imagenet_notop.keras",
            backbone,
            input_size,
            backbone_dir,
            num_classes,
            dropout,
            colour_constancy,
        )

    return builder


REGISTRY: dict[str, Spec] = {
    "skinscan": Spec(build_skinscan, (120, 160), "block3_out", 2e-3),
    "efficientnet_lite0": Spec(transfer("efficientnet_lite0"), (150, 200), "top_activation", 5e-4),
    "efficientnet_lite2": Spec(transfer("efficientnet_lite2"), (150, 200), "top_activation", 4e-4),
}


def build(name: str, **kwargs) -> keras.Model:
    """A registered model by name; a clear error listing the names for an unknown one."""
    if name not in REGISTRY:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(REGISTRY)}")
    spec = REGISTRY[name]
    return spec.build(input_size=kwargs.pop("input_size", spec.input_size), **kwargs)


def serving_model(model: keras.Model, last_conv: str) -> keras.Model:
    """The trained network re-wired to return logits, pooled features and per-class maps in one pass.

    Every shipped model ends in global average pooling and one Dense layer, so the gradient of a
    class logit with respect to the last convolution's output is that class's Dense weights, the same
    at every position: Grad-CAM's channel weights are the head's weights (Zhou et al.'s CAM). A 1x1
    projection of the last convolution onto those weights therefore gives every class's Grad-CAM
    from the forward pass alone, and the model can run where there is no autodiff (LiteRT).
    """
    names = [layer.name for layer in model.layers]
    head, between = model.layers[-1], model.layers[names.index(last_conv) + 1 : -1]
    kinds = [type(layer) for layer in between]
    if (
        not isinstance(head, layers.Dense)
        or kinds.count(layers.GlobalAveragePooling2D) != 1
        or not set(kinds)
        <= {
            layers.GlobalAveragePooling2D,
            layers.Dropout,
        }
    ):
        raise ValueError(f"model {model.name} must end in {last_conv}, global average pooling and one Dense layer")
    conv = model.get_layer(last_conv).output
    features = head.input
    logits = layers.Dense(head.units, name="logits")(features)
    maps = layers.Dense(head.units, use_bias=False, name="maps")(conv)
    # Grad-CAM++'s channel weights for such a head have a closed form (explain.py): the positive part
    # of the Dense weights; and Score-CAM masks the photo with the last convolution's own channels.
    maps_pp = layers.Dense(head.units, use_bias=False, name="maps_pp")(conv)
    outputs = {"logits": logits, "features": features, "maps": maps, "maps_pp": maps_pp, "activations": conv}
    serving = keras.Model(model.inputs, outputs, name=f"{model.name}_serving")
    kernel, bias = head.get_weights()
    serving.get_layer("logits").set_weights([kernel, bias])
    serving.get_layer("maps").set_weights([kernel])
    serving.get_layer("maps_pp").set_weights([np.maximum(kernel, 0.0)])
    return serving
