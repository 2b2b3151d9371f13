"""Colour constancy inside the network: shades-of-grey white balance as a Keras layer.

Dermatoscopes differ most in their light: one casts blue, another yellow. Dividing each channel by
its Minkowski p-norm mean (Finlayson & Trezzi 2004, "Shades of gray and colour constancy"; p = 6 is
the usual choice for dermoscopy, Barata et al. 2015) removes a global cast before the backbone sees
the photo. Being a layer, `evaluate`, the LiteRT export and Grad-CAM all see the same balanced input.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="skinscan")
class ShadesOfGrey(keras.layers.Layer):
    """Raw RGB 0-255 in, white-balanced RGB 0-255 out: each channel scaled so its p-norm mean is grey."""

    def __init__(self, power: float = 6.0, **kwargs):
        super().__init__(**kwargs)
        self.power = power

    def call(self, images):
        x = ops.cast(images, "float32")
        scaled = ops.maximum(x / 255.0, 1e-6)
        illuminant = ops.mean(ops.power(scaled, self.power), axis=(1, 2), keepdims=True) ** (1.0 / self.power)
        grey = ops.mean(illuminant, axis=-1, keepdims=True)
        return ops.clip(x * grey / ops.maximum(illuminant, 1e-6), 0.0, 255.0)

    def get_config(self) -> dict:
        return {**super().get_config(), "power": self.power}
