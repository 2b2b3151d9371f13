"""Data sources on disk: labels checks, the lesion-grouped splits, and the decoded-image cache."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from skinscan_ui.build.sources import HAM10000, Source
from skinscan_ui.serve import paths
from skinscan_ui.serve.images import prepare, read_file
from skinscan_ui.serve.labels import CLASSES

REQUIRED = ("lesion_id", "image_id", "dx")
SPLITS = ("train", "val", "test")


class DataError(RuntimeError):
    """The data folder is missing or malformed; the message names what is wrong."""


def read_metadata(folder: Path, source: Source = HAM10000) -> pd.DataFrame:
    """The labels file of a source's folder, checked: required columns, known classes, images present.

    A blank `lesion_id` (ISIC 2017 has them) makes the image its own lesion.
    """
    meta_path = folder / source.labels
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist (set --data or {source.env})")
    if not meta_path.is_file():
        raise DataError(f"{meta_path} is missing: the data folder needs {source.labels} and images/")
    try:
        meta = pd.read_csv(meta_path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{meta_path} is not a readable CSV ({exc})") from None
    missing = [c for c in REQUIRED if c not in meta.columns]
    if missing:
        raise DataError(f"{meta_path} lacks the column(s) {', '.join(missing)}")
    unknown = sorted(set(meta["dx"]) - set(CLASSES))
    if unknown:
        raise DataError(f"{meta_path} has unknown diagnoses {unknown}")
    images = folder / "images"
    if not images.is_dir():
        raise DataError(f"{images} is missing: the data folder needs images/<image_id>.jpg")
    absent = [i for i in meta["image_id"] if not (images / f"{i}.jpg").is_file()]
    if absent:
        raise DataError(f"{len(absent)} image(s) listed in {source.labels} are missing, e.g. {absent[0]}.jpg")
    meta["lesion_id"] = meta["lesion_id"].where(meta["lesion_id"].notna(), meta["image_id"])
    return meta


def metadata_for_cli(flag: str | None) -> pd.DataFrame | None:
    """The metadata for a command-line tool, or None after printing the one-line error."""
    try:
        return read_metadata(paths.data_dir(flag))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def split_lesions(
    meta: pd.DataFrame, fractions: tuple[float, float] = (0.15, 0.15), seed: int = 2018, group: str = "lesion_id"
) -> pd.Series:
    """train/val/test per image, grouped by lesion (or by `group`, e.g. patient) and stratified by diagnosis.

    Every image of a lesion lands in one part, so near-duplicate photos never leak between
    training and testing; each diagnosis is divided in the same proportions. A patient with
    several lesions is stratified by the diagnosis of its first photo.
    """
    rng = np.random.default_rng(seed)
    lesions = meta.groupby(group)["dx"].first()
    part: dict[str, str] = {}
    for dx in CLASSES:
        ids = np.array(sorted(lesions.index[lesions == dx]))
        rng.shuffle(ids)
        n_val, n_test = (round(len(ids) * f) for f in fractions)
        for i, lesion in enumerate(ids):
            part[lesion] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return meta[group].map(part).rename("split")


def split_by_challenge(meta: pd.DataFrame) -> pd.Series:
    """ISIC 2017's own parts, with every image of a lesion moved to the latest part any of them is in.

    The challenge's test part stays whole (it only gains), and no lesion crosses parts.
    """
    order = {part: i for i, part in enumerate(SPLITS)}
    rank = meta["isic2017_split"].map(order).groupby(meta["lesion_id"]).transform("max")
    return rank.map(dict(enumerate(SPLITS))).rename("split")


def load_split(path: Path = paths.SPLIT_CSV) -> pd.DataFrame:
    """A committed split (image_id, split) every model is trained and compared on."""
    return pd.read_csv(path)


def data_hash(folder: Path, source: Source = HAM10000) -> str:
    """sha256 over the labels file and every image's bytes, so a model card pins the exact data."""
    h = hashlib.sha256((folder / source.labels).read_bytes())
    for f in sorted((folder / "images").glob("*.jpg")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def cached_images(folder: Path, image_ids: list[str], size: tuple[int, int]) -> np.ndarray:
    """Decoded, resized uint8 images (N, H, W, 3), built once and kept in the cache folder."""
    key = hashlib.sha256(("\n".join(image_ids) + f"|{size}|{folder.resolve()}").encode()).hexdigest()[:16]
    path = paths.CACHE_DIR / f"images_{size[0]}x{size[1]}_{key}.npy"
    if path.is_file():
        return np.load(path, mmap_mode="r")
    from tqdm import tqdm

    out = np.empty((len(image_ids), *size, 3), dtype=np.uint8)
    for i, image_id in enumerate(tqdm(image_ids, desc=f"caching {size[0]}x{size[1]}", unit="img")):
        out[i] = prepare(read_file(str(folder / "images" / f"{image_id}.jpg")), size)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")  # test workers may build the same cache at once
    np.save(tmp, out)
    tmp.rename(path)
    return out


def dataset(
    folder: Path, part: str, size: tuple[int, int], source: Source = HAM10000
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Images, integer labels and metadata rows of one part of a source's committed split."""
    meta = read_metadata(folder, source)
    split = load_split(source.split_csv)
    meta = meta.merge(split, on="image_id", how="inner")
    rows = meta[meta["split"] == part].sort_values("image_id").reset_index(drop=True)
    x = cached_images(folder, rows["image_id"].tolist(), size)
    y = rows["dx"].map(CLASSES.index).to_numpy(np.int64)
    return x, y, rows


def pooled(
    sources: list[tuple[Source, Path]], part: str, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """One part of several sources stacked, with a `source` column saying where each row came from."""
    parts = [dataset(folder, part, size, source) for source, folder in sources]
    rows = pd.concat(
        [r.assign(source=s.name) for (s, _), (_, _, r) in zip(sources, parts, strict=True)], ignore_index=True
    )
    return np.concatenate([x for x, _, _ in parts]), np.concatenate([y for _, y, _ in parts]), rows
