"""Augmentations for what changes between dermatoscopes, as Keras layers active only in training.

Light (a colour cast, white balance, gamma), optics (blur, a dark circular vignette) and framing
(magnification from 0.5x to 2x, the aspect a photo was squeezed to) differ between clinics far
more than lesions do; JPEG re-compression, which Keras layers cannot do, is `training.Batches`'s
`jpeg` option. Backend-neutral Keras 3: every op is `keras.ops`, every draw from a SeedGenerator.
"""

from __future__ import annotations

import keras
from keras import layers, ops


class _Random(layers.Layer):
    """A layer that changes its input only while training, with its own seeded generator."""

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def _uniform(self, images, low: float, high: float, channels: int = 1):
        shape = (ops.shape(images)[0], 1, 1, channels)
        return keras.random.uniform(shape, low, high, seed=self.generator)

    def call(self, images, training=None):
        return self.transform(images) if training else images

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="skinscan")
class RandomColourCast(_Random):
    """Each channel scaled by its own gain in [1 - cast, 1 + cast]: another lamp's white balance."""

    def __init__(self, cast: float = 0.15, **kwargs):
        super().__init__(**kwargs)
        self.cast = cast

    def transform(self, images):
        return ops.clip(images * self._uniform(images, 1 - self.cast, 1 + self.cast, 3), 0.0, 255.0)

    def get_config(self) -> dict:
        return {**super().get_config(), "cast": self.cast}


@keras.saving.register_keras_serializable(package="skinscan")
class RandomGamma(_Random):
    """255 * (x / 255) ** gamma, gamma in [low, high]: another sensor's tone curve."""

    def __init__(self, low: float = 0.7, high: float = 1.4, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def transform(self, images):
        gamma = self._uniform(images, self.low, self.high)
        return 255.0 * ops.power(ops.clip(images / 255.0, 1e-6, 1.0), gamma)

    def get_config(self) -> dict:
        return {**super().get_config(), "low": self.low, "high": self.high}


@keras.saving.register_keras_serializable(package="skinscan")
class RandomVignette(_Random):
    """A dark circular frame, as contact dermatoscopes draw: pixels beyond a random radius fade to black."""

    def __init__(self, probability: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        self.probability = probability

    def transform(self, images):
        h, w = ops.shape(images)[1], ops.shape(images)[2]
        yy = ops.reshape(ops.linspace(-1.0, 1.0, h), (1, -1, 1, 1))
        xx = ops.reshape(ops.linspace(-1.0, 1.0, w), (1, 1, -1, 1))
        radius = ops.sqrt(yy**2 + xx**2)  # 1 at the middle of each edge, about 1.41 in the corners
        edge = self._uniform(images, 0.85, 1.3)
        fade = ops.clip((edge + 0.15 - radius) / 0.15, 0.0, 1.0)
        on = ops.cast(self._uniform(images, 0.0, 1.0) < self.probability, images.dtype)
        return images * (1.0 - on + on * fade)

    def get_config(self) -> dict:
        return {**super().get_config(), "probability": self.probability}


@keras.saving.register_keras_serializable(package="skinscan")
class RandomBlur(_Random):
    """A 5x5 Gaussian blur blended in by a random share: a lens slightly out of focus."""

    def __init__(self, max_share: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.max_share = max_share

    def transform(self, images):
        taps = ops.convert_to_tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
        kernel = ops.reshape(taps, (5, 1)) * ops.reshape(taps, (1, 5))
        kernel = ops.tile(ops.reshape(kernel, (5, 5, 1, 1)), (1, 1, 3, 1))
        blurred = ops.depthwise_conv(images, kernel, strides=1, padding="same")
        share = self._uniform(images, 0.0, self.max_share)
        return (1.0 - share) * images + share * blurred

    def get_config(self) -> dict:
        return {**super().get_config(), "max_share": self.max_share}


DESCRIPTIONS = {  # each shift by name, in the order a camera applies them: framing, optics, light
    "magnification": "magnification 0.5-2x",
    "aspect": "aspect +-15%",
    "blur": "5x5 blur blended 0-100%",
    "vignette": "dark circular vignette (half the photos)",
    "colour-cast": "per-channel colour cast +-15%",
    "gamma": "gamma 0.7-1.4",
}
SHIFTS = tuple(DESCRIPTIONS)


def check(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names, if each is one of SHIFTS; else a ValueError that lists the known ones."""
    unknown = sorted(set(names) - set(SHIFTS))
    if unknown:
        raise ValueError(f"unknown acquisition shift {', '.join(unknown)}; known: {', '.join(SHIFTS)}")
    return names


def acquisition(seed: int, names: tuple[str, ...] = SHIFTS) -> list[layers.Layer]:
    """The named acquisition-shift layers (all by default), in camera order whatever order they are named in."""
    make = {
        # 2x in to 0.5x out, a dark field beyond
        "magnification": lambda: layers.RandomZoom((-0.5, 1.0), (-0.5, 1.0), fill_mode="constant", seed=seed + 10),
        "aspect": lambda: layers.RandomZoom((-0.15, 0.15), 0.0, fill_mode="reflect", seed=seed + 11),
        "blur": lambda: RandomBlur(seed=seed + 12),
        "vignette": lambda: RandomVignette(seed=seed + 13),
        "colour-cast": lambda: RandomColourCast(seed=seed + 14),
        "gamma": lambda: RandomGamma(seed=seed + 15),
    }
    return [make[name]() for name in SHIFTS if name in check(names)]
