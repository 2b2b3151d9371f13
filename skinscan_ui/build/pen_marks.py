"""A surgeon's skin-marker ink drawn on a photo: circles round the lesion, lines, ticks and dots.

Clinics mark lesions before a biopsy in violet or blue ink, and about a quarter of PAD-UFES-20's phone
close-ups carry such marks; few HAM10000 dermatoscope images do. A photo-type model that sees ink
mostly on phone photos learns "ink means a phone" and calls marked dermatoscope images clinical
(most of ISIC 2017's mistyped test photos carry ink). Drawing the same kinds of mark on dermatoscope
photos in training takes that cue away. Plain PIL and NumPy, drawn at the photo's own size.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

INKS = ((95, 45, 150), (70, 50, 160), (45, 55, 135), (120, 50, 140))  # violet and blue skin markers, RGB
STROKES = ("ring", "line", "ticks")


def drawn(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`photo` (H, W, 3) uint8 with one to three marks of one ink, blended into the skin."""
    h, w = photo.shape[:2]
    side = min(h, w)
    mask = Image.new("L", (w, h), 0)
    pen = ImageDraw.Draw(mask)
    width = max(1, int(side * rng.uniform(0.012, 0.04)))
    for _ in range(rng.integers(1, 4)):
        stroke = STROKES[rng.integers(len(STROKES))]
        if stroke == "ring":  # round the lesion, which sits near the middle
            cx, cy = w / 2 + rng.normal(0, w / 10), h / 2 + rng.normal(0, h / 10)
            rx, ry = side * rng.uniform(0.2, 0.6), side * rng.uniform(0.2, 0.6)
            start = rng.uniform(0, 360)
            sweep = rng.uniform(180, 360)
            pen.arc((cx - rx, cy - ry, cx + rx, cy + ry), start, start + sweep, fill=255, width=width)
        elif stroke == "line":  # a wandering line, such as an arrow's shaft or an excision's outline
            points = [(rng.uniform(0, w), rng.uniform(0, h))]
            heading = rng.uniform(0, 2 * np.pi)
            for _ in range(rng.integers(2, 7)):
                heading += rng.normal(0, 0.5)
                step = side * rng.uniform(0.05, 0.2)
                points.append((points[-1][0] + step * np.cos(heading), points[-1][1] + step * np.sin(heading)))
            pen.line(points, fill=255, width=width, joint="curve")
        else:  # short ticks or dots beside the lesion
            for _ in range(rng.integers(2, 6)):
                x, y = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
                dx, dy = rng.normal(0, side * 0.04, 2)
                pen.line((x, y, x + dx, y + dy), fill=255, width=width)
    soft = np.asarray(mask.filter(ImageFilter.GaussianBlur(width / 4)), np.float32) / 255
    alpha = soft[..., None] * rng.uniform(0.6, 0.95)
    ink = np.array(INKS[rng.integers(len(INKS))], np.float32) * rng.uniform(0.8, 1.1)
    out = np.asarray(photo, np.float32) * (1 - alpha) + ink * alpha
    return np.clip(out, 0, 255).astype(np.uint8)


def some(photos: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """`photos` (N, H, W, 3) with a `share` of them, drawn at random, marked (a copy; the rest unchanged)."""
    out = np.array(photos, np.uint8)
    for i in np.flatnonzero(rng.random(len(out)) < share):
        out[i] = drawn(out[i], rng)
    return out
