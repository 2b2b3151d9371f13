"""The lesion-grouped split: no lesion in two parts, every diagnosis divided alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import needs_data

from skinscan_ui.build.data import DataError, load_split, read_metadata, split_lesions
from skinscan_ui.serve import paths
from skinscan_ui.serve.labels import CLASSES


def synthetic_metadata(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(600):
        dx = CLASSES[min(int(rng.exponential(1.5)), 6)]
        for j in range(rng.integers(1, 4)):  # several photos of one lesion, as in HAM10000
            rows.append({"lesion_id": f"L{i}", "image_id": f"I{i}_{j}", "dx": dx})
    return pd.DataFrame(rows)


def test_no_lesion_in_two_parts():
    meta = synthetic_metadata()
    meta["split"] = split_lesions(meta)
    assert (meta.groupby("lesion_id")["split"].nunique() == 1).all()
    assert set(meta["split"]) == {"train", "val", "test"}


def test_split_is_stratified_and_reproducible():
    meta = synthetic_metadata()
    split = split_lesions(meta, seed=7)
    assert split.equals(split_lesions(meta, seed=7))
    assert not split.equals(split_lesions(meta, seed=8))
    lesions = meta.assign(split=split).groupby("lesion_id").first()
    for dx in CLASSES:
        parts = lesions[lesions["dx"] == dx]["split"].value_counts()
        n = parts.sum()
        assert parts.get("test", 0) == round(0.15 * n) and parts.get("val", 0) == round(0.15 * n), dx


def test_missing_or_malformed_folder_is_named(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_metadata(tmp_path / "nowhere")
    with pytest.raises(DataError, match="metadata.csv is missing"):
        read_metadata(tmp_path)
    (tmp_path / "metadata.csv").write_text("image_id,dx\nA,nv\n")
    with pytest.raises(DataError, match="lesion_id"):
        read_metadata(tmp_path)
    (tmp_path / "metadata.csv").write_text("lesion_id,image_id,dx\nL,A,cancer\n")
    with pytest.raises(DataError, match="unknown diagnoses"):
        read_metadata(tmp_path)


def test_committed_split_covers_every_image_once():
    split = load_split()
    assert split["image_id"].is_unique
    assert set(split["split"]) == {"train", "val", "test"}
    assert list(split.columns) == ["image_id", "split"], "ids only: no metadata is committed"


@needs_data
def test_committed_split_has_no_leak_on_the_real_data():
    meta = read_metadata(paths.data_dir()).merge(load_split(), on="image_id")
    assert len(meta) == len(load_split())
    assert (meta.groupby("lesion_id")["split"].nunique() == 1).all()
    assert (meta.groupby("split")["dx"].nunique() == 7).all()
