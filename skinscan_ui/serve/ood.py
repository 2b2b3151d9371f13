"""The not-a-lesion guard: two Gaussian distances, on the network's features and on colour/texture.

1. Feature distance: the squared Mahalanobis distance of the penultimate features to the nearest
   class mean (shared covariance, Lee et al. 2018), fitted on the training split.
2. Image distance: the Mahalanobis distance of nine image statistics (channel means and spreads,
   saturation, fine-texture energy) to those of training photos. It catches what a fine-tuned
   network's features map close to lesions: uniform frames, noise, colour wheels, grey photos.

Each threshold lets (1 + keep) / 2 of validation lesions pass, so about `keep` pass both. A photo
failing either is "unlike the training images" and gets no diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

import numpy as np

from skinscan_ui.serve.i18n import Message

UNLIKE = Message("reason.unlike")


def image_statistics(pixels: np.ndarray) -> np.ndarray:
    """(N, 9): RGB means and spreads, mean saturation, log fine-texture (Laplacian) energy."""
    x = np.asarray(pixels, np.float32) / 255.0
    high, low = x.max(-1), x.min(-1)
    saturation = ((high - low) / (high + 1e-3)).mean((1, 2))
    g = x.mean(-1)
    laplacian = np.abs(4 * g[:, 1:-1, 1:-1] - g[:, :-2, 1:-1] - g[:, 2:, 1:-1] - g[:, 1:-1, :-2] - g[:, 1:-1, 2:])
    texture = np.log(laplacian.mean((1, 2)) + 1e-4)
    return np.concatenate([x.mean((1, 2)), x.std((1, 2)), saturation[:, None], texture[:, None]], axis=1)


class Whitened:
    """Squared Mahalanobis distance to the nearest mean as a Euclidean one after whitening.

    With precision = L Lᵀ (Cholesky), d² = ‖xL − μL‖²: one (D, D) product per photo, not one per class.
    """

    def __init__(self, means: np.ndarray, precision: np.ndarray):
        self.factor = np.linalg.cholesky(np.asarray(precision, np.float64)).astype(np.float32)
        self.means = np.asarray(means, np.float32) @ self.factor

    def distance(self, x: np.ndarray) -> np.ndarray:
        z = np.asarray(x, np.float32) @ self.factor
        return ((z[:, None, :] - self.means[None]) ** 2).sum(-1).min(axis=1)


@dataclass(frozen=True)
class Guard:
    """Both detectors' parameters; `threshold` None means no guard is available for this model."""

    means: np.ndarray | None = None  # (K, D) class means of features
    precision: np.ndarray | None = None  # (D, D)
    threshold: float | None = None
    image_mean: np.ndarray | None = None  # (1, 9)
    image_precision: np.ndarray | None = None  # (9, 9)
    image_threshold: float | None = None

    @staticmethod
    def path_for(model_path: Path) -> Path:
        return model_path.with_suffix(".ood.npz")

    @classmethod
    def for_model(cls, model_path: Path) -> Guard:
        """The guard stored beside a model, or an inactive one when there is none."""
        path = cls.path_for(Path(model_path))
        if not path.is_file():
            return cls()
        with np.load(path, allow_pickle=False) as f:
            guard = cls(**{k: (float(f[k]) if f[k].ndim == 0 else f[k]) for k in f.files})
        if guard.active and (guard.means is None or guard.image_mean is None):
            raise ValueError(f"{path.name} lacks the guard's arrays")
        return guard

    def save(self, model_path: Path) -> None:
        arrays = {f.name: np.asarray(getattr(self, f.name), np.float32) for f in fields(self)}
        np.savez_compressed(self.path_for(model_path), **arrays)

    @property
    def active(self) -> bool:
        return self.threshold is not None

    @cached_property
    def _features(self) -> Whitened:
        return Whitened(self.means, self.precision)

    @cached_property
    def _images(self) -> Whitened:
        return Whitened(self.image_mean, self.image_precision)

    def feature_score(self, features: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance to the nearest class mean (higher = stranger)."""
        return self._features.distance(features)

    def image_score(self, pixels: np.ndarray) -> np.ndarray:
        return self._images.distance(image_statistics(pixels))

    def passes(self, features: np.ndarray, pixels: np.ndarray) -> np.ndarray:
        """True where a prepared photo looks like a training lesion to both detectors."""
        if not self.active:
            return np.ones(len(features), bool)
        return (self.feature_score(features) <= self.threshold) & (self.image_score(pixels) <= self.image_threshold)

    def reasons(self, features: np.ndarray, pixels: np.ndarray) -> list[str | None]:
        """Per image: why it is unlike the training images, or None when it passes."""
        return [None if ok else UNLIKE for ok in self.passes(features, pixels)]
