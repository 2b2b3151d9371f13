"""The not-a-lesion guard: a Mahalanobis distance on the network's penultimate features.

Fitted on the training split (class means, one shared covariance, Lee et al. 2018), with the
threshold set so that a chosen share of validation lesions pass. A photo whose features lie
farther from every class than that is "unlike the training images" and gets no diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

UNLIKE = (
    "This photo does not look like the dermatoscopic lesion photos the model was trained on, "
    "so no diagnosis is given. Upload a dermatoscope photo with the lesion centred and in focus."
)


@dataclass(frozen=True)
class Guard:
    """Class means and shared precision matrix; `threshold` None means no guard is available."""

    means: np.ndarray | None = None  # (K, D)
    precision: np.ndarray | None = None  # (D, D)
    threshold: float | None = None

    @staticmethod
    def path_for(model_path: Path) -> Path:
        return model_path.with_suffix(".ood.npz")

    @classmethod
    def for_model(cls, model_path: Path) -> Guard:
        """The guard stored beside a model, or an inactive one when there is none."""
        path = cls.path_for(Path(model_path))
        if not path.is_file():
            return cls()
        with np.load(path) as f:
            return cls(f["means"], f["precision"], float(f["threshold"]))

    def save(self, model_path: Path) -> None:
        np.savez_compressed(
            self.path_for(model_path),
            means=self.means.astype(np.float32),
            precision=self.precision.astype(np.float32),
            threshold=self.threshold,
        )

    @property
    def active(self) -> bool:
        return self.threshold is not None

    def score(self, features: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance to the nearest class mean (higher = stranger)."""
        diff = features[:, None, :] - self.means[None, :, :]  # (N, K, D)
        d = np.einsum("nkd,de,nke->nk", diff, self.precision, diff)
        return d.min(axis=1)

    def reasons(self, features: np.ndarray, probs: np.ndarray) -> list[str | None]:
        """Per image: why it is unlike the training images, or None when it passes."""
        if not self.active:
            return [None] * len(features)
        return [UNLIKE if s > self.threshold else None for s in self.score(features)]


def fit(
    features: np.ndarray, y: np.ndarray, val_features: np.ndarray, keep: float = 0.975, shrinkage: float = 0.05
) -> Guard:
    """Means and shrunk shared covariance from training features; threshold from validation."""
    classes = np.unique(y)
    means = np.stack([features[y == c].mean(axis=0) for c in classes])
    centred = features - means[np.searchsorted(classes, y)]
    cov = centred.T @ centred / len(features)
    cov = (1 - shrinkage) * cov + shrinkage * np.trace(cov) / cov.shape[0] * np.eye(cov.shape[0])
    guard = Guard(means, np.linalg.inv(cov), None)
    threshold = float(np.quantile(guard.score(val_features), keep))
    return Guard(means, guard.precision, threshold)
