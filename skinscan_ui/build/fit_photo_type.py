"""Fit a model's photo types: the dermoscopy / clinical / not-a-lesion detector and the clinical reading.

    python -m skinscan_ui.build.fit_photo_type --model CARD.json [--limit N]

Reads the served network's pooled features (its LiteRT export: an ensemble's first member, as the app
reads them) of HAM10000 and ISIC 2017 (dermoscopy), PAD-UFES-20 (clinical close-ups) and the non-lesion
images of `build.nonlesion`, each with augmented copies (crops, zoom, blur, light) so the detector
learns the kind of photo rather than one collection's framing; some of the lesions' copies carry
skin-marker ink (`build.pen_marks`), so that ink, which a quarter of PAD-UFES-20's photos carry, says
neither "phone" nor "not a lesion". Beside it, a small network is fine-tuned
on the photos themselves to tell a dermatoscope from a phone (`build.photo_type_net`). Everything is
chosen on validation parts: the detector's regularisation, the network's epoch and the weight of its
logit (0: not shipped) by mean per-source validation accuracy (ISIC 2017's validation photos counted a
second time as typed by a detector and network fitted without ISIC 2017: a dermatoscope they never
saw), the clinical head's by validation log loss, then its temperature, referral threshold (sensitivity
>= 0.85 with 80% confidence) and 90% prediction set. Test parts are scored once, for the card. Three
further checks go in the card: validation and test photos with ink drawn on every one; each non-lesion
image held out of the fit (a group at a time); and the detector and network fitted without ISIC 2017,
scored on ISIC 2017 test photos.

Writes `<name>.phototype.npz` (and `<name>.phototype.tflite` where the network is kept) and the
card's `photo_type` section in the model's folder (`ship photo-types` runs it in a staging folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from skinscan_ui.build import calibration, cards, conformal, pen_marks, photo_type_net
from skinscan_ui.build.data import DataError, dataset
from skinscan_ui.build.metrics import ece_if_calibrated, evaluate, paired_bootstrap
from skinscan_ui.build.nonlesion import non_lesions
from skinscan_ui.build.sources import HAM10000, ISIC2017, PAD_UFES20, Source
from skinscan_ui.serve import model_store, quality
from skinscan_ui.serve.engine import LiteEngine
from skinscan_ui.serve.images import prepare
from skinscan_ui.serve.labels import CLASSES
from skinscan_ui.serve.photo_type import (
    CLINICAL,
    DERMOSCOPY,
    FIRST,
    KINDS,
    MEMBERS,
    NOT_LESION,
    QUESTIONS,
    CameraNet,
    ClinicalReading,
    Linear,
    PhotoTypes,
    history_vector,
    kinds,
)

DETECTOR_C = (0.01, 0.1, 1.0)
HEAD_C = (0.001, 0.003, 0.01, 0.03, 0.1)
SOURCES = {HAM10000.name: DERMOSCOPY, ISIC2017.name: DERMOSCOPY, PAD_UFES20.name: CLINICAL}
COPIES = {HAM10000.name: (3, 1), ISIC2017.name: (2, 1), PAD_UFES20.name: (1, 4)}  # augment every k-th photo, n times
INKED = {HAM10000.name: 0.75, ISIC2017.name: 0.75, PAD_UFES20.name: 0.25}  # the share of those copies pen-marked
NON_LESION_COPIES = 16
HELD_OUT_GROUPS = 6  # the non-lesion images are held out of the detector's fit in this many groups, one at a time
AHEAD = 0.8  # the selection rule (docs/decisions.md): ahead on validation in 80% of paired lesion resamples
QUALITY_SHARE = 0.0  # the share of a source's validation photos the quality floors may stop: none
NET_EPOCHS = 6  # of the photo-type network (one with --limit); validation picks the epoch it keeps
NET_WEIGHTS = (0.0, 0.25, 0.5, 1.0)  # what its logit may count for beside the detector's; 0: it is not shipped
HELD_OUT = f"{ISIC2017.name} held out"  # validation photos of a dermatoscope the detector and network never saw


def fit_quality(measured: dict[str, dict[str, tuple[np.ndarray, ...]]], spoiled: dict) -> dict:
    """Floors of sharpness, light and lesion share that stop at most `QUALITY_SHARE` of every source's validation
    photos.

    `measured[part][source]` = `quality.measure`'s (sharpness, light, lesion share); `spoiled[kind]` = the same of
    validation photos spoiled on purpose (`spoil`), to say how many of those the floors stop.
    """
    val = list(measured["val"].values())
    floors = [float(min(np.quantile(m[i], QUALITY_SHARE) for m in val)) for i in range(3)]

    def stopped(*m: np.ndarray) -> float:
        return float(np.mean(np.any([x < floor for x, floor in zip(m, floors, strict=True)], axis=0)))

    return {
        "method": "log mean absolute Laplacian (sharpness) and mean grey level (light) of a 150x200 copy, and "
        "the share of a 38x50 copy's pixels at least half as far in CIELAB colour from the border ring's median as "
        "its most distinct 1% (the lesion's share of the frame)",
        "min_sharpness": floors[0],
        "min_light": floors[1],
        "min_lesion": floors[2],
        "chosen_on": f"at most {QUALITY_SHARE:.1%} of each source's validation photos under any floor "
        "(0%: each floor is just under the least sharp, the darkest and the smallest lesion of any source's "
        "validation photos)",
        "test_stopped": {s: stopped(*m) for s, m in measured["test"].items()},
        "test_stopped_count": {s: int(stopped(*m) * len(m[0]) + 0.5) for s, m in measured["test"].items()},
        "test_photos": {s: len(m[0]) for s, m in measured["test"].items()},
        "spoiled_validation_stopped": {k: stopped(*m) for k, m in spoiled.items()},
    }


SHRUNK = (4, 6)  # validation photos shrunk to a quarter and a sixth of their width on a frame of their own skin


def spoil(x: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Validation photos made unreadable: blurred (Gaussian, radius 4), darkened to a sixth, and taken from
    further away (shrunk to 1/k of their width in the middle of a frame of their border's skin colour)."""
    blurred = [np.asarray(Image.fromarray(np.asarray(p)).filter(ImageFilter.GaussianBlur(4))) for p in x]
    far = {f"shrunk_{k}": np.stack([_further(p, k, rng) for p in x]) for k in SHRUNK}
    return {"blurred": np.stack(blurred), "dark": (np.asarray(x, np.float32) / 6).astype(np.uint8)} | far


