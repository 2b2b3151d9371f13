"""Is the photo good enough to read? Too blurred, too dark or too small a lesion gets "take it again".

The measures are taken on area-averaged copies of the photo as the model sees it, so a large sharp
photo and a small one are compared alike. Sharpness is the log mean absolute Laplacian of a 150x200
copy's grey levels, light its mean grey level. The lesion's share of the frame is the share of a
38x50 copy's pixels (coarse, so skin texture and hairs average out) at least half as far in CIELAB
colour from the skin (the median of the border ring) as the photo's most distinct 1%. A faint
lesion makes that cut low and its share large, so only a photo with a distinct spot in a frame of
skin measures small. The floors are chosen on data by
`build.fit_photo_type` (so that at most a small share of every source's validation photos fall under
them) and kept in the model card with how many test photos of each source they stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

GRID = (150, 200)
LESION_GRID = (38, 50)
RING = 0.1  # the border ring taken for skin: this share of the height from every edge
DISTINCT = 99.0  # percentile of colour distance from the skin that stands for the lesion's own
MIN_DISTANCE = 8.0  # CIELAB units: a cut never lower than this, so plain skin's noise is not a lesion
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], np.float32)
_WHITE = np.array([0.9505, 1.0, 1.089], np.float32)  # D65


def measure(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sharpness, light, lesion share) of each prepared uint8 photo (N, H, W, 3)."""
    grey = _copies(pixels, GRID) @ np.array([0.299, 0.587, 0.114], np.float32) / 255.0  # PIL's "L"
    lap = 4 * grey[:, 1:-1, 1:-1] - grey[:, :-2, 1:-1] - grey[:, 2:, 1:-1] - grey[:, 1:-1, :-2] - grey[:, 1:-1, 2:]
    return np.log(np.abs(lap).mean((1, 2)) + 1e-4), grey.mean((1, 2)), lesion_share(_copies(pixels, LESION_GRID))


def _copies(pixels: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    h, w = grid
    return np.stack(
        [np.asarray(Image.fromarray(np.asarray(p, np.uint8)).resize((w, h), Image.Resampling.BOX)) for p in pixels]
    ).astype(np.float32)


def lesion_share(rgb: np.ndarray) -> np.ndarray:
    """The share of each photo's pixels at least half as far from the skin (CIELAB) as its most distinct 1%."""
    lab = _lab(rgb)
    n, h, w, _ = lab.shape
    r = int(h * RING)
    ring = np.ones((h, w), bool)
    ring[r:-r, r:-r] = False
    skin = np.median(lab[:, ring], axis=1)  # (N, 3)
    distance = np.linalg.norm(lab - skin[:, None, None, :], axis=-1).reshape(n, -1)
    cut = np.maximum(MIN_DISTANCE, np.percentile(distance, DISTINCT, axis=1) / 2)
    return (distance > cut[:, None]).mean(axis=1)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0-255 to CIELAB (D65)."""
    c = rgb / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = (c @ _SRGB_TO_XYZ.T) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


@dataclass(frozen=True)
class Quality:
    """The floors a photo must reach to be read."""

    min_sharpness: float
    min_light: float
    min_lesion: float

    def problems(self, pixels: np.ndarray) -> list[str | None]:
        """Per photo: 'dark', 'small' (the lesion), 'blurred', or None when it can be read.

        Darkness comes first, since it lowers every other measure. Then a small lesion: on a photo that is
        mostly plain skin there are few edges, so it also measures less sharp, and coming closer is the cure.
        """
        return [self._problem(*m) for m in zip(*measure(pixels), strict=True)]

    def _problem(self, sharpness: float, light: float, lesion: float) -> str | None:
        if light < self.min_light:
            return "dark"
        if lesion < self.min_lesion:
            return "small"
        return "blurred" if sharpness < self.min_sharpness else None
