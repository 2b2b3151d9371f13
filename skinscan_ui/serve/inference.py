"""From a prepared image to calibrated probabilities, the top-3 and an outcome."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skinscan_ui.serve.calibration import malignant_probability
from skinscan_ui.serve.i18n import Message, Percent, text, versus
from skinscan_ui.serve.labels import CLASSES, MALIGNANT_INDICES, NAMES
from skinscan_ui.serve.ood import UNLIKE
from skinscan_ui.serve.photo_type import NOT_LESION

LOW_CONFIDENCE = 0.45  # below this top-1 probability the model is guessing; each card records its own

NOT_A_LESION = Message("reason.not_lesion")
OUTCOME_TEXT = {o: text(f"outcome.{o}") for o in ("refer", "benign", "uncertain")}  # English; i18n has Spanish


@dataclass(frozen=True)
class Prediction:
    """One photo's result: calibrated probabilities and what they mean."""

    probabilities: np.ndarray  # (7,), in CLASSES order, calibrated
    malignant_probability: float
    outcome: str  # refer | benign | uncertain
    reason: str  # an i18n.Message: English, and sayable in Spanish
    threshold: float = 0.5  # the referral threshold it was compared with (its photo type's)
    conformal_q: float | None = None  # its photo type's 90% prediction set, where the model has one
    photo_type: str | None = None  # serve.photo_type.KINDS, or None for a model without a photo-type detector
    unlike_training: bool = False  # a lesion photo unlike the training photos (the guard), still answered
    moved_from: float | None = None  # the photo alone's malignant probability, when the patient's answers moved it
    retake: str | None = None  # 'blurred', 'dark' or 'small': the photo cannot be read, take it again

    @property
    def top3(self) -> list[tuple[str, str, float]]:
        order = np.argsort(-self.probabilities)[:3]
        return [(CLASSES[i], NAMES[CLASSES[i]], float(self.probabilities[i])) for i in order]

    @property
    def diagnosed(self) -> bool:
        """False for a photo that is not a skin lesion or cannot be read: then no class may be shown as an answer."""
        return self.photo_type != NOT_LESION and self.reason != UNLIKE and self.retake is None

    @property
    def top1(self) -> str:
        return CLASSES[int(np.argmax(self.probabilities))]

    def as_dict(self) -> dict:
        return {
            "top3": [{"dx": dx, "name": name, "probability": round(p, 6)} for dx, name, p in self.top3],
            "malignant_probability": round(self.malignant_probability, 6),
            "outcome": self.outcome,
            "photo_type": self.photo_type,
            "unlike_training": self.unlike_training,
        }


def decide(
    probs: np.ndarray,
    threshold: float,
    unlike_training: str | None = None,
    low_confidence: float = LOW_CONFIDENCE,
    photo_type: str | None = None,
    conformal_q: float | None = None,
    retake: str | None = None,
) -> Prediction:
    """The outcome rules, in order of safety: the one place a badge is decided.

    A photo that is not a skin lesion gets no diagnosis, nor does one too blurred, too dark or with too
    small a lesion to read (`retake`: it is to be taken again) unless it reaches the referral threshold
    anyway. A malignant roll-up at or above the threshold is referred, even when the top-1 class is
    benign and even when the lesion photo is unlike the training photos (`unlike_training`, said beside
    the badge). An unlike photo under the threshold, or a spread-out answer, is uncertain; only then is a
    lesion called likely benign.

    Without a photo type (a model that has no detector), the guard alone stands for "not a lesion":
    an unlike photo then gets no diagnosis, as before photo types existed.
    """
    mal = float(malignant_probability(probs))
    top = float(probs.max())
    said_mal, said_threshold = versus(mal, threshold)
    unlike = bool(unlike_training)
    if photo_type == NOT_LESION:
        outcome, reason = "uncertain", NOT_A_LESION
    elif retake and mal < threshold:
        outcome, reason = "uncertain", Message(f"reason.retake_{retake}")
    elif retake:  # a referral is never withheld for a poor photo
        outcome, reason = "refer", Message("reason.refer_retake", mal=said_mal, threshold=said_threshold)
    elif unlike and photo_type is None:
        outcome, reason = "uncertain", unlike_training
    elif mal >= threshold:
        outcome, reason = "refer", Message("reason.refer", mal=said_mal, threshold=said_threshold)
    elif unlike:
        outcome, reason = "uncertain", Message("reason.unlike_lesion", mal=said_mal, threshold=said_threshold)
    elif top < low_confidence:
        outcome, reason = "uncertain", Message("reason.spread", top=Percent(top))
    else:
        outcome, reason = "benign", Message("reason.benign", mal=said_mal, threshold=said_threshold)
    unlike_said = unlike and photo_type is not None
    retake = retake if photo_type != NOT_LESION and outcome != "refer" else None
    return Prediction(probs, mal, outcome, reason, threshold, conformal_q, photo_type, unlike_said, None, retake)


def against_truth(p: Prediction, true_label: str) -> str:
    """How an answer stands against a known diagnosis (the Examples tab), judged by what it tells a clinician to do.

    'referred': a malignant lesion referred, whatever the top-1 guess (the right action); 'missed': a
    malignant lesion not referred, or a benign one whose top-1 is another class; 'match': the top-1 is
    the diagnosis; 'no_answer': the guard gave no diagnosis.
    """
    if not p.diagnosed:
        return "no_answer"
    malignant = CLASSES.index(true_label) in MALIGNANT_INDICES
    if malignant and p.outcome == "refer":
        return "referred"
    if (malignant and p.outcome != "refer") or p.top1 != true_label:
        return "missed"
    return "match"


def calibrated(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T): the model's probabilities, temperature-scaled as its card says."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
