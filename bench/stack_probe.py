"""Does one head on the members' joined features beat the served average of their own heads? Validation only.

    python -m bench.stack_probe [efficientnet_lite0_v1,weights/ensemble_0.keras,weights/ensemble_2.keras]

A (as served): each member's L2 logistic head fitted alone (`build_ensemble.fit_head`), the members'
probabilities averaged. B (stacked): one L2 logistic head on the members' pooled features side by
side, so the fit weighs the members against each other; its C chosen on pooled validation log loss
from `build_ensemble.C_GRID` and one step below it. Served as a sum of per-member Dense heads, B
would keep one-pass Grad-CAM (the joint head's slice for each member). Both on the photo and its
180-degree turn, scored on the same resampled validation lesions (`metrics.paired_bootstrap`).
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.member_sets import report
from skinscan_ui.build_ensemble import C_GRID, cached_network, fit_head, flip_mean
from skinscan_ui.calibration import nll
from skinscan_ui.feature_cache import load
from skinscan_ui.heads import fit_logistic, logits
from skinscan_ui.training import class_weights

VIEWS = [0, 3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "members", nargs="?", default="efficientnet_lite0_v1,weights/ensemble_0.keras,weights/ensemble_2.keras"
    )
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    keys = [cached_network(m, VIEWS).key for m in args.members.split(",")]

    served = np.mean([fit_head(k, VIEWS)["probs"]["val"] for k in keys], axis=0)

    def joined(part: str) -> dict:
        parts = [load(k, part, VIEWS) for k in keys]
        return {**parts[0], "features": np.concatenate([p["features"] for p in parts], axis=-1)}

    train, val = joined("train"), joined("val")
    y = train["y"]
    per_class = class_weights(y, 1.0)
    weight = np.array([per_class[i] for i in y])
    best = None
    for c in (C_GRID[0] / 3, *C_GRID):
        kernel, bias = fit_logistic(train["features"][0], y, c, weight)
        probs = flip_mean(np.stack([logits(f, kernel, bias) for f in val["features"]]))
        loss = nll(probs, val["y"])
        print(f"stacked head, C={c:g}: validation log loss {loss:.4f}", flush=True)
        if best is None or loss < best[0]:
            best = (loss, c, probs)
    _, c, stacked = best
    print(f"set A: the served average of {len(keys)} heads; set B: the stacked head, C={c:g}")
    report(val["y"], served, stacked, np.asarray(val["lesion"]), val["source"], args.rounds)


if __name__ == "__main__":
    main()
