"""Does upsampling past HAM10000's 200x150, or a larger backbone, help? The frozen-feature probe per input.

    python -m bench.resolution_probe [--data DIR] [--variant efficientnet_lite0@150x200 ...]

The photos hold 200x150 pixels of detail, so a larger input adds none; it can still help an
ImageNet backbone, whose filters were learnt on objects that fill a 224-pixel frame. Fine-tuning
at a larger size costs 2-4x the CPU time, so each backbone and input size is first compared as in
`bench.imbalance_probe`: a class-weighted softmax head on frozen ImageNet features, 3 seeds,
validation only. Also prints each variant's feature-extraction time per image (batch 64).
"""

from __future__ import annotations

import argparse
import time

from bench.imbalance_probe import features, head, summarise
from skinscan_ui import paths
from skinscan_ui.data import dataset
from skinscan_ui.models import build

DEFAULT_VARIANTS = (
    "efficientnet_lite0@150x200",
    "efficientnet_lite0@225x300",
    "efficientnet_lite0@300x400",
    "efficientnet_lite2@150x200",
    "efficientnet_lite2@225x300",
)


def parse_variant(text: str) -> tuple[str, tuple[int, int]]:
    """'efficientnet_lite0@225x300' -> ('efficientnet_lite0', (225, 300)), size as (height, width)."""
    name, _, size = text.partition("@")
    height, width = (int(v) for v in size.split("x"))
    return name, (height, width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data")
    parser.add_argument("--variant", action="append", help="BACKBONE@HxW (repeatable)")
    args = parser.parse_args()
    folder = paths.data_dir(args.data)
    print(
        "| backbone | input | val balanced acc. | val accuracy | val melanoma AUC | ms/image (features) |\n"
        "|---|---|---|---|---|---|",
        flush=True,
    )
    for variant in args.variant or DEFAULT_VARIANTS:
        name, size = parse_variant(variant)
        x_train, y_train, _ = dataset(folder, "train", size)
        x_val, y_val, _ = dataset(folder, "val", size)
        model = build(name, input_size=size)
        start = time.perf_counter()
        f_train = features(model, x_train)
        ms = (time.perf_counter() - start) * 1000 / len(x_train)
        f_val = features(model, x_val)
        scores = [head(f_train, y_train, f_val, "weights", seed) for seed in range(3)]
        print(f"| {name} | {size[0]}x{size[1]} | {summarise(y_val, scores)} | {ms:.1f} |", flush=True)


if __name__ == "__main__":
    main()
