"""Grad-CAM: the per-class maps of the serving graph, tf-keras-vis as the reference, and the overlay.

`models.serving_model` returns each class's Grad-CAM and Grad-CAM++ (before ReLU) and the last
convolution from the forward pass; here they are stretched to the photo, and Score-CAM is one
batched pass of masked photos. For a global-average-pooling + Dense head the gradient of a class
score is its Dense weights at every position, so Grad-CAM's channel weights are those weights, and
Grad-CAM++'s (Chattopadhyay et al. 2018, with tf-keras-vis's exponential score) reduce to their
positive part: its alphas are the same at every position and normalise to 1/(h w). Tests show each
fast map equals tf-keras-vis's (correlation >= 0.99); tf-keras-vis stays the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

# The slide's typeface: Pillow's built-in one has no accented letters ("m□s influy□" in Spanish).
FONT = Path(__file__).parent / "fonts" / "DejaVuSans-Latin1.ttf"


def class_map(maps: np.ndarray, class_index: int, size: tuple[int, int]) -> np.ndarray:
    """One class's Grad-CAM from the serving graph's (h, w, classes) maps, (height, width) in [0, 1]."""
    return upsample(np.maximum(maps[..., class_index], 0.0), size)


def _axis_weights(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower index, upper index and weight of the upper one for corner-aligned linear interpolation."""
    pos = np.linspace(0.0, n_in - 1.0, n_out)
    lo = np.minimum(np.floor(pos).astype(int), max(n_in - 2, 0))
    return lo, np.minimum(lo + 1, n_in - 1), pos - lo


def stretch(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(h, w, ...) maps stretched bilinearly (as tf-keras-vis's linear zoom does) to (height, width, ...)."""
    (y0, y1, wy), (x0, x1, wx) = _axis_weights(maps.shape[0], size[0]), _axis_weights(maps.shape[1], size[1])
    a = maps.astype(np.float32)
    extra = (1,) * (a.ndim - 2)
    rows = a[y0] * (1 - wy).reshape(-1, 1, *extra) + a[y1] * wy.reshape(-1, 1, *extra)
    return (rows[:, x0] * (1 - wx).reshape(-1, *extra) + rows[:, x1] * wx.reshape(-1, *extra)).astype(np.float32)


def upsample(cam: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A coarse heatmap stretched bilinearly to (height, width), in [0, 1]."""
    out = stretch(cam, size)
    lo, hi = float(out.min()), float(out.max())
    return (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)


def score_cam(
    pixels: np.ndarray,
    activations: np.ndarray,
    class_index: int,
    probabilities: Callable[[np.ndarray], np.ndarray],
    max_n: int = 16,
) -> np.ndarray:
    """Score-CAM (Wang et al. 2020) as tf-keras-vis computes it, from the serving engine alone.

    The `max_n` channels of the last convolution with the largest spatial spread are stretched to
    the photo, scaled to [0, 1] and used as masks; the class's probability on each masked photo
    (one batched forward pass) weights its channel. `probabilities` runs the network on a batch.
    """
    from scipy.ndimage import zoom

    a = np.asarray(activations, np.float32)
    chosen = a[..., np.argsort(-a.std(axis=(0, 1)), kind="stable")[:max_n]]
    height, width = pixels.shape[:2]
    up = zoom(chosen, (height / a.shape[0], width / a.shape[1], 1), order=1, mode="nearest")
    lo, hi = up.min(axis=(0, 1)), up.max(axis=(0, 1))
    masks = np.moveaxis((up - lo) / (hi - lo + 1e-7), -1, 0)
    weights = probabilities(pixels[None].astype(np.float32) * masks[..., None])[:, class_index]
    return upsample(np.maximum(chosen @ weights, 0.0), (height, width))


def colormap(cam: np.ndarray) -> np.ndarray:
    """The 'jet' colour scale (blue = ignored, red = decisive) as uint8 RGB."""
    x = np.clip(cam, 0.0, 1.0)[..., None]
    rgb = np.clip(1.5 - np.abs(4.0 * x - np.array([3.0, 2.0, 1.0])), 0.0, 1.0)
    return (rgb * 255).astype(np.uint8)


def overlay(image: np.ndarray, cam: np.ndarray, opacity: float = 0.45) -> np.ndarray:
    """The heatmap blended over the photo (both at the model's input size)."""
    blended = (1.0 - opacity) * image.astype(np.float32) + opacity * colormap(cam).astype(np.float32)
    return np.clip(blended, 0, 255).astype(np.uint8)


def slide(
    pixels: np.ndarray,
    cam: np.ndarray,
    title: str,
    captions: tuple[str, str],
    legend: tuple[str, str],
    footer: str,
    opacity: float = 0.45,
) -> np.ndarray:
    """A slide-ready picture (1400 px wide): the photo and its heatmap side by side, titled, with a colour legend.

    `captions` name the two panels, `legend` the two ends of the colour scale; all text comes in the
    reader's language from the caller.
    """
    from PIL import Image, ImageDraw, ImageFont

    width, margin, gap = 1400, 40, 40
    panel_w = (width - 2 * margin - gap) // 2
    panel_h = round(panel_w * pixels.shape[0] / pixels.shape[1])
    photo = Image.fromarray(pixels).resize((panel_w, panel_h), Image.Resampling.LANCZOS)
    heat = Image.fromarray(overlay(pixels, cam, opacity)).resize((panel_w, panel_h), Image.Resampling.LANCZOS)
    height = margin + 60 + 40 + panel_h + 40 + 70 + 50
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    big, small = (ImageFont.truetype(str(FONT), size) for size in (34, 22))
    draw.text((margin, margin), title, fill=(33, 37, 41), font=big)
    top = margin + 60
    for i, (panel, caption) in enumerate(zip((photo, heat), captions, strict=True)):
        x = margin + i * (panel_w + gap)
        draw.text((x, top), caption, fill=(73, 80, 87), font=small)
        canvas.paste(panel, (x, top + 40))
    bar_top = top + 40 + panel_h + 40
    x0, x1 = margin + panel_w + gap, width - margin
    ramp = colormap(np.tile(np.linspace(0.0, 1.0, x1 - x0), (24, 1)))
    canvas.paste(Image.fromarray(ramp), (x0, bar_top))
    draw.text((x0, bar_top + 30), legend[0], fill=(73, 80, 87), font=small)
    right = draw.textlength(legend[1], font=small)
    draw.text((x1 - right, bar_top + 30), legend[1], fill=(73, 80, 87), font=small)
    draw.text((margin, height - 50), footer, fill=(134, 142, 150), font=small)
    return np.asarray(canvas)
