"""Photos that are not dermatoscopic lesions, for measuring the not-a-lesion guard.

Generated frames (blank, checkerboard, noise, text, stripes) and, when scikit-image is
installed, its bundled sample photos (two cats, coffee, a rocket, a motorcycle, an astronaut, ...).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SKIMAGE_SAMPLES = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "camera",
    "hubble_deep_field",
    "immunohistochemistry",
    "page",
    "text",
    "horse",
    "coins",
    "moon",
    "retina",
    "colorwheel",
    "logo",
    "brick",
    "grass",
    "gravel",
    "clock",
    "cat",
    "cell",
    "stereo_motorcycle",
    "binary_blobs",
    "shepp_logan_phantom",
)


def generated(size: tuple[int, int] = (300, 400), seed: int = 0) -> dict[str, Image.Image]:
    """Synthetic non-lesion frames: what a wrong upload or a covered camera gives."""
    h, w = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    frames = {
        "black": np.zeros((h, w, 3)),
        "white": np.full((h, w, 3), 255.0),
        "grey": np.full((h, w, 3), 128.0),
        "checkerboard": np.repeat(((((yy // 25) + (xx // 25)) % 2) * 255.0)[..., None], 3, -1),
        "fine_checkerboard": np.repeat(((((yy // 5) + (xx // 5)) % 2) * 255.0)[..., None], 3, -1),
        "noise": rng.integers(0, 256, (h, w, 3)).astype(float),
        "stripes": np.repeat((((xx // 20) % 2) * 255.0)[..., None], 3, -1),
        "rainbow": np.stack([xx / w * 255, yy / h * 255, 255 - xx / w * 255], -1),
        "colour_bars": np.array(
            [
                [255, 255, 255],
                [255, 255, 0],
                [0, 255, 255],
                [0, 255, 0],
                [255, 0, 255],
                [255, 0, 0],
                [0, 0, 255],
                [0, 0, 0],
            ],
            float,
        )[np.minimum(xx * 8 // w, 7)],
    }
    images = {k: Image.fromarray(np.clip(v, 0, 255).astype(np.uint8)) for k, v in frames.items()}
    page = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(page)
    for line in range(0, h, 16):
        draw.text(
            (10, line), "Patient notes: follow-up in six weeks; lesion measured 4 mm."[: (line % 60) + 20], fill="black"
        )
    images["text_page"] = page
    return images


def sample_photos() -> dict[str, Image.Image]:
    """scikit-image's bundled photos (empty when scikit-image is not installed)."""
    try:
        from skimage import data
    except ImportError:
        return {}
    photos = {}
    for name in SKIMAGE_SAMPLES:
        try:
            arr = getattr(data, name)(**({"rng": 0} if name == "binary_blobs" else {}))  # the same blobs each time
        except Exception:  # noqa: BLE001, S112 - a sample that needs a download is simply left out
            continue
        arr = np.asarray(arr[0] if isinstance(arr, tuple) else arr)  # a stereo pair: its left photo
        if arr.dtype != np.uint8:  # a mask or a [0, 1] phantom
            arr = (arr.astype(np.float64) / max(float(arr.max()), 1e-9) * 255).astype(np.uint8)
        photos[name] = Image.fromarray(arr).convert("RGB")
    return photos


def non_lesions() -> dict[str, Image.Image]:
    """Every non-lesion image available here, by name."""
    return generated() | sample_photos()
