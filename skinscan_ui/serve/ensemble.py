"""Several networks answering as one: averaged probabilities over members and flipped views.

Each member is a serving graph (logits, pooled features, per-class maps) run by its own engine.
A photo is run in every view of `ensemble.FLIPS` (a lesion has no up or left) by every member;
the probabilities are the mean of all their softmaxes, and each class's Grad-CAM the mean of the
members' maps, each flipped back to the photo's orientation first. The pooled features that the
guard and the similar-case index read are the first member's on the unflipped photo; every member's,
side by side, come too (`Outputs.joined`: a phone photo's reading may read them).

Members may take different input sizes: the app prepares the photo at each member's size (as the
heads were fitted); given one batch, a member of another size gets it resized (bicubic). Each
member's maps are stretched to the first member's grid before they are averaged.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from skinscan_ui.serve.engine import Engine, Outputs, concatenate
from skinscan_ui.serve.explain import stretch
from skinscan_ui.serve.inference import calibrated

# A dermatoscopic photo has no up or left: the photo itself and its three flips are free extra views.
FLIPS: tuple[tuple[int, ...], ...] = ((), (1,), (2,), (1, 2))


CHUNK = 4  # images per member call: an interpreter keeps the arena of the largest batch it ever ran


class EnsembleEngine:
    """An `Engine` over member engines; its logits are log(mean probability), so temperature applies as usual."""

    name = "ensemble"

    def __init__(
        self,
        members: list[Engine],
        views: tuple[tuple[int, ...], ...] = FLIPS,
        sizes: list[tuple[int, int]] | None = None,
    ):
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if sizes is not None and len(sizes) != len(members):
            raise ValueError(f"{len(members)} members but {len(sizes)} input sizes")
        self.members, self.views = members, views
        self.sizes = [tuple(s) for s in sizes] if sizes else None

    def without_flips(self) -> EnsembleEngine:
        """The same members on the photo alone: Score-CAM's 16 masked photos need no flipped copies."""
        return EnsembleEngine(self.members, views=((),), sizes=self.sizes)

    @staticmethod
    def _run(member: Engine, batch: np.ndarray, detail: bool) -> Outputs:
        parts = [member.run(batch[i : i + CHUNK], detail) for i in range(0, len(batch), CHUNK)]
        return concatenate(parts)

    def _unflipped_mean(self, maps: np.ndarray, n: int, grid: tuple[int, int]) -> np.ndarray:
        views = maps.reshape(len(self.views), n, *maps.shape[1:])
        mean = np.mean([np.flip(m, axes) if axes else m for m, axes in zip(views, self.views, strict=True)], axis=0)
        return mean if mean.shape[1:3] == grid else np.stack([stretch(m, grid) for m in mean])

    def run(self, images: np.ndarray | dict[tuple[int, int], np.ndarray], detail: bool = False) -> Outputs:
        """`images`: one batch prepared at the first member's size, or {size: the same photos prepared at it}."""
        photos = images if isinstance(images, dict) else {tuple(np.shape(images)[1:3]): np.asarray(images)}
        base = next(iter(photos.values()))
        n = len(base)
        probs, maps, maps_pp, first, features = 0.0, 0.0, 0.0, None, []
        for i, member in enumerate(self.members):
            size = self.sizes[i] if self.sizes else tuple(base.shape[1:3])
            x = photos[size] if size in photos else resized(base, size)
            batch = np.concatenate([np.flip(x, axes) if axes else x for axes in self.views])
            out = self._run(member, batch, detail)
            grid = (first or out).maps.shape[1:3]
            probs = probs + calibrated(out.logits, 1.0).reshape(len(self.views), n, -1).mean(axis=0)
            maps = maps + self._unflipped_mean(out.maps, n, grid)
            if detail:
                maps_pp = maps_pp + self._unflipped_mean(out.maps_pp, n, grid)
            features.append(out.features[:n])  # the unflipped view comes first
            first = out if first is None else first
        k = len(self.members)
        logits = np.log(np.clip(probs / k, 1e-12, 1.0))
        joined = np.concatenate(features, axis=1)
        if not detail:
            return Outputs(logits, first.features[:n], maps / k, joined=joined)
        # Score-CAM masks with the first member's channels on the photo as it is (the unflipped view).
        return Outputs(logits, first.features[:n], maps / k, maps_pp / k, first.activations[:n], joined)


def resized(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A batch of photos at (height, width): as it is when it has that size, else each resized (bicubic)."""
    if tuple(images.shape[1:3]) == tuple(size):
        return images
    pictures = (Image.fromarray(np.clip(im, 0, 255).astype(np.uint8)) for im in images)
    return np.stack([np.asarray(p.resize((size[1], size[0]), Image.Resampling.BICUBIC)) for p in pictures])
