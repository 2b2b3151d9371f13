"""Several data sources through one loader, with the same checks, and a split that keeps lesions whole."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image
from tiny import synthetic

from skinscan_ui.build.data import DataError, read_metadata, split_by_challenge
from skinscan_ui.build.sources import HAM10000, ISIC2017, named


def _folder(tmp_path, source, rows: pd.DataFrame):
    folder = tmp_path / source.name
    (folder / "images").mkdir(parents=True)
    for image_id in rows["image_id"]:
        Image.fromarray(synthetic(1)[0][0]).save(folder / "images" / f"{image_id}.jpg")
    rows.to_csv(folder / source.labels, index=False)
    return folder


def test_two_sources_load_through_one_loader(tmp_path):
    ham = pd.DataFrame({"lesion_id": ["L1", "L1", "L2"], "image_id": ["a", "b", "c"], "dx": ["nv", "nv", "mel"]})
    isic = pd.DataFrame(
        {"image_id": ["x", "y"], "dx": ["bkl", "mel"], "lesion_id": [None, "Q"], "isic2017_split": ["train", "test"]}
    )
    h = read_metadata(_folder(tmp_path, HAM10000, ham), HAM10000)
    i = read_metadata(_folder(tmp_path, ISIC2017, isic), ISIC2017)
    assert list(h["lesion_id"]) == ["L1", "L1", "L2"]
    assert list(i["lesion_id"]) == ["x", "Q"], "an image without a lesion id is its own lesion"
    assert [s.name for s in named("ham10000,isic2017")] == ["ham10000", "isic2017"]


def test_a_missing_labels_file_names_the_source_file(tmp_path):
    (tmp_path / "isic").mkdir()
    with pytest.raises(DataError, match="labels.csv is missing"):
        read_metadata(tmp_path / "isic", ISIC2017)
    with pytest.raises(KeyError, match="unknown data source"):
        named("ham10000,ph2")


def test_a_lesion_never_crosses_parts_and_the_challenge_test_part_stays_whole():
    meta = pd.DataFrame(
        {
            "image_id": ["a", "b", "c", "d", "e"],
            "lesion_id": ["L", "L", "M", "M", "e"],
            "isic2017_split": ["train", "test", "val", "train", "val"],
        }
    )
    split = split_by_challenge(meta)
    assert list(split) == ["test", "test", "val", "val", "val"]
    assert (split[meta["isic2017_split"] == "test"] == "test").all()
