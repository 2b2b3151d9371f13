"""Is the photo good enough to read? Too blurred or too dark gets "take it again", not a diagnosis.

Both measures are taken on a 150x200 copy of the photo as the model sees it (area-averaged, so a
large sharp photo and a small one are compared alike): sharpness as the log mean absolute Laplacian
of its grey levels, light as its mean grey level. The floors are chosen on data by
`build.fit_photo_type` (so that at most a small share of every source's validation photos fall under
them) and kept in the model card with how many test photos of each source they stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

GRID = (150, 200)


def measure(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sharpness, light) of each prepared uint8 photo (N, H, W, 3)."""
    h, w = GRID
    grey = (
        np.stack(
            [
                np.asarray(Image.fromarray(np.asarray(p, np.uint8)).convert("L").resize((w, h), Image.Resampling.BOX))
                for p in pixels
            ]
        ).astype(np.float32)
        / 255.0
    )
    lap = 4 * grey[:, 1:-1, 1:-1] - grey[:, :-2, 1:-1] - grey[:, 2:, 1:-1] - grey[:, 1:-1, :-2] - grey[:, 1:-1, 2:]
    return np.log(np.abs(lap).mean((1, 2)) + 1e-4), grey.mean((1, 2))


@dataclass(frozen=True)
class Quality:
    """The floors a photo must reach to be read."""

    min_sharpness: float
    min_light: float

    def problems(self, pixels: np.ndarray) -> list[str | None]:
        """Per photo: 'blurred', 'dark', or None when it can be read."""
        sharpness, light = measure(pixels)
        return [
            "dark" if li < self.min_light else "blurred" if sh < self.min_sharpness else None
            for sh, li in zip(sharpness, light, strict=True)
        ]
