"""Write a source's committed lesion-grouped split.

    python -m skinscan_ui.build.make_split [--source NAME] [--data DIR]


HAM10000: 15% of lesions to validation and 15% to test, stratified by diagnosis. ISIC 2017: the
challenge's own parts, a lesion that crosses parts moved whole into the latest of them.
PAD-UFES-20: 15% of patients to validation and 15% to test (a patient has several lesions).
"""

from __future__ import annotations

import argparse
import sys

from skinscan_ui.build.data import DataError, read_metadata, split_by_challenge, split_lesions
from skinscan_ui.build.sources import KNOWN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", choices=sorted(KNOWN), default="ham10000")
    parser.add_argument("--data", help="the source's folder (default: its environment variable or ../shared/data/NAME)")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    source = KNOWN[args.source]
    try:
        meta = read_metadata(source.folder(args.data), source)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta["split"] = (
        split_by_challenge(meta)
        if "isic2017_split" in meta
        else split_lesions(meta, seed=args.seed, group=source.group)
    )
    meta[["image_id", "split"]].sort_values("image_id").to_csv(source.split_csv, index=False)
    print(meta.groupby(["split", "dx"]).size().unstack(fill_value=0).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
