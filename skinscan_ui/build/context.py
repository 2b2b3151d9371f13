"""Dataset context: aggregate HAM10000 statistics, derived once from the metadata and committed.

Only counts are kept (never rows), so the file can ship with the app (`serve.context` reads it):
    python -m skinscan_ui.build.context [--data DIR]
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from skinscan_ui.serve import paths
from skinscan_ui.serve.context import AGE_BINS
from skinscan_ui.serve.labels import CLASSES


def build(meta: pd.DataFrame) -> dict:
    """Per-diagnosis counts of images and lesions, ages (5-year bins), sex and body site."""
    per_class = {}
    for dx in CLASSES:
        rows = meta[meta["dx"] == dx]
        ages = pd.to_numeric(rows["age"], errors="coerce").dropna()
        bins = pd.cut(ages, bins=AGE_BINS + [200], right=False, labels=AGE_BINS).value_counts().sort_index()
        per_class[dx] = {
            "images": len(rows),
            "lesions": int(rows["lesion_id"].nunique()),
            "age_bins": {str(k): int(v) for k, v in bins.items()},
            "age_median": float(ages.median()) if len(ages) else None,
            "sex": {str(k): int(v) for k, v in rows["sex"].fillna("unknown").value_counts().items()},
            "site": {str(k): int(v) for k, v in rows["localization"].fillna("unknown").value_counts().items()},
        }
    return {
        "source": "HAM10000 development copy (8,489 images of 6,350 lesions); counts only",
        "images": len(meta),
        "lesions": int(meta["lesion_id"].nunique()),
        "age_bin_width": 5,
        "classes": per_class,
    }


def main(argv: list[str] | None = None) -> int:
    from skinscan_ui.data import metadata_for_cli

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="HAM10000 folder (default: $SKINSCAN_DATA or ../shared/data/ham10000)")
    args = parser.parse_args(argv)
    meta = metadata_for_cli(args.data)
    if meta is None:
        return 2
    paths.CONTEXT_JSON.write_text(json.dumps(build(meta), indent=1) + "\n")
    print(f"wrote {paths.relative(paths.CONTEXT_JSON)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
