"""Latency, cold start, memory and throughput of SkinScan, all measured in one run.

    python -m bench.latency [--repeats 30] [--no-app]

Prints a Markdown table (medians over repeated runs). Run by hand on an idle machine; this is a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from skinscan_ui.build import keras_engine
from skinscan_ui.serve import examples, model_store


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(fn, repeats: int) -> float:
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def photo_bytes() -> bytes:
    """A HAM10000 test photo when the data is here, else a synthetic 600x450 JPEG."""
    ids = examples.test_examples()
    if ids:
        return examples.image_path(ids["mel"][0]).read_bytes()
    rng = np.random.default_rng(0)
    arr = np.clip(rng.normal([190, 140, 120], 20, (450, 600, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def bare(model, card, repeats: int) -> tuple[float, float]:
    """A compiled forward pass, and forward+backward to the last conv, of the Keras model alone."""
    import keras
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(0).integers(0, 256, (1, *card.input_size, 3)), tf.float32)
    forward = tf.function(lambda t: model(t, training=False))
    graph = keras.Model(model.inputs, [model.get_layer(card.last_conv).output, model.output])

    @tf.function
    def backward(t):
        with tf.GradientTape() as tape:
            conv, out = graph(t, training=False)
            score = tf.reduce_max(out, axis=1)
        return tape.gradient(score, conv)

    return median_ms(lambda: forward(x).numpy(), repeats), median_ms(lambda: backward(x).numpy(), repeats)


def cold_predict(photo: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "skinscan_ui.serve.predict", str(photo), "--json"], check=True, capture_output=True
    )
    return time.perf_counter() - t


def server_peak_mb(url: str) -> float:
    """Peak RSS (VmHWM) of the `streamlit run` process serving `url`."""
    port = url.rsplit(":", 1)[1].encode()
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes()
            if b"streamlit" in cmd and port in cmd:
                status = (proc / "status").read_text()
                return int(status.split("VmHWM:")[1].split()[0]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return float("nan")


def cold_app(photo: Path) -> tuple[float, float]:
    """Seconds from `streamlit run` to the page showing the answer to its first upload, and the server's peak RSS."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from browser import browser_page, streamlit_server

    with browser_page() as page:
        t = time.perf_counter()
        with streamlit_server() as url:
            page.goto(url)
            page.locator("input[type=file]").first.set_input_files(str(photo))
            page.get_by_text("Where the network looked", exact=True).wait_for(timeout=120_000)
            return time.perf_counter() - t, server_peak_mb(url)


def serving(data: bytes, photo: Path, repeats: int) -> dict:
    """Everything the app and `predict` do, measured before anything imports TensorFlow."""
    from skinscan_ui.serve.classifier import Classifier
    from skinscan_ui.serve.explain import overlay
    from skinscan_ui.serve.images import load_image
    from skinscan_ui.serve.predict import run

    rows, loaded = {}, {}
    for card in model_store.available():
        model = Classifier.load(card.name)
        model.warm_up()
        loaded[card.name] = model
        x = np.zeros((1, *card.input_size, 3), np.uint8)
        rows[card.name] = {
            "engine": model.engine.name,
            "served forward": median_ms(lambda m=model, x=x: m.engine.run(x), repeats),
            "classify": median_ms(lambda m=model: m.classify([load_image(data)]), repeats),
            "with_cam": median_ms(
                lambda m=model: overlay((r := m.analyse(load_image(data))).pixels, r.heatmap), repeats
            ),
        }
    peak = peak_rss_mb()
    many = [str(photo)] * 64
    t = time.perf_counter()
    run(many, None, None)
    throughput = len(many) / (time.perf_counter() - t)
    default = loaded[model_store.default_name()]
    result = default.analyse(load_image(data))
    methods = {}
    for method in ("gradcam++", "scorecam"):  # the first pick of each, as a user makes it
        t = time.perf_counter()
        cam = result.heatmap_for(4, method) if method == "gradcam++" else default.score_cam(result, 4)
        overlay(result.pixels, cam)
        methods[method] = (time.perf_counter() - t) * 1000
    before = rss_mb()
    for _ in range(1000):
        r = default.analyse(load_image(data))
        overlay(r.pixels, r.heatmap)
    after = rss_mb()
    tensorflow = "tensorflow" in sys.modules
    return {
        "rows": rows,
        "peak": peak,
        "throughput": throughput,
        "before": before,
        "after": after,
        "tf": tensorflow,
        "methods": methods,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-app", action="store_true", help="skip the browser cold start")
    args = parser.parse_args()
    data = photo_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        photo.write_bytes(data)
        cold = cold_predict(photo)
        cold_page, app_peak = (None, None) if args.no_app else cold_app(photo)
        served = serving(data, photo, args.repeats)
    bare_costs = {}
    for card in model_store.available():  # TensorFlow comes in only now, for the bare Keras figures
        keras_model, _ = keras_engine.load(card.name)
        bare_costs[card.name] = bare(keras_model, card, args.repeats)

    print(
        "| model | bare forward (Keras) | bare fwd+bwd (Keras) | served forward | classify (bytes→answer) | "
        "classify + Grad-CAM overlay | ratio to fwd+bwd |\n|---|---|---|---|---|---|---|"
    )
    for name, row in served["rows"].items():
        fwd, fwd_bwd = bare_costs[name]
        print(
            f"| {name} | {fwd:.1f} ms | {fwd_bwd:.1f} ms | {row['served forward']:.1f} ms ({row['engine']}) | "
            f"{row['classify']:.1f} ms | {row['with_cam']:.1f} ms | {row['with_cam'] / fwd_bwd:.2f}x |"
        )
    print(f"\n| figure | value |\n|---|---|\n| cold start, `predict` one photo | {cold:.1f} s |")
    if cold_page is not None:
        print(f"| cold start, `streamlit run` to the first answer in the browser | {cold_page:.1f} s |")
        print(f"| peak RSS of the `streamlit run` process after that answer | {app_peak:.0f} MB |")
    tf_note = "TensorFlow imported" if served["tf"] else "TensorFlow not imported"
    print(f"| peak RSS, every shipped model loaded, warmed and timed ({tf_note}) | {served['peak']:.0f} MB |")
    print(
        f"| RSS before / after 1,000 more predictions with Grad-CAM | {served['before']:.0f} / "
        f"{served['after']:.0f} MB (+{served['after'] - served['before']:.1f} MB) |"
    )
    print(f"| batch throughput, `predict` on 64 files | {served['throughput']:.1f} images/s |")
    for method, ms in served["methods"].items():
        print(f"| first {method} of a photo, default model (engine outputs, no TensorFlow) | {ms:.0f} ms |")


if __name__ == "__main__":
    main()
