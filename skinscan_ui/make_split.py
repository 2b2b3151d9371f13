"""Write the committed lesion-grouped split: `python -m skinscan_ui.make_split [--data DIR]`."""

from __future__ import annotations

import argparse

from skinscan_ui import paths
from skinscan_ui.data import metadata_for_cli, split_lesions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    meta = metadata_for_cli(args.data)
    if meta is None:
        return 2
    meta["split"] = split_lesions(meta, seed=args.seed)
    meta[["image_id", "split"]].sort_values("image_id").to_csv(paths.SPLIT_CSV, index=False)
    print(meta.groupby(["split", "dx"]).size().unstack(fill_value=0).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
