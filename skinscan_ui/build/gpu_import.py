"""Turn what a GPU run brought back into models with cards, measured here on every source's test part.

    python -m skinscan_ui.build.gpu_import RUN_DIR [--out DIR] [--command "..."] [--report FILE] [--skip-import]

RUN_DIR holds the `<net>.npz` files `gpu_run` wrote (float16 weights and the run's log). Each network
is rebuilt in float32 from the registry, given those weights, calibrated on validation and measured
on test per source (HAM10000, ISIC 2017 and PAD-UFES-20) by `train.finish`, exactly as a CPU-trained
model is, and written with its card to `DIR/<net>/` (default: RUN_DIR/models). Nothing is written to
`weights/`: `build_ensemble` decides on validation what serves. `--report` writes a Markdown table
of every network's figures per source beside the served ensemble's members (`--skip-import`: from the
cards an earlier import wrote).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from skinscan_ui.build.data import DataError, pooled
from skinscan_ui.build.models import build
from skinscan_ui.build.sources import KNOWN
from skinscan_ui.build.train import IMBALANCE, augmentation_text, finish
from skinscan_ui.serve import paths

RUN_COMMAND = "python -m skinscan_ui.build.gpu_run --pack .gpu_pack --out $OUT --plan first --budget 470"


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


def _row(name: str, source: str, m: dict) -> str:
    def f(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    return (
        f"| {name} | {source} | {m['n']} | {f(m['accuracy'])} | {f(m['balanced_accuracy'])} | {f(m['melanoma_auc'])} "
        f"| {f(m['malignant_auc'])} | {f(m['ece'])} |"
    )


HEADER = "| network | source | test n | accuracy | balanced acc. | melanoma AUC | malignant AUC | ECE |\n|---|---|---|---|---|---|---|---|"


def report(models: Path, served: Path) -> str:
    """Every imported network per source on test, then the served ensemble's members (refitted heads)."""
    runs, rows = [], []
    for card_path in sorted(models.glob("*/*.json")):
        if card_path.name == "MANIFEST.json":
            continue
        card = json.loads(card_path.read_text())
        tr, net = card["training"], card_path.parent.name
        runs.append(
            f"| {net} | {card['name']} | {card['input_size'][0]}x{card['input_size'][1]} | {tr['epochs']} ({tr['best_epoch']}) "
            f"| {tr['compile_seconds']:.0f} | {tr['wall_seconds']:.0f} | {tr['images_per_second']:.0f} "
            f"| {min(e['val_log_loss'] for e in tr['epoch_log']):.4f} |"
        )
        rows += [_row(net, s, m) for s, m in card["metrics_by_source"]["test"].items()]
    ensemble = json.loads(served.read_text())
    member_rows = [
        _row(f"served member {i}", s, m)
        for i, member in enumerate(ensemble["members"])
        for s, m in member["test"].items()
        if s != "all"
    ]
    served_rows = [
        _row("served ensemble", s, m) for s, m in ensemble["metrics_by_source"]["test"].items() if s != "all"
    ]
    return f"""# GPU run: {models.parent.name}

Written by `python -m skinscan_ui.build.gpu_import {paths.relative(models.parent)} --report ...` from the cards it wrote.

| network | model | input | epochs (best) | compile s | wall s | images/s | best pooled val. log loss (device, own head) |
|---|---|---|---|---|---|---|---|
{chr(10).join(runs)}

## Test, per source: each network with its own head and a temperature fitted on pooled validation
{HEADER}
{chr(10).join(rows)}

## The served ensemble (`{paths.relative(served)}`) for comparison: members with refitted heads, and the ensemble
{HEADER}
{chr(10).join(member_rows + served_rows)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, help="default: RUN/models")
    parser.add_argument("--command", default=RUN_COMMAND, help="the device call's command, for the cards")
    parser.add_argument("--report", type=Path, help="write the Markdown comparison here")
    parser.add_argument("--skip-import", action="store_true", help="only the report, from cards already written")
    args = parser.parse_args(argv)
    models = args.out or args.run / "models"
    runs = sorted(args.run.glob("*.npz"))
    if not runs:
        print(f"error: no <net>.npz in {args.run}", file=sys.stderr)
        return 2
    sources = [(s, s.folder()) for s in KNOWN.values()]
    for path in [] if args.skip_import else runs:
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
            models / net["name"],
            log["train_images"],
        )
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report(models, paths.weights_dir() / "ensemble.json"))
        print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
