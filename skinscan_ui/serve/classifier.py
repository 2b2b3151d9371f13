"""A loaded model ready to answer: prepare, classify, explain. Shared safely between sessions.

Built once per model (the app caches it) and warmed up at load. One forward pass of the serving
graph gives the probabilities, the guard's features and every class's Grad-CAM, so a request
costs about one network pass and switching the heatmap's class costs nothing.
"""

from __future__ import annotations

import dataclasses
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from skinscan_ui.serve import model_store
from skinscan_ui.serve.engine import Engine, LiteEngine, Outputs, concatenate, one_blas_thread
from skinscan_ui.serve.ensemble import FLIPS, EnsembleEngine
from skinscan_ui.serve.explain import class_map, score_cam
from skinscan_ui.serve.images import prepare
from skinscan_ui.serve.inference import Prediction, calibrated, decide
from skinscan_ui.serve.labels import CLASSES
from skinscan_ui.serve.model_store import Card, ModelError
from skinscan_ui.serve.neighbors import Index, Neighbour
from skinscan_ui.serve.ood import Guard
from skinscan_ui.serve.photo_type import CLINICAL, DERMOSCOPY, MEMBERS, PhotoTypes, answered, history_vector
from skinscan_ui.serve.quality import Quality


@dataclass(frozen=True)
class Result:
    """Everything shown for one photo: the model's view of it, the answer and its heatmaps."""

    pixels: np.ndarray  # (H, W, 3) uint8, what the network saw
    prediction: Prediction
    maps: np.ndarray  # (h, w, classes) per-class Grad-CAM before upsampling
    similar: tuple[Neighbour, ...] = ()  # nearest training lesions, most similar first
    maps_pp: np.ndarray | None = None  # (h, w, classes) per-class Grad-CAM++
    activations: np.ndarray | None = None  # (h, w, C) the last convolution, for Score-CAM
    features: np.ndarray | None = None  # the phone reading's features: the patient's answers are read beside them

    @property
    def heatmap(self) -> np.ndarray:
        """Grad-CAM of the top-1 class, (H, W) in [0, 1]."""
        return self.heatmap_for(CLASSES.index(self.prediction.top1))

    def heatmap_for(self, class_index: int, method: str = "gradcam") -> np.ndarray:
        """Grad-CAM (or Grad-CAM++) of any class (e.g. the second or third of the top-3), (H, W) in [0, 1]."""
        maps = self.maps_pp if method == "gradcam++" else self.maps
        return class_map(maps, class_index, self.pixels.shape[:2])


