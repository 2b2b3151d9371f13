"""Export a trained model to LiteRT (TFLite) for phones and for the app, and prove parity.

    python -m skinscan_ui.build.export --model CARD.json [--tflite OUT] [--precision float32|float16|int8]

Writes the serving graph (`models.serving_model`: logits, features, per-class Grad-CAM maps) as a
`.tflite` file, then compares it with the Keras model on the test split: top-1 agreement, largest
probability difference, balanced accuracy of both, size and latency on this CPU. Written beside the
card (the default), the export and its parity are recorded in the card; elsewhere, the figures are
only printed. `ship` runs it in its staging folder; the served folder itself is never written here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from skinscan_ui.build import cards, keras_engine
from skinscan_ui.build.data import DataError, dataset
from skinscan_ui.build.keras_engine import KerasEngine
from skinscan_ui.serve import manifest, model_store, paths
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.engine import Engine, LiteEngine

PRECISIONS = {
    "float32": "float32 weights and compute",
    "float16": "float16 weights (float32 compute)",
    "int8": "dynamic-range int8 weights",
}
# The parity an export must reach to be shipped, by precision: (top-1 agreement, largest probability
# difference). Rounding the weights to float16 moves a probability by up to about 0.02 on the test
# split (0.021 for the default's first member), int8 by more; float32 only by the runtimes' own arithmetic.
PARITY = {"float32": (0.999, 0.001), "float16": (0.99, 0.03), "int8": (0.98, 0.06)}


def convert(model, last_conv: str, out: Path, precision: str = "float16") -> None:
    """Write the serving graph of a Keras model as a LiteRT flatbuffer (needs TensorFlow)."""
    import tensorflow as tf

    from skinscan_ui.build.models import serving_model

    options: dict = {} if precision == "float32" else {"optimizations": [tf.lite.Optimize.DEFAULT]}
    if precision == "float16":
        options["target_spec"] = {"supported_types": [tf.float16]}
    out.parent.mkdir(parents=True, exist_ok=True)
    serving_model(model, last_conv).export(str(out), format="litert", verbose=False, **options)


def parity(
    reference: np.ndarray, exported: np.ndarray, y: np.ndarray | None = None, precision: str = "float16"
) -> dict:
    """How far the export's probabilities are from the reference's, and whether it may ship at that precision."""
    diff = np.abs(reference - exported)
    report = {
        "images": len(reference),
        "top1_agreement": float(np.mean(reference.argmax(1) == exported.argmax(1))),
        "max_probability_difference": float(diff.max()),
        "mean_probability_difference": float(diff.mean()),
    }
    if y is not None:
        from sklearn.metrics import balanced_accuracy_score

        report["balanced_accuracy_keras"] = float(balanced_accuracy_score(y, reference.argmax(1)))
        report["balanced_accuracy_litert"] = float(balanced_accuracy_score(y, exported.argmax(1)))
    report["passes"] = (
        report["top1_agreement"] >= PARITY[precision][0]
        and report["max_probability_difference"] <= PARITY[precision][1]
    )
    return report


def latency_ms(engine: Engine, size: tuple[int, int], repeats: int = 30) -> float:
    """Median time of one forward pass at batch 1 (after two warm-up runs)."""
    x = np.random.default_rng(0).integers(0, 256, (1, *size, 3), dtype=np.uint8)
    times = []
    for i in range(repeats + 2):
        start = time.perf_counter()
        engine.run(x)
        if i >= 2:
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model name in weights/ (default: the app's default)")
    parser.add_argument("--tflite", type=Path, help="where to write it (default: weights/<name>.tflite)")
    parser.add_argument("--precision", choices=sorted(PRECISIONS), default="float16")
    parser.add_argument(
        "--data", help="HAM10000 folder for the parity check (default: $SKINSCAN_DATA or ../shared/...)"
    )
    parser.add_argument("--limit", type=int, help="check parity on the first N test images only")
    args = parser.parse_args(argv)

    try:
        model, card = keras_engine.load(args.model)
    except model_store.ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cards.not_served(card.path.parent)
    shipped = card.path.with_suffix(".tflite")
    out = args.tflite or shipped
    convert(model, card.last_conv, out, args.precision)
    reference, lite = KerasEngine(model, card.last_conv), LiteEngine(out)
    report: dict = {
        "file": out.name if out.parent == card.path.parent else str(paths.relative(out)),
        "sha256": manifest.sha256(out),
        "bytes": out.stat().st_size,
        "precision": PRECISIONS[args.precision],
        "runtime": "ai-edge-litert (XNNPACK), all cores",
        "measured_on": cards.this_machine(),
        "ms_per_image": latency_ms(lite, card.input_size),
        "keras_ms_per_image": latency_ms(reference, card.input_size),
    }
    try:
        x, y, _ = dataset(paths.data_dir(args.data), "test", card.input_size)
        x, y = x[: args.limit], y[: args.limit]
        ref, exp = (Classifier(e, card).probabilities(x) for e in (reference, lite))
        report["parity"] = {"split": "test", **parity(ref, exp, y, args.precision)}
    except DataError as exc:
        print(f"no parity check (no data: {exc})", file=sys.stderr)
        report["parity"] = None
    print(json.dumps(report, indent=2))
    if report["parity"] and not report["parity"]["passes"]:
        agreement, difference = PARITY[args.precision]
        print(f"error: parity below {agreement:.1%} agreement / {difference} difference", file=sys.stderr)
        return 1
    if out.resolve() == shipped.resolve():
        cards.write({**card.data, "litert": report}, card.path.parent)
        print(f"recorded in {paths.relative(card.path.with_suffix('.json'))}; the app now serves {report['file']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
