"""Similar known cases: the training lesions nearest to a photo in the network's feature space.

The index is committed beside the model (`weights/<name>.neighbors.npz`): one vector per training
lesion (the mean of its photos' pooled features, projected on 64 principal components and
normalised), the lesion's first image id and its diagnosis. No images; the app shows thumbnails
only when a data folder is there. It records the sha256 of the model it was built with, and is
ignored for any other model.

Built by `python -m skinscan_ui.build.build_neighbors [--model NAME]` (with the other build steps, so this
module, which the classifier queries, imports nothing of the classifier's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skinscan_ui.serve.labels import CLASSES, MALIGNANT_INDICES

K = 5


@dataclass(frozen=True)
class Neighbour:
    image_id: str
    dx: str
    similarity: float  # cosine, in [-1, 1]


@dataclass(frozen=True)
class Index:
    model_sha256: str
    mean: np.ndarray  # (D,)
    components: np.ndarray  # (D, d)
    vectors: np.ndarray  # (lesions, d), unit length
    image_ids: np.ndarray  # (lesions,) str
    labels: np.ndarray  # (lesions,) class index

    @staticmethod
    def path_for(model_path: Path) -> Path:
        return Path(model_path).with_suffix(".neighbors.npz")

    @classmethod
    def for_model(cls, model_path: Path, model_sha256: str | None) -> Index | None:
        """The index stored beside a model, or None when there is none or it was built for another model."""
        path = cls.path_for(model_path)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as f:
            index = cls(**{k: (str(f[k]) if k == "model_sha256" else f[k]) for k in f.files})
        return index if model_sha256 and index.model_sha256 == model_sha256 else None

    def save(self, model_path: Path) -> None:
        np.savez_compressed(
            self.path_for(model_path),
            model_sha256=np.array(self.model_sha256),
            mean=self.mean.astype(np.float32),
            components=self.components.astype(np.float32),
            vectors=self.vectors.astype(np.float16),
            image_ids=self.image_ids.astype(str),
            labels=self.labels.astype(np.int8),
        )

    def project(self, features: np.ndarray) -> np.ndarray:
        return project(features, self.mean, self.components)

    def query(self, features: np.ndarray, k: int = K) -> list[list[Neighbour]]:
        """The k most similar training lesions for each row of pooled features."""
        sims = self.project(features) @ self.vectors.astype(np.float32).T
        top = np.argsort(-sims, axis=1)[:, :k]
        return [
            [Neighbour(str(self.image_ids[j]), CLASSES[int(self.labels[j])], float(s[j])) for j in row]
            for s, row in zip(sims, top, strict=True)
        ]


def project(features: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    z = (np.asarray(features, np.float32) - mean) @ components
    return z / np.maximum(np.linalg.norm(z, axis=-1, keepdims=True), 1e-12)


def malignant_count(neighbours: list[Neighbour]) -> int:
    return sum(CLASSES.index(n.dx) in MALIGNANT_INDICES for n in neighbours)


def majority(neighbours: list[Neighbour]) -> str:
    """The most common diagnosis among the neighbours (ties go to the most similar)."""
    counts: dict[str, int] = {}
    for n in neighbours:
        counts[n.dx] = counts.get(n.dx, 0) + 1
    return max(counts, key=lambda dx: (counts[dx], -[n.dx for n in neighbours].index(dx)))
