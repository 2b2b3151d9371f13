"""Can validation tell two member sets of the served ensemble apart? Paired, on resampled lesions.

    python -m bench.member_sets efficientnet_lite0_v1,efficientnet_lite0,RUN_A.keras efficientnet_lite0_v1,efficientnet_lite0,RUN_B.keras

Each member's head is fitted as `build_ensemble` fits it (features from `.cache/features`, C chosen on
validation log loss); both ensembles are scored on the same pooled validation lesions, drawn whole,
2,000 rounds. Prints each set's validation log loss, B - A with its 95% interval and how often B
came out ahead, then the same for balanced accuracy, accuracy and melanoma AUC.
"""

from __future__ import annotations

import argparse

import numpy as np

from skinscan_ui.build_ensemble import _key, fit_head
from skinscan_ui.calibration import nll
from skinscan_ui.metrics import paired_bootstrap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", help="comma-separated members, as build_ensemble --members takes them")
    parser.add_argument("b")
    parser.add_argument("--views", default="0,3")
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    views = [int(v) for v in args.views.split(",")]
    sets = {"a": args.a.split(","), "b": args.b.split(",")}
    heads = {m: fit_head(_key(m), views) for m in dict.fromkeys(sets["a"] + sets["b"])}
    val = heads[sets["a"][0]]["data"]["val"]
    y, lesions = val["y"], np.asarray(val["lesion"])
    probs = {k: np.mean([heads[m]["probs"]["val"] for m in ms], axis=0) for k, ms in sets.items()}

    ids, index = np.unique(lesions, return_inverse=True)
    rng = np.random.default_rng(0)
    deltas = []
    for _ in range(args.rounds):
        rows = np.concatenate([np.flatnonzero(index == i) for i in rng.integers(0, len(ids), len(ids))])
        deltas.append(nll(probs["b"][rows], y[rows]) - nll(probs["a"][rows], y[rows]))
    low, high = np.percentile(deltas, [2.5, 97.5])
    print(f"validation log loss: A {nll(probs['a'], y):.4f}, B {nll(probs['b'], y):.4f}")
    print(
        f"  B - A {nll(probs['b'], y) - nll(probs['a'], y):+.4f} [{low:+.4f}, {high:+.4f}], "
        f"B lower in {np.mean(np.array(deltas) < 0):.0%} of rounds"
    )
    for metric, r in paired_bootstrap(y, probs["a"], probs["b"], lesions, args.rounds).items():
        print(
            f"{metric}: A {r['a']:.4f}, B {r['b']:.4f}, B - A {r['delta']:+.4f} [{r['low']:+.4f}, {r['high']:+.4f}], "
            f"B ahead in {r['b_ahead']:.0%}"
        )


if __name__ == "__main__":
    main()
