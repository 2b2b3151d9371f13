"""Serving safety: memory over 1,000 predictions, and 10 concurrent app sessions.

    python -m bench.serving

Prints RSS growth over 1,000 predictions (target: under 30 MB) and, for 10 AppTest sessions run
at once in threads, whether each got the answer for its own photo.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from bench.latency import rss_mb
from skinscan_ui import examples, model_store
from skinscan_ui.labels import NAMES

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def photos(n: int) -> list[bytes]:
    """n different photos: test-split images when the data is here, else synthetic ones."""
    ids = [i for group in examples.test_examples().values() for i in group]
    if len(ids) >= n:
        step = len(ids) // n
        return [examples.image_path(i).read_bytes() for i in ids[::step][:n]]
    rng = np.random.default_rng(1)
    out = []
    for _ in range(n):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(buf, "JPEG")
        out.append(buf.getvalue())
    return out


def app_session(data: bytes) -> str:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300).run()
    at.file_uploader[0].set_value(("photo.jpg", data, "image/jpeg")).run()
    return at.metric[0].label if not at.exception and at.metric else f"failed: {at.exception}"


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from skinscan_ui.classifier import Classifier
    from skinscan_ui.explain import overlay
    from skinscan_ui.images import load_image

    model = Classifier.load(model_store.default_name())
    model.warm_up()
    images = photos(10)
    for data in images * 5:  # settle allocator pools before measuring
        model.analyse(load_image(data))
    before = rss_mb()
    for i in range(1000):
        r = model.analyse(load_image(images[i % len(images)]))
        overlay(r.pixels, r.heatmap)
    after = rss_mb()
    print(
        f"RSS over 1,000 predictions with Grad-CAM: {before:.0f} -> {after:.0f} MB (+{after - before:.1f} MB; "
        f"target < 30 MB): {'PASS' if after - before < 30 else 'FAIL'}"
    )

    expected = [NAMES[model.analyse(load_image(d)).prediction.top1] for d in images]
    with ThreadPoolExecutor(max_workers=10) as pool:
        got = list(pool.map(app_session, images))
    right = sum(e == g for e, g in zip(expected, got))
    print(
        f"10 concurrent app sessions: {right}/10 got the answer for their own photo: "
        f"{'PASS' if right == 10 else 'FAIL'}"
    )
    for e, g in zip(expected, got):
        print(f"  expected {e!r:45} got {g!r}")


if __name__ == "__main__":
    main()
