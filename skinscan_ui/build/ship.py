"""Ship a model: build every served artefact in a staging folder, check it through the app's own path, swap it in.

    python -m skinscan_ui.build.ship network CARD.json [--default] [--limit N]
    python -m skinscan_ui.build.ship ensemble [--name ensemble] [--members A,B,...] [--default]
    python -m skinscan_ui.build.ship photo-types NAME

`network` takes a trained network (the card and checkpoint `train` wrote, under `.cache/models/` by
default) and runs, in a staging folder beside `weights/`: the LiteRT export with its parity check
(`export`), the not-a-lesion guard (`fit_guard`, recording the network's sha256) and the similar-case
index (`build_neighbors`), each writing its part of the card. `ensemble` runs `build_ensemble` into
the staging folder (members, heads, views, calibration, conformal set, guard, index, exports, card);
without `--members` it rebuilds the shipped ensemble from its own members' checkpoints. Both then fit
the model's photo types (`fit_photo_type`: the dermoscopy / clinical / not-a-lesion detector and the
phone-photo reading). `photo-types` refits only those for a model already shipped, on a staged copy.

Then the staged model is verified end to end: loaded by the serving path (`serve.classifier`, LiteRT
only, integrity manifest checked) and run on every test photo of the sources its card reports, whose
accuracy and balanced accuracy must be the card's within `TOLERANCE`. Only then is the staging folder
completed with the other shipped models and swapped for `weights/` by renaming: a failure at any step
leaves `weights/` as it was. The checkpoint stays out of `weights/`, in `.cache/checkpoints/`.
Nothing else writes to `weights/`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from skinscan_ui.build import build_ensemble, build_neighbors, cards, checkpoints, export, fit_guard, fit_photo_type
from skinscan_ui.build.data import DataError, dataset
from skinscan_ui.build.metrics import evaluate
from skinscan_ui.build.sources import KNOWN
from skinscan_ui.serve import model_store, paths
from skinscan_ui.serve.classifier import Classifier
from skinscan_ui.serve.inference import calibrated
from skinscan_ui.serve.model_store import ModelError

TOLERANCE = 0.01  # served against recorded test figures: the export's rounding, nothing more


class ShipError(RuntimeError):
    """A step failed; `weights/` is unchanged and the message says which step and why."""


def staging_for(weights: Path) -> Path:
    """A fresh folder beside `weights/` (same file system, so the swap is a rename)."""
    staging = weights.parent / f".{weights.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def stage_network(card_path: Path, staging: Path, limit: int | None = None) -> str:
    """Copy a trained network and its card into `staging` and build its export, guard and index there."""
    card = model_store.read_card(card_path)
    if card is None:
        raise ShipError(f"no model card at {paths.relative(card_path)}")
    checkpoint = checkpoints.restore(card_path.parent, Path(card.data["file"]).name, card.sha256)
    shutil.copy(card_path, staging / card_path.name)
    shutil.copy(checkpoint, staging / f"{card.name}.keras")
    staged = str(staging / card_path.name)
    extra = ["--limit", str(limit)] if limit else []
    steps = [
        ("export", export.main, ["--model", staged, *extra]),
        ("guard", fit_guard.main, ["--model", staged, *extra]),
        ("similar-case index", build_neighbors.main, ["--model", staged, *extra]),
        ("photo types", fit_photo_type.main, ["--model", staged, *extra]),
    ]
    for step, run, argv in steps:
        if run(argv) != 0:
            raise ShipError(f"the {step} step failed for {card.name} (see above)")
    checkpoints.cached(staging / f"{card.name}.keras")
    (staging / f"{card.name}.keras").unlink()  # kept in the checkpoint cache, never served
    return card.name


def stage_ensemble(staging: Path, name: str, members: str | None, limit: int | None = None) -> str:
    argv = ["--name", name, "--out", str(staging)] + (["--members", members] if members else [])
    if build_ensemble.main(argv) != 0:
        raise ShipError(f"build_ensemble failed for {name} (see above)")
    return stage_photo_types(staging, name, limit)


def stage_photo_types(staging: Path, name: str, limit: int | None = None) -> str:
    """Fit the photo types of the model staged as `name` (its exports are there)."""
    extra = ["--limit", str(limit)] if limit else []
    if fit_photo_type.main(["--model", str(staging / f"{name}.json"), *extra]) != 0:
        raise ShipError(f"the photo types step failed for {name} (see above)")
    return name


def stage_shipped(weights: Path, staging: Path, name: str) -> None:
    """Copy a shipped model's every file (card, exports, guard, index, pages, plots) into `staging`."""
    card = model_store.find(name, weights)
    model_store.check_integrity(card)
    for file in [*card.files(), f"{name}.md", f"{name}_confusion.png", f"{name}_reliability.png"]:
        if (weights / file).is_file():
            shutil.copy2(weights / file, staging / file)


