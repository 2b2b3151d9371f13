"""Should checkpoint B replace checkpoint A? Their difference on validation, with its noise, lesions resampled.

    python -m bench.compare A.keras B.keras [--flips] [--rounds 2000] [--data DIR]

Validation has 15 dermatofibromas and 18 vascular lesions, so one model can lead another by a few
points of balanced accuracy by the luck of which lesions were drawn. A paired bootstrap over
validation lesions (`metrics.paired_bootstrap`) says how often B would still lead A on a fresh draw
of lesions like these; the shipping decision reads validation, and test is printed beside it for the
record. Plain softmax (as the app serves it) unless `--flips`; each model at its own input size.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.teacher_probe import PARTS, predictions
from skinscan_ui.build.data import dataset
from skinscan_ui.build.metrics import paired_bootstrap
from skinscan_ui.build.models import REGISTRY
from skinscan_ui.serve import paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--flips", action="store_true", help="average each model's softmax over the four flips")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--data")
    args = parser.parse_args()
    folder = paths.data_dir(args.data)
    a, b = predictions(args.a, folder, args.flips), predictions(args.b, folder, args.flips)
    print(f"B = {args.b} against A = {args.a} ({'4 flips' if args.flips else 'plain'}), {args.rounds} rounds")
    print("| split | metric | A | B | B - A | 95% interval | B ahead in |\n|---|---|---|---|---|---|---|")
    for part in PARTS:
        _, y, rows = dataset(folder, part, REGISTRY["efficientnet_lite0"].input_size)
        result = paired_bootstrap(y, a[part], b[part], rows["lesion_id"].to_numpy(), args.rounds)
        for metric, r in result.items():
            print(
                f"| {part} | {metric} | {r['a']:.3f} | {r['b']:.3f} | {r['delta']:+.3f} | "
                f"{r['low']:+.3f} .. {r['high']:+.3f} | {r['b_ahead']:.0%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
