"""Pooled features and logits of every image of every source, per network and view, cached on disk.

    python -m skinscan_ui.build.feature_cache MODEL [MODEL ...] [--views 0,1,2,3] [--colour plain,grey]

Refitting a head, choosing ensemble members and fitting the guard all read the same forward passes:
a LiteRT pass of Lite0 costs about 4 ms an image here, and 11,234 images by 4 flips add up. A view
is an index into `ensemble.FLIPS`; 'grey' feeds the photos through `colour.ShadesOfGrey` first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from skinscan_ui.build.data import SPLITS, pooled
from skinscan_ui.build.sources import SOURCES
from skinscan_ui.serve import paths
from skinscan_ui.serve.engine import Engine
from skinscan_ui.serve.ensemble import FLIPS

FEATURES_DIR = paths.CACHE_DIR / "features"


def feature_path(model: str, part: str, view: int, colour: str = "plain") -> Path:
    return FEATURES_DIR / f"{model}_{part}_v{view}_{colour}.npz"


def extract(
    model: str, engine: Engine, size: tuple[int, int], views: list[int], colours: list[str], batch: int = 64
) -> None:
    """Fill the cache for one network (named `model`) run by `engine` at input `size`."""
    from skinscan_ui.build.colour import ShadesOfGrey

    grey = ShadesOfGrey()
    sources = [(s, s.folder()) for s in SOURCES.values()]
    for part in SPLITS:
        todo = [(c, v) for c in colours for v in views if not feature_path(model, part, v, c).is_file()]
        if not todo:
            continue
        x, y, rows = pooled(sources, part, size)
        for colour, view in todo:
            feats, logits = [], []
            for start in range(0, len(x), batch):
                chunk = np.asarray(x[start : start + batch], np.float32)
                if colour == "grey":
                    chunk = np.asarray(grey(chunk))
                if FLIPS[view]:
                    chunk = np.ascontiguousarray(np.flip(chunk, FLIPS[view]))
                out = engine.run(chunk)
                feats.append(out.features)
                logits.append(out.logits)
            path = feature_path(model, part, view, colour)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                path,
                features=np.concatenate(feats).astype(np.float32),
                logits=np.concatenate(logits).astype(np.float32),
                y=y,
                source=rows["source"].to_numpy(str),
                lesion=rows["lesion_id"].to_numpy(str),
                image_id=rows["image_id"].to_numpy(str),
            )
            print(f"{model} {part} view {view} {colour}: {len(x)} images", flush=True)


def load(model: str, part: str, views: list[int], colour: str = "plain") -> dict[str, np.ndarray]:
    """One part's cached rows: labels, source, lesion and image ids, and (views, N, D) features / logits."""
    parts = [np.load(feature_path(model, part, v, colour)) for v in views]
    out = {k: parts[0][k] for k in ("y", "source", "lesion", "image_id")}
    out["features"] = np.stack([p["features"] for p in parts])
    out["logits"] = np.stack([p["logits"] for p in parts])
    return out


def main() -> None:
    from skinscan_ui.serve import model_store
    from skinscan_ui.serve.engine import LiteEngine

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="shipped model names (their LiteRT exports run)")
    parser.add_argument("--views", default="0")
    parser.add_argument("--colour", default="plain")
    args = parser.parse_args()
    for name in args.models:
        card = model_store.find(name)
        engine = LiteEngine(model_store.litert_file(card))
        extract(name, engine, card.input_size, [int(v) for v in args.views.split(",")], args.colour.split(","))


if __name__ == "__main__":
    main()
