"""Choosing the ensemble's members: greedy on validation log loss, within the size asked for."""

from __future__ import annotations

import numpy as np

from skinscan_ui.build_ensemble import greedy
from skinscan_ui.calibration import nll


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
