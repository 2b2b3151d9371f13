"""What storing a guard's whitening in float16 moves: decisions against the float32 guard it replaced.

    python -m bench.guard_rounding [--commit 0ba54a0] [--models ensemble,efficientnet_lite0,skinscan]

The float32 guards (their full precision matrices) are read from the commit that last shipped them; the
shipped float16 ones from weights/. Both judge the validation and test photos of all three sources and
the non-lesion images; the figures each card records under `ood.float16_storage` are this script's.
Needs ../shared and the repository's history.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess

import numpy as np

from skinscan_ui.build.data import dataset
from skinscan_ui.build.nonlesion import non_lesions
from skinscan_ui.build.sources import KNOWN
from skinscan_ui.serve import paths
from skinscan_ui.serve.engine import LiteEngine
from skinscan_ui.serve.images import prepare
from skinscan_ui.serve.model_store import read_card
from skinscan_ui.serve.ood import Guard, Whitened, whitening


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commit", default="0ba54a0")
    parser.add_argument("--models", default="ensemble,efficientnet_lite0,skinscan")
    args = parser.parse_args()
    weights = paths.weights_dir()
    for name in args.models.split(","):
        card = read_card(weights / f"{name}.json")
        blob = subprocess.run(
            ["git", "-C", str(paths.ROOT), "show", f"{args.commit}:weights/{name}.ood.npz"], capture_output=True
        ).stdout
        old = np.load(io.BytesIO(blob))
        new = Guard.for_model(card.path, card.sha256)
        before = Whitened(old["means"], whitening(old["precision"]))
        after = Whitened(new.means, new.factor)
        threshold = float(old["threshold"])
        lite = weights / (card.members[0]["tflite"] if card.members else f"{name}.tflite")
        size = tuple(card.members[0].get("input_size", card.input_size)) if card.members else card.input_size
        engine = LiteEngine(lite)  # the guard reads the first member's features of the photo as it is

        def moved(x: np.ndarray, engine=engine, before=before, after=after, threshold=threshold) -> int:
            f = np.concatenate([engine.run(x[i : i + 64]).features for i in range(0, len(x), 64)])
            return int(((before.distance(f) <= threshold) != (after.distance(f) <= threshold)).sum())

        photos, changed = 0, 0
        for source in ("ham10000", "isic2017", "pad_ufes20"):
            for part in ("val", "test"):
                x = np.asarray(dataset(KNOWN[source].folder(), part, size, KNOWN[source])[0])
                photos, changed = photos + len(x), changed + moved(x)
        others = np.stack([prepare(im, size) for im in non_lesions().values()])
        print(
            json.dumps(
                {
                    name: {
                        "photos": photos,
                        "moved": changed,
                        "non_lesions": len(others),
                        "non_lesions_moved": moved(others),
                    }
                }
            )
        )


if __name__ == "__main__":
    main()