def _further(photo: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    h, w = photo.shape[:2]
    small = np.asarray(Image.fromarray(np.asarray(photo, np.uint8)).resize((w // k, h // k), Image.Resampling.BOX))
    r = int(h * quality.RING)
    ring = np.ones((h, w), bool)
    ring[r:-r, r:-r] = False
    skin = np.asarray(photo, np.float32)[ring]
    frame = rng.normal(np.median(skin, axis=0), skin.std(axis=0), photo.shape)  # the skin's colour and spread
    y0, x0 = (h - h // k) // 2, (w - w // k) // 2
    frame[y0 : y0 + h // k, x0 : x0 + w // k] = small
    return np.clip(frame, 0, 255).astype(np.uint8)


def augmented(
    photo: np.ndarray, copies: int, size: tuple[int, int], rng: np.random.Generator, inked: float = 0.0
) -> list[np.ndarray]:
    """Copies of one photo as another camera might take it: cropped closer, smaller, blurred, lit differently,
    and an `inked` share of them pen-marked (`pen_marks`)."""
    out = []
    image = Image.fromarray(np.asarray(photo, np.uint8))
    for _ in range(copies):
        w, h = image.size
        s = rng.uniform(0.5, 1.0)
        cw, ch = max(8, int(w * s)), max(8, int(h * s))
        x0, y0 = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
        view = image.crop((x0, y0, x0 + cw, y0 + ch))
        if rng.random() < 0.3:
            q = rng.uniform(0.3, 0.7)
            view = view.resize((max(8, int(cw * q)), max(8, int(ch * q))), Image.Resampling.BILINEAR)
        if rng.random() < 0.2:
            view = view.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
        if rng.random() < 0.5:
            view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        lit = prepare(view, size).astype(np.float32) * rng.uniform(0.75, 1.25, size=3) * rng.uniform(0.7, 1.2)
        copy = np.clip(lit, 0, 255).astype(np.uint8)
        out.append(pen_marks.drawn(copy, rng) if rng.random() < inked else copy)
    return out


def _fit_linear(x: np.ndarray, y: np.ndarray, c: float, classes: int, start: Linear | None = None) -> Linear:
    """A class-balanced L2 logistic regression on standardised features, with a column for every class.

    `start`: a fit to begin from (the same optimum, reached in fewer steps).
    """
    from sklearn.linear_model import LogisticRegression

    mean, spread = x.mean(axis=0), x.std(axis=0)
    scale = np.where(spread > 1e-6, spread, 1.0)  # a column constant in training must not blow up at serving
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", warm_start=start is not None)
    if start is not None:
        seen = np.unique(y)
        model.coef_, model.intercept_ = start.weights[:, seen].T.astype(np.float64), start.bias[seen].astype(np.float64)
    model.fit((x - mean) / scale, y)
    weights = np.zeros((x.shape[1], classes), np.float32)
    bias = np.full(classes, -30.0, np.float32)  # a class never seen is never chosen
    weights[:, model.classes_] = model.coef_.T
    bias[model.classes_] = model.intercept_
    return Linear(mean.astype(np.float32), scale.astype(np.float32), weights, bias)


def _accuracy(detector: Linear, features: np.ndarray, kind: str) -> float:
    return float(np.mean(detector.probabilities(features).argmax(axis=1) == KINDS.index(kind)))


def _fit_detector(
    c: float,
    sources: dict[str, np.ndarray],
    others: dict[str, np.ndarray],
    excluded: frozenset[str] = frozenset(),
    start: Linear | None = None,
) -> Linear:
    rest = [f for name, f in others.items() if name not in excluded]
    x = np.concatenate([*sources.values(), *rest])
    y = np.concatenate(
        [np.full(len(f), KINDS.index(SOURCES[s])) for s, f in sources.items()]
        + [np.full(len(f), KINDS.index(NOT_LESION)) for f in rest]
    )
    return _fit_linear(x, y, c, len(KINDS), start)


def fit_detector(
    train: dict[str, np.ndarray], val: dict[str, np.ndarray], others: dict[str, np.ndarray]
) -> tuple[Linear, dict]:
    """The detector with the C of best mean per-source validation accuracy, and how it was chosen.

    `train`/`val`: features per source (augmented copies included in `train`); `others`: features of
    each non-lesion image and its copies. The non-lesion images are also held out, a group at a time
    (`HELD_OUT_GROUPS`), each scored by the fit that did not see it.
    """
    fits = {c: _fit_detector(c, train, others) for c in DETECTOR_C}
    tried = {c: {s: _accuracy(fits[c], f, SOURCES[s]) for s, f in val.items()} for c in DETECTOR_C}
    best = max(DETECTOR_C, key=lambda c: np.mean(list(tried[c].values())))
    # Each refit starts from a fit that saw no non-lesion image at all: faster than from nothing, and never
    # from one that saw the images held out (a start at the full fit would stop beside them and recall them).
    start = _fit_detector(best, train, {})
    names = list(others)
    held_out = {}
    for k in range(HELD_OUT_GROUPS):
        group = frozenset(names[k::HELD_OUT_GROUPS])
        refit = _fit_detector(best, train, others, group, start)
        held_out |= {name: _accuracy(refit, others[name][:1], NOT_LESION) == 1.0 for name in group}
    held_out = {name: held_out[name] for name in names}
    report = {"validation_accuracy_by_c": {str(c): v for c, v in tried.items()}, "c": best}
    report["held_out_groups"] = HELD_OUT_GROUPS
    report["non_lesions_held_out_stopped"] = held_out
    return fits[best], report


def _combined_accuracy(
    detector: Linear, features: np.ndarray, net: np.ndarray | None, weight: float, kind: str
) -> float:
    return float(np.mean(np.array(kinds(detector.probabilities(features), net, weight)) == kind))


def accuracy_by_weight(
    detector: Linear, val: dict[str, np.ndarray], net: dict[str, np.ndarray], unseen: dict[float, float] | None = None
) -> dict[float, dict[str, float]]:
    """Each source's validation photos typed right, at each weight of the network's logits `net`.

    `unseen` counts as one more source: for each weight, the share of a dermatoscope's validation photos
    typed right by a detector and network fitted without that dermatoscope, so a weight that learns the
    sources rather than the kind of photo loses there."""
    return {
        w: {s: _combined_accuracy(detector, val[s], net[s], w, SOURCES[s]) for s in val}
        | ({HELD_OUT: unseen[w]} if unseen else {})
        for w in NET_WEIGHTS
    }


def best_weight(tried: dict[float, dict[str, float]]) -> float:
    """The weight with the highest mean accuracy over the sources; ties go to the smaller weight."""
    return max(NET_WEIGHTS, key=lambda w: np.mean(list(tried[w].values())))


def fit_net(
    images: dict[str, np.ndarray],
    val_images: dict[str, np.ndarray],
    detector: Linear,
    val: dict[str, np.ndarray],
    size: tuple[int, int],
    epochs: int,
    seed: int,
    unseen: dict[float, float] | None = None,
):
    """The photo-type network trained on `images` (per source), at the epoch and weight where the detector
    with it is best on mean per-source validation accuracy (`accuracy_by_weight`, `unseen` included);
    the report of every weight tried."""
    model = photo_type_net.build(size, seed)

    def scored(m) -> dict[float, dict[str, float]]:
        return accuracy_by_weight(
            detector, val, {s: photo_type_net.logits(m, x) for s, x in val_images.items()}, unseen
        )

    def score(m) -> float:
        return max(float(np.mean(list(acc.values()))) for w, acc in scored(m).items() if w > 0)

    report = photo_type_net.train(model, images, {s: SOURCES[s] == CLINICAL for s in images}, epochs, score, seed)
    tried = scored(model)
    weight = best_weight(tried)
    report |= {"validation_accuracy_by_weight": {str(w): v for w, v in tried.items()}, "weight": weight}
    return model, weight, report


def fit_clinical(
    features: dict[str, np.ndarray], labels: dict[str, np.ndarray], on: str = "the network's pooled features"
) -> tuple[ClinicalReading, dict]:
    """The phone-photo head: C by validation log loss, then temperature, threshold and set on validation."""
    heads = {c: _fit_linear(features["train"], labels["train"], c, len(CLASSES)) for c in HEAD_C}
    losses = {c: calibration.nll(h.probabilities(features["val"]), labels["val"]) for c, h in heads.items()}
    best = min(HEAD_C, key=losses.get)
    head = heads[best]
    temperature = calibration.fit_temperature(head.probabilities(features["val"]), labels["val"])
    val = head.probabilities(features["val"], temperature)
    threshold = calibration.referral_threshold(val, labels["val"], 0.85, confidence=0.8)
    q = conformal.fit(val, labels["val"])
    reading = ClinicalReading(head, temperature, threshold, q)
    report = {
        "head": f"L2 logistic regression on {on}, fitted on PAD-UFES-20 training photos",
        "val_log_loss_by_c": {str(c): v for c, v in losses.items()},
        "c": best,
        "temperature": temperature,
        "referral_threshold": threshold,
        "referral_rule": "sensitivity >= 0.85 with 80% confidence (Clopper-Pearson) on PAD-UFES-20 validation photos",
        "conformal": {"alpha": 0.1, "q": q},
        "photos": {part: len(y) for part, y in labels.items()},
        "classes_never_named": [c for c in CLASSES if c not in {CLASSES[i] for i in np.unique(labels["train"])}],
    }
    for part in ("val", "test"):
        probs = reading.probabilities(features[part])
        report[part] = evaluate(labels[part], probs, threshold) | {
            "conformal": conformal.coverage(probs, labels[part], q),
            "ece_if_calibrated": ece_if_calibrated(probs),
        }
    return reading, report


def fit_reading(
    candidates: dict[str, dict[str, np.ndarray]], labels: dict[str, np.ndarray], val_lesions: np.ndarray
) -> tuple[str, ClinicalReading, dict]:
    """The phone reading on the detector's features, or on every member's side by side where that is better.

    `candidates[reads][part]`: the features of `READS` (MEMBERS only for an ensemble). Every member's are
    kept when their reading is ahead on validation log loss in at least `AHEAD` of paired lesion resamples.
    """
    reading, report = fit_clinical(candidates[FIRST], labels)
    if MEMBERS not in candidates:
        return FIRST, reading, report | {"reads": FIRST}
    joined, joined_report = fit_clinical(candidates[MEMBERS], labels, "every ensemble member's pooled features")
    compared = paired_bootstrap(
        labels["val"],
        reading.probabilities(candidates[FIRST]["val"]),
        joined.probabilities(candidates[MEMBERS]["val"]),
        val_lesions,
    )["log_loss"]
    kept = compared["b_ahead"] >= AHEAD
    reads, reading, report, other = (
        (MEMBERS, joined, joined_report, report) if kept else (FIRST, reading, report, joined_report)
    )
    report["reads"] = reads
    report["members_against_first"] = {
        "features": {k: int(v["train"].shape[1]) for k, v in candidates.items()},
        "val_log_loss": {FIRST: compared["a"], MEMBERS: compared["b"]},
        "members_ahead_in_lesion_resamples": compared["b_ahead"],
        "needed": AHEAD,
        "not_served": {part: other[part] for part in ("val", "test")},
    }
    return reads, reading, report


def answers(row) -> dict[str, bool | None]:
    """A PAD-UFES-20 row's history as the app asks it: yes, no, or unanswered (its 'UNK' or blank)."""
    said = {"True": True, "False": False, "true": True, "false": False}
    return {q: said.get(str(row.get(q)).strip()) for q in QUESTIONS}


def fit_history(
    features: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    rows: dict,
    without: ClinicalReading,
    ahead_needed: float = 0.95,
) -> tuple[ClinicalReading | None, dict]:
    """The clinical reading with the patient's answers, kept only if it lowers validation log loss.

    Kept when it is ahead of the photo-only reading `without` in at least `ahead_needed` of paired
    lesion resamples of the validation part.
    """
    joined = {
        part: np.concatenate([f, np.stack([history_vector(answers(r)) for _, r in rows[part].iterrows()])], axis=1)
        for part, f in features.items()
    }
    reading, report = fit_clinical(joined, labels)
    val = labels["val"]
    compared = paired_bootstrap(
        val,
        without.probabilities(features["val"]),
        reading.probabilities(joined["val"]),
        rows["val"]["lesion_id"].to_numpy(),
    )["log_loss"]
    kept = compared["b_ahead"] >= ahead_needed
    report |= {
        "questions": list(QUESTIONS),
        "val_log_loss_photo_only": compared["a"],
        "val_log_loss_with_answers": compared["b"],
        "ahead_in_lesion_resamples": compared["b_ahead"],
        "kept": bool(kept),
    }
    return (reading if kept else None), report


def network_features(card: model_store.Card) -> list[tuple[tuple[int, int], Callable[[np.ndarray], np.ndarray]]]:
    """Each network's pooled features as the app reads them, with the photo size it reads: an ensemble's
    members in order (the first's are what the guard and the detector read), or the one network's."""
    if card.members:
        files = model_store.member_files(card)
        sizes = [tuple(m.get("input_size", card.input_size)) for m in card.members]
    else:
        files, sizes = [model_store.litert_file(card)], [tuple(card.input_size)]

    def runner(engine: LiteEngine) -> Callable[[np.ndarray], np.ndarray]:
        def run(x: np.ndarray) -> np.ndarray:
            return np.concatenate([engine.run(np.asarray(x[i : i + 16])).features for i in range(0, len(x), 16)])

        return run

    return [(size, runner(LiteEngine(f))) for f, size in zip(files, sizes, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the model's card (CARD.json), with its LiteRT export(s)")
    parser.add_argument(
        "--limit",
        type=int,
        help="the first N photos of each part only, and one epoch of the photo-type network (tests)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    card = model_store.find(args.model)
    cards.not_served(card.path.parent)
    if card.data.get("litert") is None and not card.members:
        print(f"error: {card.name} has no LiteRT export to read features from", file=sys.stderr)
        return 2
    networks = network_features(card)
    features = networks[0][1]
    size = tuple(card.input_size)
    rng = np.random.default_rng(args.seed)
    spoil_rng = np.random.default_rng(args.seed + 1)  # its own, so the copies drawn for the fit stay as they were
    sources: list[Source] = [HAM10000, ISIC2017, PAD_UFES20]
    f: dict[str, dict[str, np.ndarray]] = {"train": {}, "val": {}, "test": {}}
    photos: dict[str, dict[str, np.ndarray]] = {"train": {}, "val": {}, "test": {}}  # for the photo-type network
    pad_labels: dict[str, np.ndarray] = {}
    pad_rows: dict = {}
    pad_members: dict[str, np.ndarray] = {}  # every member's features of the same photos, side by side
    measured: dict[str, dict] = {"val": {}, "test": {}}
    spoiled: dict[str, list] = {}
    try:
        for source in sources:
            for part in f:
                x, y, rows = dataset(source.folder(), part, size, source)
                x, y, rows = np.asarray(x[: args.limit]), y[: args.limit], rows[: args.limit]
                f[part][source.name] = features(x)
                photos[part][source.name] = x
                if part in measured:
                    measured[part][source.name] = quality.measure(x)
                if part == "val":
                    for kind, bad in spoil(x[::4], spoil_rng).items():
                        spoiled.setdefault(kind, []).append(quality.measure(bad))
                if part == "train":
                    every, n = COPIES[source.name]
                    copies = [c for p in x[::every] for c in augmented(p, n, size, rng, INKED[source.name])]
                    f["train"][source.name] = np.concatenate([f["train"][source.name], features(np.stack(copies))])
                if source is PAD_UFES20:
                    pad_labels[part], pad_rows[part] = y, rows
                    f[part]["pad_plain"] = f[part][source.name][: len(y)]
                    if len(networks) > 1:
                        at = {s: x if s == size else dataset(source.folder(), part, s, source)[0] for s, _ in networks}
                        pad_members[part] = np.concatenate([run(at[s][: args.limit]) for s, run in networks], axis=1)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pad = {part: f[part].pop("pad_plain") for part in f}
    others = {
        name: features(np.stack([prepare(img, size), *augmented(prepare(img, size), NON_LESION_COPIES - 1, size, rng)]))
        for name, img in non_lesions().items()
    }
    detector, report = fit_detector(f["train"], f["val"], others)
    without_isic = _fit_detector(report["c"], {s: x for s, x in f["train"].items() if s != ISIC2017.name}, others)
    epochs = 1 if args.limit else NET_EPOCHS
    # First a detector and network fitted without ISIC 2017: how they type its validation photos, at each
    # weight, takes part in choosing the weight; its test photos are the card's unseen-dermatoscope check.
    rest = {s: x for s, x in photos["train"].items() if s != ISIC2017.name}
    val_rest = {s: x for s, x in photos["val"].items() if s != ISIC2017.name}
    f_rest = {s: x for s, x in f["val"].items() if s != ISIC2017.name}
    net_rest, _, _ = fit_net(rest, val_rest, without_isic, f_rest, size, epochs, args.seed)
    unseen_by_part = {
        part: {
            w: _combined_accuracy(
                without_isic,
                f[part][ISIC2017.name],
                photo_type_net.logits(net_rest, photos[part][ISIC2017.name]),
                w,
                DERMOSCOPY,
            )
            for w in NET_WEIGHTS
        }
        for part in ("val", "test")
    }
    net, weight, report["network"] = fit_net(
        photos["train"], photos["val"], detector, f["val"], size, epochs, args.seed, unseen_by_part["val"]
    )
    net_test = {s: photo_type_net.logits(net, x) for s, x in photos["test"].items()} if weight > 0 else {}
    unseen = unseen_by_part["test"][weight]
    candidates = {FIRST: pad} | ({MEMBERS: pad_members} if pad_members else {})
    reads, reading, clinical = fit_reading(candidates, pad_labels, pad_rows["val"]["lesion_id"].to_numpy())
    history, clinical["history"] = fit_history(candidates[reads], pad_labels, pad_rows, reading)
    camera = None
    if weight > 0:
        photo_type_net.export(net, PhotoTypes.net_path_for(card.path))
        camera = CameraNet(PhotoTypes.net_path_for(card.path))
    types = PhotoTypes(detector, reading, card.sha256, history, reads, weight, camera)
    types.save(card.path)

    def typed(s: str, x: np.ndarray) -> np.ndarray:
        return np.array(kinds(detector.probabilities(x), net_test.get(s), weight))

    test = {s: float(np.mean(typed(s, x) == SOURCES[s])) for s, x in f["test"].items()}
    ink_rng = np.random.default_rng(args.seed + 2)
    inked = {part: {s: pen_marks.some(x, 1.0, ink_rng) for s, x in photos[part].items()} for part in ("val", "test")}
    report["inked"] = {
        part: {
            s: _combined_accuracy(
                detector, features(x), photo_type_net.logits(net, x) if weight > 0 else None, weight, SOURCES[s]
            )
            for s, x in by_source.items()
        }
        for part, by_source in inked.items()
    }
    report["network"]["test_accuracy_detector_alone"] = {
        s: _accuracy(detector, x, SOURCES[s]) for s, x in f["test"].items()
    }
    joined = {k: tuple(np.concatenate(parts) for parts in zip(*v, strict=True)) for k, v in spoiled.items()}
    report["quality"] = fit_quality(measured, joined)
    report |= {
        "method": "multinomial logistic regression on the network's pooled features: dermoscopy (HAM10000, "
        "ISIC 2017), clinical close-up (PAD-UFES-20), not a lesion (generated frames and photos); "
        "augmented copies (crops, zoom, blur, light; skin-marker ink on some of the lesions') of each",
        "val_accuracy": report["validation_accuracy_by_c"][str(report["c"])],
        "test_accuracy": test,
        "test_kinds": {s: {k: int(np.sum(typed(s, x) == k)) for k in KINDS} for s, x in f["test"].items()},
        "unseen_dermatoscope": {"fitted_without": ISIC2017.name, "isic2017_test_called_dermoscopy": unseen},
        "non_lesions_held_out_share_stopped": float(np.mean(list(report["non_lesions_held_out_stopped"].values()))),
        "non_lesions_stopped": {name: _accuracy(detector, x[:1], NOT_LESION) == 1.0 for name, x in others.items()},
        "clinical": clinical,
    }
    data = dict(card.data)
    data["photo_type"] = report
    cards.write(data, card.path.parent)
    print("photo type test accuracy:", {s: round(v, 3) for s, v in test.items()})
    print("unseen dermatoscope:", report["unseen_dermatoscope"])
    print(
        "pen-marked photos typed right:",
        {p: {s: round(v, 3) for s, v in a.items()} for p, a in report["inked"].items()},
    )
    print("non-lesions held out, stopped:", report["non_lesions_held_out_share_stopped"])
    print("quality floors stop, of test photos:", report["quality"]["test_stopped_count"])
    print("and of spoiled validation photos:", report["quality"]["spoiled_validation_stopped"])
    h = clinical["history"]
    print(
        f"patient answers: validation log loss {h['val_log_loss_photo_only']:.4f} -> "
        f"{h['val_log_loss_with_answers']:.4f}, "
        f"ahead in {h['ahead_in_lesion_resamples']:.0%} of lesion resamples; kept: {h['kept']}"
    )
    t = clinical["test"]
    print(
        "clinical test: balanced accuracy {:.3f}, malignant AUC {:.3f}, ECE {:.3f}, referral {}".format(
            t["balanced_accuracy"], t["malignant_auc"] or float("nan"), t["ece"], t["referral"]
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