def verify(name: str, folder: Path, limit: int | None = None) -> dict[str, dict]:
    """Load the staged model as the app does and score it on each source's test photos against its card."""
    try:
        classifier = Classifier.load(name, folder)
    except ModelError as exc:
        raise ShipError(f"the staged {name} does not load through the serving path: {exc}") from None
    if not classifier.guard.active:
        raise ShipError(f"the staged {name} has no not-a-lesion guard")
    found = {}
    sizes = sorted({tuple(classifier.size), *(getattr(classifier.engine, "sizes", None) or [])})
    for source, recorded in classifier.card.test_by_source.items():
        try:  # each photo prepared at every size the model reads, as the app prepares an upload
            parts = {s: dataset(KNOWN[source].folder(), "test", s, KNOWN[source]) for s in sizes}
        except DataError as exc:
            raise ShipError(f"cannot verify {name} on {source}: {exc}") from None
        photos = {s: np.asarray(x[:limit]) for s, (x, _, _) in parts.items()}
        y = parts[sizes[0]][1][:limit]
        logits = np.concatenate(
            [
                classifier.engine.run(
                    {s: a[i : i + 64] for s, a in photos.items()} if len(sizes) > 1 else photos[sizes[0]][i : i + 64]
                ).logits
                for i in range(0, len(y), 64)
            ]
        )
        served = evaluate(y, calibrated(logits, classifier.card.temperature), classifier.card.referral_threshold)
        found[source] = {k: served[k] for k in ("n", "accuracy", "balanced_accuracy")}
        if limit is None:
            for key in ("accuracy", "balanced_accuracy"):
                if abs(served[key] - recorded[key]) > TOLERANCE:
                    raise ShipError(
                        f"the staged {name} scores {key} {served[key]:.3f} on {source} test photos through the "
                        f"serving path, its card says {recorded[key]:.3f} (tolerance {TOLERANCE})"
                    )
    return found


def swap(staging: Path, weights: Path, name: str, make_default: bool) -> None:
    """Complete the staging folder with every other shipped model, then put it in place of `weights/`."""
    old = model_store.read_card(weights / f"{name}.json") if (weights / f"{name}.json").is_file() else None
    replaced = set(old.files()) | {f"{name}.md", f"{name}_confusion.png", f"{name}_reliability.png"} if old else set()
    for path in weights.iterdir():
        if path.is_file() and path.name not in replaced and path.name != "MANIFEST.json":
            if not (staging / path.name).exists():
                shutil.copy2(path, staging / path.name)
    if make_default or not (staging / "DEFAULT").is_file():
        (staging / "DEFAULT").write_text(name + "\n")
    cards.write_manifest(staging)
    previous = weights.parent / f".{weights.name}.previous-{os.getpid()}"
    os.replace(weights, previous)
    os.replace(staging, weights)
    shutil.rmtree(previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="kind", required=True)
    net = sub.add_parser("network", help="a trained network: its card (from train), checkpoint beside it")
    net.add_argument("card", type=Path)
    ens = sub.add_parser("ensemble", help="the served ensemble, through build_ensemble")
    ens.add_argument("--name", default="ensemble")
    ens.add_argument("--members", help="comma-separated members (default: the shipped ensemble's own)")
    types = sub.add_parser("photo-types", help="refit the photo types of a shipped model")
    types.add_argument("name")
    for p in (net, ens, types):
        p.add_argument("--weights", type=Path, help="the served folder (default: weights/)")
        p.add_argument("--default", action="store_true", help="make it the app's default")
        p.add_argument("--limit", type=int, help="use the first N photos of each split (tests; no verification)")
    args = parser.parse_args(argv)

    weights = args.weights or paths.weights_dir()
    staging = staging_for(weights)
    try:
        if args.kind == "network":
            name = stage_network(args.card, staging, args.limit)
        elif args.kind == "ensemble":
            name = stage_ensemble(staging, args.name, args.members, args.limit)
        else:
            stage_shipped(weights, staging, args.name)
            name = stage_photo_types(staging, args.name, args.limit)
        figures = verify(name, staging, args.limit)
        swap(staging, weights, name, args.default)
    except (ShipError, ModelError, DataError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"error: {exc}; {paths.relative(weights)} is unchanged", file=sys.stderr)
        return 1
    print(f"shipped {name} into {paths.relative(weights)}: served test figures {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
