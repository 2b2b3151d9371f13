"""Several networks answering as one: averaged probabilities over members and flipped views.

Each member is a serving graph (logits, pooled features, per-class maps) run by its own engine.
A photo is run in every view of `ensemble.FLIPS` (a lesion has no up or left) by every member;
the probabilities are the mean of all their softmaxes, and each class's Grad-CAM the mean of the
members' maps, each flipped back to the photo's orientation first. The pooled features that the
guard and the similar-case index read are the first member's on the unflipped photo.
"""

from __future__ import annotations

import numpy as np

from skinscan_ui.engine import Engine, Outputs, concatenate
from skinscan_ui.inference import calibrated

# A dermatoscopic photo has no up or left: the photo itself and its three flips are free extra views.
FLIPS: tuple[tuple[int, ...], ...] = ((), (1,), (2,), (1, 2))


CHUNK = 4  # images per member call: an interpreter keeps the arena of the largest batch it ever ran


class EnsembleEngine:
    """An `Engine` over member engines; its logits are log(mean probability), so temperature applies as usual."""

    name = "ensemble"

    def __init__(self, members: list[Engine], views: tuple[tuple[int, ...], ...] = FLIPS):
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members, self.views = members, views

    def without_flips(self) -> EnsembleEngine:
        """The same members on the photo alone: Score-CAM's 16 masked photos need no flipped copies."""
        return EnsembleEngine(self.members, views=((),))

    @staticmethod
    def _run(member: Engine, batch: np.ndarray, detail: bool) -> Outputs:
        parts = [member.run(batch[i : i + CHUNK], detail) for i in range(0, len(batch), CHUNK)]
        return concatenate(parts)

    def _unflipped_mean(self, maps: np.ndarray, n: int) -> np.ndarray:
        views = maps.reshape(len(self.views), n, *maps.shape[1:])
        return np.mean([np.flip(m, axes) if axes else m for m, axes in zip(views, self.views)], axis=0)

    def run(self, images: np.ndarray, detail: bool = False) -> Outputs:
        images = np.asarray(images)
        n = len(images)
        batch = np.concatenate([np.flip(images, axes) if axes else images for axes in self.views])
        probs, maps, maps_pp, first = 0.0, 0.0, 0.0, None
        for member in self.members:
            out = self._run(member, batch, detail)
            probs = probs + calibrated(out.logits, 1.0).reshape(len(self.views), n, -1).mean(axis=0)
            maps = maps + self._unflipped_mean(out.maps, n)
            if detail:
                maps_pp = maps_pp + self._unflipped_mean(out.maps_pp, n)
            first = out if first is None else first
        k = len(self.members)
        logits = np.log(np.clip(probs / k, 1e-12, 1.0))
        if not detail:
            return Outputs(logits, first.features[:n], maps / k)
        # Score-CAM masks with the first member's channels on the photo as it is (the unflipped view).
        return Outputs(logits, first.features[:n], maps / k, maps_pp / k, first.activations[:n])
