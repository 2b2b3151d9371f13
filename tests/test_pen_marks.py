"""Skin-marker ink drawn on photos: violet or blue strokes on part of the skin, the rest left as it was."""

from __future__ import annotations

import numpy as np

from skinscan_ui.build import pen_marks

SKIN = np.full((120, 160, 3), (205, 160, 140), np.uint8)


def test_a_mark_is_violet_or_blue_ink_on_part_of_the_skin_and_the_rest_is_untouched():
    for seed in range(20):
        marked = pen_marks.drawn(SKIN, np.random.default_rng(seed))
        assert marked.shape == SKIN.shape and marked.dtype == np.uint8
        changed = np.any(marked != SKIN, axis=-1)
        assert 0.002 < changed.mean() < 0.4, f"seed {seed}: {changed.mean():.1%} of the photo inked"
        inked = marked[np.abs(marked.astype(int) - SKIN).sum(axis=-1) > 60].astype(int)
        assert len(inked), f"seed {seed}: no stroke dark enough to see"
        skin = SKIN[0, 0].astype(int)
        assert np.all(inked[:, 2] - inked[:, 1] > skin[2] - skin[1]), "ink turns the skin bluer against green"
        assert np.all(inked[:, 0] < skin[0]), "and less red"
        darkest = inked[np.argmin(inked.sum(axis=1))]
        assert darkest[2] > darkest[1] + 20, f"seed {seed}: the heaviest stroke is violet or blue, not {darkest}"


def test_the_same_generator_draws_the_same_marks_and_another_draws_others():
    a, b = (pen_marks.drawn(SKIN, np.random.default_rng(3)) for _ in range(2))
    np.testing.assert_array_equal(a, b)
    assert np.any(pen_marks.drawn(SKIN, np.random.default_rng(4)) != a)


def test_some_marks_about_the_share_asked_and_leaves_the_photos_given_alone():
    photos = np.repeat(SKIN[None], 200, axis=0)
    marked = pen_marks.some(photos, 0.3, np.random.default_rng(0))
    share = np.any(marked != photos, axis=(1, 2, 3)).mean()
    assert 0.2 < share < 0.4, share
    assert np.all(photos == SKIN), "the photos given are not drawn on"
    np.testing.assert_array_equal(pen_marks.some(photos, 0.0, np.random.default_rng(0)), photos)
