"""Test-split example photos, when a HAM10000 data folder is present (never shipped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from skinscan_ui.serve import paths
from skinscan_ui.serve.labels import CLASSES

PER_CLASS = 12


def test_examples(data_dir: str | None = None) -> dict[str, list[str]]:
    """{dx: [image_id, ...]} from the test split, or {} when no data folder is available."""
    folder = paths.data_dir(data_dir)
    meta_path = folder / "metadata.csv"
    if not meta_path.is_file() or not paths.SPLIT_CSV.is_file():
        return {}
    try:
        meta = pd.read_csv(meta_path, usecols=["image_id", "dx"]).merge(pd.read_csv(paths.SPLIT_CSV), on="image_id")
    except (ValueError, pd.errors.ParserError):
        return {}
    test = meta[meta["split"] == "test"].sort_values("image_id")
    return {
        dx: test[test["dx"] == dx]["image_id"].head(PER_CLASS).tolist() for dx in CLASSES if (test["dx"] == dx).any()
    }


def image_path(image_id: str, data_dir: str | None = None) -> Path:
    return paths.data_dir(data_dir) / "images" / f"{image_id}.jpg"
