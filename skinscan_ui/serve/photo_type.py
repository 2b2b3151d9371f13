"""What kind of photo this is, and how a phone photo is read.

Every photo is one of `KINDS`: a dermatoscope image, a clinical close-up (a phone or camera photo, no
dermatoscope), or not a skin lesion at all. A multinomial logistic regression on the network's own
pooled features (the ones the guard reads, so it costs nothing more) tells them apart; it was fitted
by `build.fit_photo_type` on HAM10000 and ISIC 2017 (dermoscopy), PAD-UFES-20 (phone close-ups) and
non-lesion images, each augmented with crops, zoom, blur and changes of light, and the lesions' copies
with skin-marker ink, so that a lesion circled before a biopsy is neither "not a lesion" nor a phone.
Where validation chose it (`net_weight` > 0), a small network fine-tuned on the whole photo to tell
the two cameras apart (`build.photo_type_net`, `<name>.phototype.tflite`) adds its logit, so weighed,
to the detector's clinical-against-dermoscopy log-odds; "not a lesion" stays the detector's alone.

A clinical close-up is then read by its own head: a logistic regression fitted on phone photos, with
its own temperature, referral threshold and 90% prediction set, because the dermoscopy head is badly
calibrated on them. It reads the same features as the detector, or, for an ensemble where validation
chose it (`reads`), every member's pooled features side by side. The phone photos it learned from
hold no dermatofibroma and no vascular lesion, so it never names those two.

A phone photo comes with what the patient says. Where it lowered validation log loss (the card
says by how much), a second clinical reading also takes six yes/no answers (`QUESTIONS`: did it
itch, grow, hurt, change, bleed; is it raised), any of them left unanswered; it is used only when
at least one is answered, so a photo without answers is read exactly as before.

Stored beside the model (`<name>.phototype.npz`) with the sha256 of the network it was fitted on,
and refused for any other network, like the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

KINDS = ("dermoscopy", "clinical", "not_lesion")
DERMOSCOPY, CLINICAL, NOT_LESION = KINDS
READS = ("first", "members")  # what the clinical reading reads: the detector's features, or every member's
FIRST, MEMBERS = READS
QUESTIONS = ("itch", "grew", "hurt", "changed", "bleed", "elevation")  # PAD-UFES-20's own history fields


def history_vector(answers: dict[str, bool | None] | None) -> np.ndarray:
    """(12,): a yes flag and a no flag per question; an unanswered question raises neither."""
    answers = answers or {}
    return np.array([flag for q in QUESTIONS for flag in (answers.get(q) is True, answers.get(q) is False)], np.float32)


def answered(answers: dict[str, bool | None] | None) -> bool:
    return any(answers.get(q) is not None for q in QUESTIONS) if answers else False


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
    history: ClinicalReading | None = None  # reads [its features, history_vector(answers)]
    reads: str = FIRST  # the clinical readings' features: one of READS
    net_weight: float = 0.0  # how much the photo-type network's logit counts; 0: it is not used
    net: CameraNet | None = None  # run on the photo at the model's input size

    def __post_init__(self):
        if self.reads not in READS:
            raise ValueError(f"the clinical reading reads {self.reads!r}, not one of {READS}")
        if (self.net_weight > 0) != (self.net is not None):
            raise ValueError("a photo-type network weighs in exactly when there is one")

    @staticmethod
    def path_for(model_path: Path) -> Path:
        return Path(model_path).with_suffix(".phototype.npz")

    @staticmethod
    def net_path_for(model_path: Path) -> Path:
        return Path(model_path).with_suffix(".phototype.tflite")

    @classmethod
    def for_model(cls, model_path: Path, model_sha256: str | None) -> PhotoTypes | None:
        """The photo types stored beside a model, None when it has none; a ValueError for another network's."""
        path = cls.path_for(model_path)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as f:
            weight = float(f["net_weight"])
            types = cls(
                Linear.from_arrays(f, "detector"),
                _reading(f, "clinical"),
                str(f["model_sha256"]),
                _reading(f, "history") if "history_mean" in f.files else None,
                str(f["clinical_reads"]),
                weight,
                CameraNet(cls.net_path_for(model_path)) if weight > 0 else None,
            )
        if model_sha256 and types.model_sha256 != model_sha256:
            raise ValueError(
                f"{path.name} was fitted on another network than this model's; refit it (build.ship photo-types)"
            )
        return types

    def save(self, model_path: Path) -> None:
        history = _arrays(self.history, "history") if self.history else {}
        np.savez_compressed(
            self.path_for(model_path),
            **self.detector.arrays("detector"),
            **_arrays(self.clinical, "clinical"),
            **history,
            model_sha256=np.str_(self.model_sha256),
            clinical_reads=np.str_(self.reads),
            net_weight=np.float32(self.net_weight),
        )

    def kinds(self, features: np.ndarray, pixels: np.ndarray) -> list[str]:
        """Each photo's kind, from the network's pooled features and, where there is one, the photo-type network."""
        net = self.net.logits(pixels) if self.net is not None else None
        return kinds(self.detector.probabilities(features), net, self.net_weight)


def kinds(detected: np.ndarray, net_logits: np.ndarray | None, weight: float) -> list[str]:
    """The detector's kinds (its probabilities in KINDS order), dermoscopy or clinical moved by the network's logit."""
    chosen = detected.argmax(axis=1)
    if net_logits is not None and weight > 0:
        d, c = detected[:, KINDS.index(DERMOSCOPY)], detected[:, KINDS.index(CLINICAL)]
        odds = np.log(np.maximum(c, 1e-12)) - np.log(np.maximum(d, 1e-12)) + weight * np.asarray(net_logits)
        lesion = chosen != KINDS.index(NOT_LESION)
        chosen = np.where(lesion, np.where(odds > 0, KINDS.index(CLINICAL), KINDS.index(DERMOSCOPY)), chosen)
    return [KINDS[i] for i in chosen]


class CameraNet:
    """The photo-type network's LiteRT export: uint8-range photos in, clinical-against-dermoscopy logits out."""

    def __init__(self, path: Path):
        import threading

        from ai_edge_litert.interpreter import Interpreter

        if not Path(path).is_file():
            raise FileNotFoundError(f"{Path(path).name} is missing: the photo types name a network that is not there")
        self.runner = Interpreter(model_path=str(path), num_threads=1).get_signature_runner()
        self.input_name = next(iter(self.runner.get_input_details()))
        self._lock = threading.Lock()  # the interpreter is not thread-safe

    def logits(self, pixels: np.ndarray) -> np.ndarray:
        with self._lock:
            out = self.runner(**{self.input_name: np.asarray(pixels, np.float32)})
        return np.asarray(next(iter(out.values())), np.float32).reshape(-1)


def _arrays(reading: ClinicalReading, prefix: str) -> dict[str, np.ndarray]:
    return reading.head.arrays(prefix) | {
        f"{prefix}_temperature": np.float32(reading.temperature),
        f"{prefix}_threshold": np.float32(reading.referral_threshold),
        f"{prefix}_q": np.float32(reading.conformal_q),
    }


def _reading(f, prefix: str) -> ClinicalReading:
    return ClinicalReading(
        Linear.from_arrays(f, prefix),
        float(f[f"{prefix}_temperature"]),
        float(f[f"{prefix}_threshold"]),
        float(f[f"{prefix}_q"]),
    )
