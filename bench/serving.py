"""Serving safety: memory over 1,000 predictions, and 10 concurrent browser sessions.

    python -m bench.serving

Prints RSS growth over 1,000 predictions (target: under 30 MB) and, for 10 Chromium pages uploading
at once to one `streamlit run` server, whether each got the answer for its own photo.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from bench.latency import rss_mb
from skinscan_ui.serve import examples, model_store
from skinscan_ui.serve.labels import NAMES

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


def concurrent_browser_sessions(images: list[bytes]) -> list[str]:
    """One `streamlit run` server, one Chromium page per photo, all uploaded before any answer is read."""
    import sys
    import tempfile

    sys.path.insert(0, str(Path(APP).parent / "tests"))
    from browser import CHROMIUM, FLAGS, streamlit_server
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        pages = [browser.new_context().new_page() for _ in images]
        for page in pages:
            page.goto(url)
        for i, (page, data) in enumerate(zip(pages, images, strict=True)):
            path = Path(tmp) / f"photo{i}.jpg"
            path.write_bytes(data)
            page.get_by_text("Waiting for a photo").wait_for(timeout=120_000)
            page.locator("input[type=file]").first.set_input_files(str(path))
        labels = []
        for page in pages:
            page.get_by_text("Where the network looked", exact=True).wait_for(timeout=180_000)
            labels.append(page.locator("[data-testid='stMetricLabel']").first.inner_text().strip())
        browser.close()
    return labels


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from skinscan_ui.serve.classifier import Classifier
    from skinscan_ui.serve.explain import overlay
    from skinscan_ui.serve.images import load_image

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
    got = concurrent_browser_sessions(images)
    right = sum(e == g for e, g in zip(expected, got, strict=True))
    print(
        f"10 concurrent browser sessions on one server: {right}/10 got the answer for their own photo: "
        f"{'PASS' if right == 10 else 'FAIL'}"
    )
    for e, g in zip(expected, got, strict=True):
        print(f"  expected {e!r:45} got {g!r}")


if __name__ == "__main__":
    main()
