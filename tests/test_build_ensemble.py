"""Choosing the ensemble's members: greedy on validation log loss, within the size asked for."""

from __future__ import annotations

import numpy as np

from skinscan_ui.build.build_ensemble import greedy
from skinscan_ui.build.calibration import nll


def head(true_share: list[float]) -> dict:
    """A member whose validation probability of the true class (class 0) is given per photo."""
    p = np.array([[s, *[(1 - s) / 6] * 6] for s in true_share])
    return {"probs": {"val": p}}


Y = np.zeros(2, int)
HEADS = {
    "sure_of_first": head([0.95, 0.05]),  # right on one photo, badly wrong on the other
    "sure_of_second": head([0.05, 0.95]),
    "middling": head([0.4, 0.4]),  # the best alone
    "poor": head([0.2, 0.2]),
}


def test_greedy_starts_from_the_best_alone_and_adds_what_complements_it():
    assert nll(HEADS["middling"]["probs"]["val"], Y) < nll(HEADS["sure_of_first"]["probs"]["val"], Y)
    _, trail = greedy(list(HEADS), HEADS, Y, minimum=1, maximum=4)
    order = trail[-1][0]
    assert order[0] == "middling"
    assert set(order[1:3]) == {"sure_of_first", "sure_of_second"}, "the pair that cancels out comes next"
    assert order[3] == "poor"


def test_the_shipped_prefix_has_the_lowest_loss_within_the_sizes_allowed():
    losses = {len(c): loss for c, loss in greedy(list(HEADS), HEADS, Y, minimum=1, maximum=4)[1]}
    for low, high in ((1, 4), (1, 2), (2, 2), (4, 4)):
        chosen, _ = greedy(list(HEADS), HEADS, Y, minimum=low, maximum=high)
        assert low <= len(chosen) <= high
        assert losses[len(chosen)] == min(loss for n, loss in losses.items() if low <= n <= high)
    assert len(greedy(list(HEADS)[:2], HEADS, Y)[0]) == 2, "fewer members than the minimum: all of them"


def fake_cache(n: int = 140, d: int = 14):
    """`feature_cache.load` over synthetic features: view 0 is class-separable, view 3 the same photos with the
    features reversed
    (onto dimensions of their own, so one head can read both)."""
    rng = np.random.default_rng(0)
    parts = {}
    for part in ("train", "val", "test"):
        y = np.arange(n) % 7
        x = rng.normal(size=(n, d)) + 5 * np.eye(7, d)[y]
        parts[part] = {0: x, 3: x[:, ::-1]}
        parts[part]["y"] = y

    def load(key, part, views, colour="plain"):
        p = parts[part]
        feats = np.stack([p[v] for v in views]).astype(np.float32)
        ids = np.array([f"{part}{i}" for i in range(n)])
        return {"y": p["y"], "source": np.array(["ham10000"] * n), "lesion": ids, "image_id": ids, "features": feats}

    return load


def test_a_head_fitted_on_the_served_view_too_reads_it(monkeypatch):
    from skinscan_ui.build import build_ensemble

    monkeypatch.setattr(build_ensemble, "load", fake_cache())
    plain = build_ensemble.fit_head("m", [3], [0])
    both = build_ensemble.fit_head("m", [3], [0, 3])
    assert both["val_nll"] < plain["val_nll"] - 0.5, "a head never shown the flipped features misreads them"
    assert np.mean(both["probs"]["val"].argmax(1) == np.arange(140) % 7) > 0.9


def test_a_source_weighted_up_pulls_the_head_to_its_labels(monkeypatch):
    """Half the training photos come from a second source that labels the same features one class on;
    validation follows the first source. Weighting the second source down must fit the first one's labels."""
    from skinscan_ui.build import build_ensemble

    plain = fake_cache()

    def load(key, part, views, colour="plain"):
        out = dict(plain(key, part, views, colour))
        if part == "train":
            n = len(out["y"])
            out["source"] = np.where(np.arange(n) < n // 2, "ham10000", "isic2017")
            out["y"] = np.where(out["source"] == "isic2017", (out["y"] + 1) % 7, out["y"])
        return out

    monkeypatch.setattr(build_ensemble, "load", load)
    down = build_ensemble.fit_head("m", [0], source_weights={"isic2017": 0.05})
    up = build_ensemble.fit_head("m", [0], source_weights={"isic2017": 20.0})
    truth = np.arange(140) % 7
    assert np.mean(down["probs"]["val"].argmax(1) == truth) > 0.9
    assert np.mean(up["probs"]["val"].argmax(1) == (truth + 1) % 7) > 0.9
