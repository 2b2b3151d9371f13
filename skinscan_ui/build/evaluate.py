"""Evaluate a model on any labelled folder of images.

    python -m skinscan_ui.build.evaluate --images DIR --labels CSV --out DIR [--model NAME_OR_PATH]

The labels CSV needs `image_id,dx` (other columns are ignored); images are DIR/<image_id>.jpg,
.jpeg or .png. Writes OUT/metrics.json and OUT/predictions.csv with calibrated probabilities, each photo's type
and its outcome; metrics.json has the figures per photo type and the badges as served. Each ECE comes
with the ECE a perfectly calibrated model would show on the same photos (`ece_if_calibrated`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from skinscan_ui.build.metrics import ece_if_calibrated, evaluate
from skinscan_ui.serve import model_store, paths
from skinscan_ui.serve.images import ImageError, read_file
from skinscan_ui.serve.labels import CLASSES, MALIGNANT_INDICES
from skinscan_ui.serve.manifest import sha256
from skinscan_ui.serve.model_store import ModelError

EXTENSIONS = (".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG")


def find_image(folder: Path, image_id: str) -> Path | None:
    for ext in EXTENSIONS:
        candidate = folder / f"{image_id}{ext}"
        if candidate.is_file():
            return candidate
    return None


def read_labels(path: Path) -> pd.DataFrame:
    """The labels CSV, checked: the two columns present and every dx a HAM10000 code."""
    try:
        labels = pd.read_csv(path, dtype={"image_id": str, "dx": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"cannot read labels {path}: {exc}") from None
    missing = {"image_id", "dx"} - set(labels.columns)
    if missing:
        raise ValueError(f"labels {path} lacks the column(s) {', '.join(sorted(missing))}")
    labels["dx"] = labels["dx"].str.strip().str.lower()
    unknown = sorted(set(labels["dx"]) - set(CLASSES))
    if unknown:
        raise ValueError(f"labels {path} has unknown diagnoses {unknown}; expected {', '.join(CLASSES)}")
    if labels.empty:
        raise ValueError(f"labels {path} has no rows")
    return labels[["image_id", "dx"]]


def served_decisions(y: np.ndarray, table: pd.DataFrame) -> dict:
    """What the badges said, as served (each photo against its own photo type's threshold, the guard applied)."""
    malignant = np.isin(y, MALIGNANT_INDICES)
    outcome = table["outcome"].to_numpy()
    counts = {o: int((outcome == o).sum()) for o in ("refer", "uncertain", "benign")}
    return counts | {
        "referral_sensitivity": float((outcome[malignant] == "refer").mean()) if malignant.any() else None,
        "benign_called_benign": float((outcome[~malignant] == "benign").mean()) if (~malignant).any() else None,
        "malignant_called_benign": int((outcome[malignant] == "benign").sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", help="a model name in weights/ or a .keras path (default: the app's default)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--engine",
        choices=["litert", "keras"],
        default="litert",
        help="litert: the export the app serves; keras: the model's checkpoint (for models not yet exported)",
    )
    args = parser.parse_args(argv)

    try:
        labels = read_labels(args.labels)
        if not args.images.is_dir():
            raise ValueError(f"image folder {args.images} does not exist")
        if args.engine == "keras":
            from skinscan_ui.build.keras_engine import classifier as keras_classifier

            classifier = keras_classifier(args.model)
        else:
            from skinscan_ui.serve.classifier import Classifier

            classifier = Classifier.load(args.model)
    except (ValueError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from tqdm import tqdm

    rows, probs, skipped = [], [], []
    pending: list[tuple[str, str, object]] = []

    def flush() -> None:
        for (image_id, dx, _), pred in zip(pending, classifier.classify([p[2] for p in pending]), strict=True):
            rows.append((image_id, dx, pred.top1, pred.photo_type or "", pred.outcome, pred.threshold))
            probs.append(pred.probabilities)
        pending.clear()

    for image_id, dx in tqdm(list(labels.itertuples(index=False)), desc="evaluating", unit="img"):
        path = find_image(args.images, image_id)
        if path is None:
            skipped.append({"image_id": image_id, "error": "no image file"})
            continue
        try:
            pending.append((image_id, dx, read_file(str(path))))
        except ImageError as exc:
            skipped.append({"image_id": image_id, "error": str(exc)})
        if len(pending) >= args.batch_size:
            flush()
    flush()
    if not rows:
        print("error: none of the labelled images could be read", file=sys.stderr)
        return 2

    p = np.array(probs)
    y = np.array([CLASSES.index(row[1]) for row in rows])
    metrics = evaluate(y, p, classifier.card.referral_threshold)
    table = pd.DataFrame(rows, columns=["image_id", "dx", "pred", "photo_type", "outcome", "threshold"])
    metrics["served_decisions"] = served_decisions(y, table)
    metrics["ece_if_calibrated"] = ece_if_calibrated(p)
    if table["photo_type"].any():  # each photo type's figures, against its own referral threshold
        metrics["by_photo_type"] = {
            kind: evaluate(y[mask], p[mask], float(table["threshold"][mask].iloc[0]))
            | {
                "served_decisions": served_decisions(y[mask], table[mask]),
                "ece_if_calibrated": ece_if_calibrated(p[mask]),
            }
            for kind in sorted(set(table["photo_type"]))
            if (mask := (table["photo_type"] == kind).to_numpy()).any()
        }
    metrics["model"] = {
        "name": classifier.card.name,
        "path": paths.relative(classifier.card.path),
        "sha256": classifier.card.sha256 or sha256(classifier.card.path.with_suffix(".keras")),
        "engine": classifier.engine.name,
    }
    served = model_store.litert_file(classifier.card) if classifier.engine.name == "litert" else None
    if served is not None:
        metrics["model"]["served_file"] = {"path": paths.relative(served), "sha256": sha256(served)}
    if classifier.card.members:  # an ensemble: every member's LiteRT export
        metrics["model"]["served_files"] = [
            {"path": paths.relative(lite), "sha256": sha256(lite)} for lite in model_store.member_files(classifier.card)
        ]
    metrics["skipped"] = skipped
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    for i, dx in enumerate(CLASSES):
        table[f"p_{dx}"] = p[:, i].round(6)
    table.to_csv(args.out / "predictions.csv", index=False)
    print(
        f"{metrics['n']} images: accuracy {metrics['accuracy']:.4f}, balanced accuracy "
        f"{metrics['balanced_accuracy']:.4f}" + (f"; {len(skipped)} skipped" if skipped else "")
    )
    for kind, m in metrics.get("by_photo_type", {"all": metrics}).items():
        floor = m["ece_if_calibrated"]
        print(
            f"{kind}: {m['n']} images, ECE {m['ece']:.3f}; a perfectly calibrated model on them: median "
            f"{floor['median']:.3f} (5-95% {floor['low']:.3f}-{floor['high']:.3f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
