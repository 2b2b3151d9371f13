"""Can validation tell two member sets of the served ensemble apart? Paired, on resampled lesions.

    python -m bench.member_sets efficientnet_lite0_v1,efficientnet_lite0,RUN_A.keras efficientnet_lite0_v1,efficientnet_lite0,RUN_B.keras

Each member's head is fitted as `build_ensemble` fits it (features from `.cache/features`, computed
there first when missing; C chosen on validation log loss; on the training views `--fit-views-a` /
`--fit-views-b`); both ensembles are scored on the same pooled validation lesions, drawn whole, 2,000
rounds (`metrics.paired_bootstrap`). `--source-weights-b isic2017=2` weighs set B's training photos of a
source up (`fit_head`'s `source_weights`); `--views-b 0` serves set B on the photo alone (four members
on one view cost fewer passes than three on two). Prints, for balanced accuracy, accuracy, melanoma AUC and log
loss, each set's figure, B - A with its 95% interval and how often B came out ahead; then the same
four figures for each set on each source's validation part alone.
"""

from __future__ import annotations

import argparse
from functools import cache

import numpy as np

from skinscan_ui.build_ensemble import cached_network, fit_head
from skinscan_ui.metrics import headline, paired_bootstrap


def weights(text: str) -> dict[str, float]:
    """'isic2017=2,ham10000=1' -> {'isic2017': 2.0, 'ham10000': 1.0}."""
    try:
        return {name.strip(): float(w) for name, w in (item.split("=") for item in text.split(",") if item)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not SOURCE=WEIGHT[,SOURCE=WEIGHT]") from None


def indices(text: str) -> list[int]:
    """'0,3' -> [0, 3]: views, as indices of ensemble.FLIPS."""
    return [int(v) for v in text.split(",")]


def report(
    y: np.ndarray, probs_a: np.ndarray, probs_b: np.ndarray, lesions: np.ndarray, source: np.ndarray, rounds: int
) -> None:
    """Print B - A on resampled validation lesions, then each set's figures on each source alone."""
    for metric, r in paired_bootstrap(y, probs_a, probs_b, lesions, rounds).items():
        print(
            f"{metric}: A {r['a']:.4f}, B {r['b']:.4f}, B - A {r['delta']:+.4f} [{r['low']:+.4f}, {r['high']:+.4f}], "
            f"B ahead in {r['b_ahead']:.0%}"
        )
    for name in sorted(set(source)):
        mask = source == name
        for k, probs in (("A", probs_a), ("B", probs_b)):
            figures = headline(y[mask], probs[mask])
            print(f"{name} validation, set {k}: " + ", ".join(f"{m} {v:.4f}" for m, v in figures.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", help="comma-separated members, as build_ensemble --members takes them")
    parser.add_argument("b")
    parser.add_argument("--views", default="0,3", help="served views of both sets, indices of ensemble.FLIPS")
    parser.add_argument(
        "--views-b", help="set B's served views, where they differ (e.g. 0: more members, fewer passes)"
    )
    parser.add_argument("--fit-views-a", default="0", help="training views set A's heads are fitted on")
    parser.add_argument("--fit-views-b", default="0")
    parser.add_argument("--source-weights-a", type=weights, default={}, help="e.g. isic2017=2 (default: 1 each)")
    parser.add_argument("--source-weights-b", type=weights, default={})
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    sets = {"a": args.a.split(","), "b": args.b.split(",")}
    views = {"a": indices(args.views), "b": indices(args.views_b or args.views)}
    fit_views = {"a": indices(args.fit_views_a), "b": indices(args.fit_views_b)}
    keys = {
        m: cached_network(m, sorted({*views["a"], *views["b"], *fit_views["a"], *fit_views["b"]})).key
        for m in dict.fromkeys(sets["a"] + sets["b"])
    }
    # a member fitted alike in both sets is fitted once
    head = cache(lambda m, served, fit, w: fit_head(keys[m], list(served), list(fit), dict(w)))
    source_weights = {"a": args.source_weights_a, "b": args.source_weights_b}
    heads = {
        k: {m: head(m, tuple(views[k]), tuple(fit_views[k]), tuple(sorted(source_weights[k].items()))) for m in ms}
        for k, ms in sets.items()
    }
    val = heads["a"][sets["a"][0]]["data"]["val"]
    y, lesions = val["y"], np.asarray(val["lesion"])
    probs = {k: np.mean([h["probs"]["val"] for h in heads[k].values()], axis=0) for k in sets}

    report(y, probs["a"], probs["b"], lesions, val["source"], args.rounds)


if __name__ == "__main__":
    main()
