"""Pack everything a lent GPU needs for one training call into one ignored folder.

    python -m skinscan_ui.build.gpu_pack [--out .gpu_pack] [--limit N] [--no-wheels]

A device call carries at most 64 MiB and reaches nothing outside its machine, so the folder holds:
- `code/`: this package's modules (the training code the run imports);
- `data/<source>_<part>.bin` + `.json`: the training and validation photos of every source, encoded
  once (HAM10000 as its original JPEG bytes, already at 150x200; ISIC 2017 and PAD-UFES-20 as their
  4:3 centre crop at 150x200 and 180x240 in WebP at quality 90, the crop `images.prepare` takes), with labels
  and ids; test
  photos stay here, where the returned networks are evaluated;
- `backbones/<name>.json` + `.npz`: the ImageNet backbones' architecture and float16 weights;
- `wheels/`: Keras and what it needs beyond the device's own packages (for Python 3.12, x86-64);
- `pack.json`: what it holds, with sizes.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from skinscan_ui.build.data import DataError, load_split, read_metadata
from skinscan_ui.build.sources import HAM10000, ISIC2017, PAD_UFES20, Source
from skinscan_ui.serve import paths
from skinscan_ui.serve.images import prepare, read_file
from skinscan_ui.serve.labels import CLASSES

PACK_DIR = paths.ROOT / ".gpu_pack"
PARTS = ("train", "val")
# (height, width) each source is stored at; None keeps the original file's bytes.
STORED: dict[str, tuple[int, int] | None] = {
    HAM10000.name: None,
    ISIC2017.name: (150, 200),
    PAD_UFES20.name: (180, 240),
}
BACKBONES = ("efficientnet_lite0", "efficientnet_lite2")
# Keras 3 and the packages it needs that the device's image lacks (KINDS.md lists what it has).
WHEELS = ("keras==3.15.1", "namex==0.1.0", "optree==0.20.0")
LIMIT_MIB = 60


def encode(path: Path, size: tuple[int, int] | None) -> bytes:
    """One photo as stored: the original bytes, or its 4:3 centre crop at `size` in WebP, quality 90."""
    if size is None:
        return path.read_bytes()
    buf = io.BytesIO()
    Image.fromarray(prepare(read_file(str(path)), size)).save(buf, "WEBP", quality=90)
    return buf.getvalue()


def pack_source(source: Source, out: Path, limit: int | None) -> dict[str, int]:
    """Write one source's training and validation parts; return their image counts."""
    folder = source.folder()
    meta = read_metadata(folder, source).merge(load_split(source.split_csv), on="image_id")
    counts = {}
    for part in PARTS:
        rows = meta[meta["split"] == part].sort_values("image_id")
        if limit:
            rows = rows.iloc[:: max(1, len(rows) // limit)].iloc[:limit]
        blobs = [encode(folder / "images" / f"{i}.jpg", STORED[source.name]) for i in rows["image_id"]]
        offsets = np.cumsum([0, *map(len, blobs)]).tolist()
        (out / f"{source.name}_{part}.bin").write_bytes(b"".join(blobs))
        index = {
            "image_id": rows["image_id"].tolist(),
            "y": [CLASSES.index(d) for d in rows["dx"]],
            "offsets": offsets,
            "stored_size": STORED[source.name],
        }
        (out / f"{source.name}_{part}.json").write_text(json.dumps(index))
        counts[part] = len(rows)
    return counts


def pack_backbone(name: str, out: Path) -> None:
    """Architecture as JSON and weights as float16: half the bytes, and fine-tuning starts from them."""
    import keras

    model = keras.models.load_model(paths.imagenet_dir() / f"{name}_imagenet_notop.keras", compile=False)
    (out / f"{name}.json").write_text(model.to_json())
    np.savez_compressed(out / f"{name}.npz", *[w.astype(np.float16) for w in model.get_weights()])


def download_wheels(out: Path) -> None:
    platforms = [f"--platform={p}" for p in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version=3.12"]
        + ["--implementation=cp", *platforms, "-d", str(out), *WHEELS],
        check=True,
    )


def mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PACK_DIR)
    parser.add_argument("--limit", type=int, help="at most N photos of each source and part (a dry run)")
    parser.add_argument("--no-wheels", action="store_true", help="leave Keras out (where the run's Python has it)")
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    for sub in ("code", "data", "backbones", "wheels"):
        (args.out / sub).mkdir(parents=True)
    shutil.copytree(paths.ROOT / "skinscan_ui", args.out / "code" / "skinscan_ui", ignore=_not_code)
    try:
        counts = {s.name: pack_source(s, args.out / "data", args.limit) for s in (HAM10000, ISIC2017, PAD_UFES20)}
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name in BACKBONES:
        pack_backbone(name, args.out / "backbones")
    if not args.no_wheels:
        download_wheels(args.out / "wheels")
    sizes = {sub: round(mib(args.out / sub), 2) for sub in ("code", "data", "backbones", "wheels")}
    summary = {"images": counts, "stored_size": STORED, "mib": sizes, "total_mib": round(sum(sizes.values()), 2)}
    (args.out / "pack.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    if summary["total_mib"] > LIMIT_MIB:
        print(f"error: the pack is {summary['total_mib']} MiB, over {LIMIT_MIB} MiB", file=sys.stderr)
        return 1
    return 0


def _not_code(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not (n.endswith(".py") or Path(folder, n).is_dir()) or n == "__pycache__"]


if __name__ == "__main__":
    raise SystemExit(main())
