"""Classify photos from the command line.

    python -m skinscan_ui.serve.predict FILE... [--model NAME_OR_PATH] [--json] [--cam-dir DIR]

One result per file, in order; a bad file never stops the others. Exit 0 when every file was
classified, 1 when any was not. `--cam-dir` writes each top-1 Grad-CAM overlay as a PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from skinscan_ui.serve.images import ImageError, read_file
from skinscan_ui.serve.inference import OUTCOME_TEXT, Prediction

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _record(file: str, prediction: Prediction | None = None, error: str | None = None) -> dict:
    base = {"file": file, "ok": prediction is not None, "error": error}
    if prediction is None:
        return base | {"top3": [], "malignant_probability": None, "outcome": None}
    return base | prediction.as_dict()


def _line(rec: dict) -> str:
    if not rec["ok"]:
        return f"{rec['file']}: error: {rec['error']}"
    top = ", ".join(f"{t['dx']} {t['probability']:.1%}" for t in rec["top3"])
    kind = f" | {rec['photo_type']}" if rec.get("photo_type") else ""
    return (
        f"{rec['file']}: {top} | P(malignant) {rec['malignant_probability']:.1%} | {OUTCOME_TEXT[rec['outcome']]}{kind}"
    )


def run(files: list[str], model: str | None, cam_dir: Path | None, batch_size: int = 32) -> list[dict]:
    """Results for every file, in order; errors are recorded per file, never raised."""
    from skinscan_ui.serve.classifier import Classifier
    from skinscan_ui.serve.model_store import ModelError

    try:
        classifier = Classifier.load(model)
    except ModelError as exc:
        return [_record(f, error=f"no model to classify with: {exc}") for f in files]
    records: list[dict | None] = [None] * len(files)
    for start in range(0, len(files), batch_size):
        chunk = list(enumerate(files))[start : start + batch_size]
        loaded = []
        for i, f in chunk:
            try:
                loaded.append((i, read_file(f)))
            except ImageError as exc:
                records[i] = _record(f, error=str(exc))
        if cam_dir is None:
            predictions = classifier.classify([im for _, im in loaded])
        else:
            predictions = [_with_cam(classifier, files[i], im, cam_dir) for i, im in loaded]
        for (i, _), pred in zip(loaded, predictions, strict=True):
            records[i] = _record(files[i], pred)
    return [r for r in records if r is not None]


def _with_cam(classifier, file: str, image, cam_dir: Path) -> Prediction:
    from PIL import Image

    from skinscan_ui.serve.explain import overlay

    result = classifier.analyse(image)
    cam_dir.mkdir(parents=True, exist_ok=True)
    Image.fromarray(overlay(result.pixels, result.heatmap)).save(cam_dir / f"{Path(file).stem}_gradcam.png")
    return result.prediction


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--model", help="a model name in weights/ or a .keras path (default: the app's default)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    parser.add_argument("--cam-dir", type=Path, help="write each top-1 Grad-CAM overlay here as PNG")
    args = parser.parse_args(argv)
    try:
        records = run(args.files, args.model, args.cam_dir)
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        records = [_record(f, error=f"internal error: {type(exc).__name__}: {exc}") for f in args.files]
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        print("\n".join(_line(r) for r in records))
    return 0 if all(r["ok"] for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
