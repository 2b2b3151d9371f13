"""Every reported figure against scikit-learn or a hand computation on known inputs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score, top_k_accuracy_score
from tiny import noisy_scores

from skinscan_ui.build.calibration import fit_temperature, referral_threshold
from skinscan_ui.build.metrics import ece_if_calibrated, evaluate, expected_calibration_error, paired_bootstrap
from skinscan_ui.serve.calibration import apply_temperature, malignant_probability
from skinscan_ui.serve.labels import CLASSES, MALIGNANT_INDICES


@pytest.fixture
def scored():
    return noisy_scores(400, seed=3)


def test_metrics_match_sklearn(scored):
    y, p = scored
    m = evaluate(y, p, 0.5)
    assert m["n"] == 400
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p.argmax(1)))
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, p.argmax(1)))
    assert m["top2_accuracy"] == pytest.approx(top_k_accuracy_score(y, p, k=2, labels=range(7)))
    assert m["top3_accuracy"] == pytest.approx(top_k_accuracy_score(y, p, k=3, labels=range(7)))
    mel = CLASSES.index("mel")
    assert m["melanoma_auc"] == pytest.approx(roc_auc_score(y == mel, p[:, mel]))
    assert m["macro_auc"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="macro"))
    assert np.array(m["confusion_matrix"]["matrix"]).sum() == 400
    assert m["per_class"]["nv"]["support"] == int((y == CLASSES.index("nv")).sum())


def test_metrics_with_a_subset_of_classes():
    y = np.array([5, 5, 5, 2, 2])
    p = np.full((5, 7), 0.01)
    p[[0, 1, 2, 3, 4], [5, 5, 2, 2, 2]] = 0.94
    m = evaluate(y, p, 0.5)
    assert m["melanoma_auc"] is None, "no melanoma present: undefined, not a number"
    assert m["balanced_accuracy"] == pytest.approx((2 / 3 + 1) / 2)
    assert m["referral"]["sensitivity"] is None and m["referral"]["specificity"] == 1.0


def test_ece_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.zeros((4, 7))
    p[:, 0] = [0.9, 0.9, 0.6, 0.6]
    p[:, 1] = 1 - p[:, 0]
    # bin of 0.9: accuracy 1.0 -> gap 0.1; bin of 0.6: accuracy 0 -> gap 0.6; equal halves
    assert expected_calibration_error(y, p) == pytest.approx(0.5 * 0.1 + 0.5 * 0.6)


def test_temperature_undoes_overconfidence():
    rng = np.random.default_rng(5)
    logits = rng.normal(0, 2, (3000, 7))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(7, p=row) for row in p])  # calibrated by construction
    sharp = apply_temperature(p, 0.4)  # an overconfident model: logits x 2.5
    t = fit_temperature(sharp, y)
    assert t == pytest.approx(2.5, rel=0.1)
    assert expected_calibration_error(y, apply_temperature(sharp, t)) < expected_calibration_error(y, sharp)
    assert np.array_equal(apply_temperature(sharp, t).argmax(1), sharp.argmax(1)), "ranking unchanged"


def test_referral_threshold_reaches_sensitivity(scored):
    y, p = scored
    t = referral_threshold(p, y, 0.85)
    malignant = np.isin(y, MALIGNANT_INDICES)
    sens = (malignant_probability(p)[malignant] >= t).mean()
    assert sens >= 0.85
    assert (malignant_probability(p)[malignant] >= t + 1e-9).mean() < 0.85 + 1 / malignant.sum() + 1e-9


def test_a_confident_referral_threshold_refers_more_the_fewer_malignant_lesions_it_saw(scored):
    y, p = scored
    malignant = np.isin(y, MALIGNANT_INDICES)

    def referred(mask: np.ndarray, confidence: float | None) -> float:
        t = referral_threshold(p[mask], y[mask], 0.85, confidence)
        return float((malignant_probability(p[mask])[malignant[mask]] >= t).mean())

    everything = np.ones(len(y), bool)
    few = ~malignant | (np.cumsum(malignant) <= 30)  # every benign photo, 30 malignant ones
    assert referred(everything, None) == pytest.approx(0.85, abs=0.01)
    assert 0.85 < referred(everything, 0.8) < referred(few, 0.8), "a margin that shrinks as the count grows"
    assert referred(few, 0.8) == pytest.approx(28 / 30), "Clopper-Pearson: 28 of 30 bound 0.85 at 80%"


def test_paired_bootstrap_of_a_model_against_itself_finds_no_difference(scored):
    y, p = scored
    result = paired_bootstrap(y, p, p, np.arange(len(y)), rounds=200)
    for k in ("balanced_accuracy", "accuracy", "melanoma_auc"):
        assert result[k]["a"] == result[k]["b"]
        assert (result[k]["delta"], result[k]["low"], result[k]["high"], result[k]["b_ahead"]) == (0, 0, 0, 0)


def test_paired_bootstrap_sees_a_clear_improvement_and_its_size(scored):
    y, p = scored
    better = p.copy()
    wrong = np.flatnonzero(p.argmax(1) != y)[::2]  # fix half the mistakes
    better[wrong, y[wrong]] = 2.0
    better /= better.sum(1, keepdims=True)
    result = paired_bootstrap(y, p, better, np.arange(len(y)), rounds=300)
    acc = result["accuracy"]
    assert acc["a"] == pytest.approx(accuracy_score(y, p.argmax(1)))
    assert acc["delta"] == pytest.approx(len(wrong) / len(y))
    assert 0 < acc["low"] < acc["delta"] < acc["high"]
    assert acc["b_ahead"] == 1.0
    assert result["balanced_accuracy"]["low"] > 0


def test_paired_bootstrap_counts_photos_of_one_lesion_as_one_observation():
    """Ten copies of each lesion's photo carry no more evidence than one: the interval must not shrink."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, 60)
    a = rng.dirichlet(np.ones(7), 60)
    b = rng.dirichlet(np.ones(7), 60)
    one = paired_bootstrap(y, a, b, np.arange(60), rounds=400)["accuracy"]
    copies = np.repeat(np.arange(60), 10)
    grouped = paired_bootstrap(y[copies], a[copies], b[copies], copies, rounds=400)["accuracy"]
    naive = paired_bootstrap(y[copies], a[copies], b[copies], np.arange(600), rounds=400)["accuracy"]
    width = {k: v["high"] - v["low"] for k, v in {"one": one, "grouped": grouped, "naive": naive}.items()}
    assert width["grouped"] == pytest.approx(width["one"], rel=0.25)
    assert width["naive"] < width["grouped"] / 2, "treating copies as independent overstates certainty"


def test_the_ece_of_a_calibrated_model_is_far_from_zero_on_a_hundred_photos_and_near_it_on_thousands():
    """The floor a card sets an observed ECE against: labels drawn from the model's own probabilities."""
    rng = np.random.default_rng(5)

    def photos(n: int) -> tuple[np.ndarray, np.ndarray]:
        p = rng.dirichlet(np.full(len(CLASSES), 0.5), n)
        return p, np.array([rng.choice(len(CLASSES), p=row) for row in p])  # calibrated by construction

    few, y_few = photos(114)
    many, y_many = photos(5000)
    floor_few, floor_many = ece_if_calibrated(few), ece_if_calibrated(many, rounds=50)
    assert floor_many["high"] < 0.03 < floor_few["low"], "the floor shrinks with the number of photos"
    assert floor_few["low"] <= expected_calibration_error(y_few, few) <= floor_few["high"]
    overconfident = many**4 / (many**4).sum(axis=1, keepdims=True)
    assert expected_calibration_error(y_many, overconfident) > 3 * floor_many["high"], "miscalibration stands out"
