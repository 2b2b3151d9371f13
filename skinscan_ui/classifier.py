"""A loaded model ready to answer: prepare, classify, explain. Shared safely between sessions.

Built once per model (the app caches it); every call after the warm-up reuses the same compiled
forward and forward+backward graphs, so a request costs about one network pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from skinscan_ui.explain import GradCam
from skinscan_ui.images import prepare
from skinscan_ui.inference import Prediction, calibrated, decide
from skinscan_ui.model_store import Card, load
from skinscan_ui.ood import Guard


@dataclass(frozen=True)
class Result:
    """Everything shown for one photo: the model's view of it, the answer and its heatmap."""

    pixels: np.ndarray  # (H, W, 3) uint8, what the network saw
    prediction: Prediction
    heatmap: np.ndarray  # (H, W) in [0, 1], Grad-CAM for the top-1 class
    heatmap_class: str


class Classifier:
    """One model with its card, its Grad-CAM graph and its not-a-lesion guard."""

    def __init__(self, model, card: Card):
        self.model, self.card = model, card
        self.size = card.input_size
        self.cam = GradCam(model, card.last_conv)
        self.guard = Guard.for_model(card.path)

    @classmethod
    def load(cls, name_or_path: str | None = None) -> Classifier:
        return cls(*load(name_or_path))

    def warm_up(self) -> None:
        """Trace both graphs now, so the first real photo is answered at full speed."""
        blank = np.zeros((1, *self.size, 3), np.uint8)
        self.cam.forward(blank)
        self.cam.explain(blank)

    def _decide(self, raw: np.ndarray, features: np.ndarray, pixels: np.ndarray) -> list[Prediction]:
        probs = calibrated(raw, self.card.temperature)
        unlike = self.guard.reasons(features, pixels)
        return [decide(p, self.card.referral_threshold, u) for p, u in zip(probs, unlike)]

    def classify(self, images: list[Image.Image], batch_size: int = 32) -> list[Prediction]:
        """Predictions for many photos, batched through the compiled forward pass."""
        out: list[Prediction] = []
        for start in range(0, len(images), batch_size):
            batch = np.stack([prepare(im, self.size) for im in images[start : start + batch_size]])
            out.extend(self._decide(*self.cam.forward(batch), batch))
        return out

    def analyse(self, image: Image.Image) -> Result:
        """Prediction and top-1 Grad-CAM of one photo in a single forward+backward pass.

        The heatmap is computed for the class the forward pass ranks first; calibration is
        monotonic, so that is also the calibrated top-1.
        """
        pixels = prepare(image, self.size)[None]
        probs, features, cams = self.cam.explain(pixels)
        prediction = self._decide(probs, features, pixels)[0]
        return Result(pixels[0], prediction, cams[0], prediction.top1)

    def heatmap(self, pixels: np.ndarray, class_index: int) -> np.ndarray:
        """Grad-CAM of one prepared image for any class (e.g. the second or third of the top-3)."""
        return self.cam.explain(pixels[None], class_index)[2][0]
