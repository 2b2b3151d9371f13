"""What kind of photo this is, and how a phone photo is read.

Every photo is one of `KINDS`: a dermatoscope image, a clinical close-up (a phone or camera photo, no
dermatoscope), or not a skin lesion at all. A multinomial logistic regression on the network's own
pooled features (the ones the guard reads, so it costs nothing more) tells them apart; it was fitted
by `build.fit_photo_type` on HAM10000 and ISIC 2017 (dermoscopy), PAD-UFES-20 (phone close-ups) and
non-lesion images, each augmented with crops, zoom, blur and changes of light.

A clinical close-up is then read by its own head: a logistic regression on the same features fitted
on phone photos, with its own temperature, referral threshold and 90% prediction set, because the
dermoscopy head is badly calibrated on them. The phone photos it learned from hold no dermatofibroma
and no vascular lesion, so it never names those two.

Stored beside the model (`<name>.phototype.npz`) with the sha256 of the network it was fitted on,
and refused for any other network, like the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

KINDS = ("dermoscopy", "clinical", "not_lesion")
DERMOSCOPY, CLINICAL, NOT_LESION = KINDS


@dataclass(frozen=True)
class Linear:
    """softmax(((x - mean) / scale) @ weights + bias), over `classes` columns of the output."""

    mean: np.ndarray  # (D,)
    scale: np.ndarray  # (D,)
    weights: np.ndarray  # (D, K)
    bias: np.ndarray  # (K,)

    def probabilities(self, features: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        z = ((np.asarray(features, np.float32) - self.mean) / self.scale) @ self.weights + self.bias
        z = z / temperature
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_{k}": np.asarray(getattr(self, k), np.float32) for k in ("mean", "scale", "weights", "bias")}

    @classmethod
    def from_arrays(cls, f, prefix: str) -> Linear:
        return cls(*(f[f"{prefix}_{k}"] for k in ("mean", "scale", "weights", "bias")))


@dataclass(frozen=True)
class ClinicalReading:
    """How a clinical close-up is answered: its head, temperature, referral threshold and prediction set."""

    head: Linear  # (D, 7): every class, dermatofibroma and vascular lesion held at zero weight
    temperature: float
    referral_threshold: float
    conformal_q: float

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return self.head.probabilities(features, self.temperature)


@dataclass(frozen=True)
class PhotoTypes:
    """The photo-type detector and the clinical reading of one model."""

    detector: Linear  # (D, 3), columns in KINDS order
    clinical: ClinicalReading
    model_sha256: str

    @staticmethod
    def path_for(model_path: Path) -> Path:
        return Path(model_path).with_suffix(".phototype.npz")

    @classmethod
    def for_model(cls, model_path: Path, model_sha256: str | None) -> PhotoTypes | None:
        """The photo types stored beside a model, None when it has none; a ValueError for another network's."""
        path = cls.path_for(model_path)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as f:
            types = cls(
                Linear.from_arrays(f, "detector"),
                ClinicalReading(
                    Linear.from_arrays(f, "clinical"),
                    float(f["clinical_temperature"]),
                    float(f["clinical_threshold"]),
                    float(f["clinical_q"]),
                ),
                str(f["model_sha256"]),
            )
        if model_sha256 and types.model_sha256 != model_sha256:
            raise ValueError(
                f"{path.name} was fitted on another network than this model's; refit it (build.ship photo-types)"
            )
        return types

    def save(self, model_path: Path) -> None:
        c = self.clinical
        np.savez_compressed(
            self.path_for(model_path),
            **self.detector.arrays("detector"),
            **c.head.arrays("clinical"),
            clinical_temperature=np.float32(c.temperature),
            clinical_threshold=np.float32(c.referral_threshold),
            clinical_q=np.float32(c.conformal_q),
            model_sha256=np.str_(self.model_sha256),
        )

    def kinds(self, features: np.ndarray) -> list[str]:
        """Each photo's kind, from the network's pooled features."""
        return [KINDS[i] for i in self.detector.probabilities(features).argmax(axis=1)]