class Classifier:
    """One model with its card, the engine that runs it, its not-a-lesion guard and its photo types."""

    def __init__(self, engine: Engine, card: Card):
        self.engine, self.card = engine, card
        self.size = card.input_size
        try:
            self.guard = Guard.for_model(card.path, card.sha256)
            self.index = Index.for_model(card.path, card.sha256)
            # only the photo types the card names (and so the integrity manifest checks) are read
            self.types = PhotoTypes.for_model(card.path, card.sha256) if card.phone is not None else None
            self.quality = Quality(*card.retake_floors) if card.retake_floors else None
        except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ModelError(
                f"the guard, similar-case index or photo types of {card.name} cannot be read ({exc})"
            ) from None
        if self.types and self.types.reads == MEMBERS and not isinstance(engine, EnsembleEngine):
            raise ModelError(f"the phone reading of {card.name} reads ensemble members' features, and it has none")

    @classmethod
    def load(cls, name_or_path: str | None = None, weights_dir: Path | None = None) -> Classifier:
        """A shipped model through its checked LiteRT export(s); one without an export is refused."""
        card = model_store.find(name_or_path, weights_dir)
        model_store.check_integrity(card)
        if card.members:
            engines: list[Engine] = [LiteEngine(lite) for lite in model_store.member_files(card)]
            sizes = [tuple(m.get("input_size", card.input_size)) for m in card.members]
            return cls(EnsembleEngine(engines, card.views or FLIPS, sizes), card)
        lite = model_store.litert_file(card)
        if lite is None:
            raise ModelError(
                f"{card.name} has no LiteRT export, and the app serves only exports: export it "
                "(python -m skinscan_ui.build.export), or run its checkpoint through the build side's Keras engine"
            )
        return cls(LiteEngine(lite), card)

    def warm_up(self) -> None:
        """Run one blank image now, so the first real photo is answered at full speed."""
        self.engine.run(np.zeros((1, *self.size, 3), np.uint8))

    def run(self, images: np.ndarray, batch_size: int = 64) -> Outputs:
        """The engine's outputs for many prepared uint8 images, in batches (without the explanation outputs)."""
        with one_blas_thread():
            parts = [self.engine.run(np.asarray(images[i : i + batch_size])) for i in range(0, len(images), batch_size)]
        return concatenate(parts)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Pooled penultimate features of prepared uint8 images (the guard and similar cases use them)."""
        return self.run(images).features

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of prepared uint8 images, from the photo alone and without the guard."""
        return calibrated(self.run(images).logits, self.card.temperature)

    def prepared(self, images: list[Image.Image]) -> dict[tuple[int, int], np.ndarray]:
        """The photos as the model sees them: at its input size, and at each ensemble member's own size."""
        sizes = {tuple(self.size), *(getattr(self.engine, "sizes", None) or [])}
        return {size: np.stack([prepare(im, size) for im in images]) for size in sizes}

    def _predict(
        self, photos: dict[tuple[int, int], np.ndarray], detail: bool = False
    ) -> tuple[list[Prediction], Outputs, np.ndarray]:
        if not self.guard.active:  # never answer a person with the not-a-lesion guard off
            raise ModelError(f"{self.card.name} has no not-a-lesion guard ({Guard.path_for(self.card.path).name})")
        pixels = photos[tuple(self.size)]
        with one_blas_thread():
            out = self.engine.run(photos if isinstance(self.engine, EnsembleEngine) else pixels, detail)
            decided = self._decide(out, pixels)
        return decided, out, pixels

    def _clinical_features(self, out: Outputs) -> np.ndarray:
        """What the phone reading reads: the detector's features, or every member's side by side."""
        return out.joined if self.types and self.types.reads == MEMBERS else out.features

    def _decide(self, out: Outputs, pixels: np.ndarray) -> list[Prediction]:
        """Each photo's answer, read as its photo type says: a phone close-up by the clinical reading."""
        card = self.card
        probs = calibrated(out.logits, card.temperature)
        unlike = self.guard.reasons(out.features, pixels)
        q = card.conformal_q
        if self.types is None:
            return [
                decide(p, card.referral_threshold, u, card.low_confidence, None, q)
                for p, u in zip(probs, unlike, strict=True)
            ]
        kinds = self.types.kinds(out.features, pixels)
        retake = self.quality.problems(pixels) if self.quality else [None] * len(kinds)
        clinical = self.types.clinical
        phone = clinical.probabilities(self._clinical_features(out))
        decided = []
        for i, kind in enumerate(kinds):
            if kind == CLINICAL:  # the guard measures distance to dermoscopy photos: not what a phone photo is
                thr, conf = clinical.referral_threshold, clinical.conformal_q
                decided.append(decide(phone[i], thr, None, card.low_confidence, kind, conf, retake[i]))
            else:
                u = unlike[i] if kind == DERMOSCOPY else None
                decided.append(decide(probs[i], card.referral_threshold, u, card.low_confidence, kind, q, retake[i]))
        return decided

    def classify(self, images: list[Image.Image], batch_size: int = 32) -> list[Prediction]:
        """Predictions for many photos, batched through the forward pass."""
        out: list[Prediction] = []
        for start in range(0, len(images), batch_size):
            out.extend(self._predict(self.prepared(images[start : start + batch_size]))[0])
        return out

    def analyse(self, image: Image.Image) -> Result:
        """Prediction, every class's Grad-CAM and the similar cases of one photo, from a single forward pass."""
        predictions, out, pixels = self._predict(self.prepared([image]), detail=True)
        # A photo unlike every training lesion has nearest lesions only in a technical sense: show none.
        known = self.index is not None and predictions[0].diagnosed
        similar = tuple(self.index.query(out.features)[0]) if known else ()
        reads = self._clinical_features(out)[0]
        return Result(pixels[0], predictions[0], out.maps[0], similar, out.maps_pp[0], out.activations[0], reads)

    def with_answers(self, result: Result, answers: dict[str, bool | None] | None) -> Result:
        """A phone close-up's result read again with what the patient says, where the model has that reading.

        Unchanged for any other photo, for a model without it, and when no question is answered.
        """
        p, reading = result.prediction, self.types.history if self.types else None
        if not p.diagnosed or p.photo_type != CLINICAL or reading is None or not answered(answers):
            return result
        joined = np.concatenate([result.features[None], history_vector(answers)[None]], axis=1)
        probs = reading.probabilities(joined)[0]
        new = decide(probs, reading.referral_threshold, None, self.card.low_confidence, CLINICAL, reading.conformal_q)
        return dataclasses.replace(result, prediction=dataclasses.replace(new, moved_from=p.malignant_probability))

    def score_cam(self, result: Result, class_index: int) -> np.ndarray:
        """Score-CAM of one class: the photo masked by the network's own channels, one batched pass."""
        engine = self.engine.without_flips() if isinstance(self.engine, EnsembleEngine) else self.engine
        return score_cam(
            result.pixels, result.activations, class_index, lambda x: calibrated(engine.run(x).logits, 1.0)
        )
