"""Turn what a GPU run brought back into models with cards, measured here on every source's test part.

    python -m skinscan_ui.gpu_import RUN_DIR [--out DIR] [--command "the device call's command"]

RUN_DIR holds the `<net>.npz` files `gpu_run` wrote (float16 weights and the run's log). Each network
is rebuilt in float32 from the registry, given those weights, calibrated on validation and measured
on test per source (HAM10000, ISIC 2017 and PAD-UFES-20) by `train.finish`, exactly as a CPU-trained
model is, and written with its card to `DIR/<net>/` (default: RUN_DIR/models). Nothing is written to
`weights/`: `build_ensemble` decides on validation what serves.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from skinscan_ui.data import DataError, pooled
from skinscan_ui.models import build
from skinscan_ui.sources import KNOWN
from skinscan_ui.train import IMBALANCE, augmentation_text, finish

RUN_COMMAND = "python -m skinscan_ui.gpu_run --pack .gpu_pack --out $OUT --plan first --budget 470"


def read_run(path: Path) -> tuple[list[np.ndarray], dict]:
    """The weights (float32, `get_weights()` order) and the log of one network's `.npz`."""
    with np.load(path) as f:
        log = json.loads(str(f["log"]))
        weights = [f[f"arr_{i}"].astype(np.float32) for i in range(len(f.files) - 1)]
    return weights, log


def training_record(log: dict, command: str) -> dict:
    """The card's `training` block for a network of a GPU run, from the run's own log."""
    net = log["net"]
    epochs = log["epochs"]
    return {
        "command": f"{command} (network {net['name']})",
        "epochs": len(epochs),
        "best_epoch": log["best_epoch"],
        "wall_seconds": log["wall_seconds"],
        "compile_seconds": epochs[0]["first_step_seconds"],
        "images_per_second": float(np.median([e["images_per_second"] for e in epochs])),
        "hardware": f"{log['device']} (one NVIDIA H200, lent), beside the run's other networks",
        "imbalance": IMBALANCE["weights"],
        "augmentation": augmentation_text(tuple(net["acquisition"])),
        "optimizer": f"AdamW (weight decay {net['weight_decay']}, none on norms and biases), linear warm-up over "
        f"the first epoch, then cosine decay to 1% of peak lr {net['lr']} fitted to the time left; batch "
        f"{net['batch']}, class-weighted cross-entropy with label smoothing 0.05; {net['policy']} precision",
        "seed": net["seed"],
        "backend": "jax",
        "epoch_log": [
            {k: e[k] for k in ("epoch", "seconds", "images_per_second", "lr", "train_loss")}
            | {
                "val_log_loss": e["val"]["pooled"]["log_loss"],
                "val_balanced_accuracy": e["val"]["pooled"]["balanced_accuracy"],
            }
            for e in epochs
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, help="default: RUN/models")
    parser.add_argument("--command", default=RUN_COMMAND, help="the device call's command, for the cards")
    args = parser.parse_args(argv)
    runs = sorted(args.run.glob("*.npz"))
    if not runs:
        print(f"error: no <net>.npz in {args.run}", file=sys.stderr)
        return 2
    sources = [(s, s.folder()) for s in KNOWN.values()]
    for path in runs:
        weights, log = read_run(path)
        net = log["net"]
        size = tuple(net["size"])
        model = build(net["model"], input_size=size)
        model.set_weights(weights)
        try:
            x_val, y_val, _ = pooled(sources, "val", size)
            x_test, y_test, rows = pooled(sources, "test", size)
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        finish(
            model,
            net["model"],
            sources,
            (x_val, y_val),
            (x_test, y_test, rows["source"].to_numpy()),
            training_record(log, args.command),
            (args.out or args.run / "models") / net["name"],
            log["train_images"],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
