"""The not-a-lesion guard: two Gaussian distances, on the network's features and on colour/texture.

1. Feature distance: the squared Mahalanobis distance of the penultimate features to the nearest
   class mean (shared covariance, Lee et al. 2018), fitted on the training split.
2. Image distance: the Mahalanobis distance of eight image statistics (channel means and spreads,
   saturation, fine-texture energy) to those of training photos. It catches what a fine-tuned
   network's features map close to lesions: uniform frames, noise, colour wheels, grey photos.

Each threshold lets (1 + keep) / 2 of validation lesions pass, so about `keep` pass both. A photo
failing either is "unlike the training images" and gets no diagnosis.

Stored beside the model (`<name>.ood.npz`) with the sha256 of the network it was fitted on, and
refused for any other network. The feature distance's whitening factor is stored as the lower
triangle of its Cholesky factor in float16 (a quarter of the full float32 precision matrix);
`build.fit_guard` measures what that rounding moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from skinscan_ui.serve.i18n import Message

UNLIKE = Message("reason.unlike")


def image_statistics(pixels: np.ndarray) -> np.ndarray:
    """(N, 8): RGB means and spreads, mean saturation, log fine-texture (Laplacian) energy."""
    x = np.asarray(pixels, np.float32) / 255.0
    r, g, b = x[..., 0], x[..., 1], x[..., 2]  # channel by channel: NumPy is slow reducing a last axis of 3
    high, low = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
    saturation = ((high - low) / (high + 1e-3)).mean((1, 2))
    grey = (r + g + b) / 3
    laplacian = np.abs(
        4 * grey[:, 1:-1, 1:-1] - grey[:, :-2, 1:-1] - grey[:, 2:, 1:-1] - grey[:, 1:-1, :-2] - grey[:, 1:-1, 2:]
    )
    texture = np.log(laplacian.mean((1, 2)) + 1e-4)
    flat = x.reshape(len(x), -1, 3)
    return np.concatenate([flat.mean(1), flat.std(1), saturation[:, None], texture[:, None]], axis=1)


def whitening(precision: np.ndarray) -> np.ndarray:
    """L, lower triangular, with precision = L Lᵀ (Cholesky)."""
    return np.linalg.cholesky(np.asarray(precision, np.float64)).astype(np.float32)


class Whitened:
    """Squared Mahalanobis distance to the nearest mean as a Euclidean one after whitening.

    With precision = L Lᵀ, d² = ‖xL − μL‖²: one (D, D) product per photo, not one per class.
    """

    def __init__(self, means: np.ndarray, factor: np.ndarray):
        self.factor = np.asarray(factor, np.float32)
        self.means = np.asarray(means, np.float32) @ self.factor

    def distance(self, x: np.ndarray) -> np.ndarray:
        z = np.asarray(x, np.float32) @ self.factor
        return ((z[:, None, :] - self.means[None]) ** 2).sum(-1).min(axis=1)


@dataclass(frozen=True)
class Guard:
    """Both detectors' parameters; `threshold` None means no guard is available for this model."""

    means: np.ndarray | None = None  # (K, D) class means of features
    factor: np.ndarray | None = None  # (D, D) lower triangular: the features' whitening (`whitening`)
    threshold: float | None = None
    image_mean: np.ndarray | None = None  # (1, 8)
    image_factor: np.ndarray | None = None  # (8, 8) lower triangular: the image statistics' whitening
    image_threshold: float | None = None
    model_sha256: str | None = None  # the network it was fitted on

    @staticmethod
    def path_for(model_path: Path) -> Path:
        return model_path.with_suffix(".ood.npz")

    @classmethod
    def for_model(cls, model_path: Path, model_sha256: str | None) -> Guard:
        """The guard stored beside a model, or an inactive one when there is none.

        A guard fitted on another network than `model_sha256` is a ValueError: its distances would
        be measured in a feature space the network no longer has.
        """
        path = cls.path_for(Path(model_path))
        if not path.is_file():
            return cls()
        with np.load(path, allow_pickle=False) as f:
            d = f["factor_tril"].shape[0] if "factor_tril" in f.files else 0
            if "model_sha256" not in f.files or not d:
                raise ValueError(f"{path.name} predates the guard's current format; refit it (build.fit_guard)")
            factor = np.zeros((f["means"].shape[1],) * 2, np.float32)
            factor[np.tril_indices(len(factor))] = f["factor_tril"]
            guard = cls(
                means=f["means"],
                factor=factor,
                threshold=float(f["threshold"]),
                image_mean=f["image_mean"],
                image_factor=f["image_factor"],
                image_threshold=float(f["image_threshold"]),
                model_sha256=str(f["model_sha256"]),
            )
        if model_sha256 and guard.model_sha256 != model_sha256:
            raise ValueError(
                f"{path.name} was fitted on another network (sha256 {guard.model_sha256[:12]}...) than this "
                f"model's ({model_sha256[:12]}...); refit it with build.fit_guard"
            )
        return guard

    def save(self, model_path: Path, model_sha256: str) -> None:
        """Store it beside the model, recording the network it was fitted on."""
        np.savez_compressed(
            self.path_for(model_path),
            means=np.asarray(self.means, np.float32),
            factor_tril=self.factor[np.tril_indices(len(self.factor))].astype(np.float16),
            threshold=np.float32(self.threshold),
            image_mean=np.asarray(self.image_mean, np.float32),
            image_factor=np.asarray(self.image_factor, np.float32),
            image_threshold=np.float32(self.image_threshold),
            model_sha256=np.str_(model_sha256),
        )

    @property
    def active(self) -> bool:
        return self.threshold is not None

    @cached_property
    def _features(self) -> Whitened:
        return Whitened(self.means, self.factor)

    @cached_property
    def _images(self) -> Whitened:
        return Whitened(self.image_mean, self.image_factor)

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
