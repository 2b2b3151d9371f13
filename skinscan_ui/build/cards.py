"""Model cards: the JSON a program reads and the Markdown a person reads, plus their figures."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from skinscan_ui.serve import manifest, paths
from skinscan_ui.serve.engine import cpu_budget
from skinscan_ui.serve.labels import CITATION, CLASSES, LICENCE, NAMES
from skinscan_ui.serve.model_store import Metrics

PHOTO_NET = "ImageNet MobileNetV2 alpha 0.35, flips, turns, zoom, blur and light in training"
SUFFIXES = (".tflite", ".ood.npz", ".neighbors.npz", ".phototype.npz", ".json")  # what a model serves from


def count_macs(model) -> int:
    """Multiply-accumulates of one forward pass, from the convolution and dense layers."""
    import keras

    total = 0
    for layer in model.layers:
        if not isinstance(
            layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D, keras.layers.Dense)
        ):
            continue
        out = layer.output.shape
        spatial = out[1] * out[2] if len(out) == 4 else 1
        cin = layer.input.shape[-1]
        if isinstance(layer, keras.layers.Dense):
            total += cin * layer.units
        elif isinstance(layer, keras.layers.SeparableConv2D):
            kh, kw = layer.kernel_size
            total += spatial * (kh * kw * cin * layer.depth_multiplier + cin * layer.depth_multiplier * layer.filters)
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            total += spatial * kh * kw * cin * layer.depth_multiplier
        else:
            kh, kw = layer.kernel_size
            total += spatial * kh * kw * cin * layer.filters // layer.groups
    return int(total)


def confusion_plot(matrix: list[list[int]], path: Path, title: str) -> None:
    """A row-normalised confusion matrix with counts, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    m = np.array(matrix, dtype=float)
    norm = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(CLASSES)):
        for j in range(len(CLASSES)):
            ax.text(
                j,
                i,
                f"{int(m[i, j])}\n{norm[i, j]:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if norm[i, j] > 0.5 else "black",
            )
    ax.set_xticks(range(len(CLASSES)), CLASSES)
    ax.set_yticks(range(len(CLASSES)), CLASSES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true (recall per row)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def reliability_plot(bins: list[dict], path: Path, title: str) -> None:
    """Reliability diagram: accuracy against confidence per bin, the diagonal being perfect."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5), dpi=110)
    used = [b for b in bins if b["count"]]
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=1)
    ax.bar(
        [(b["lower"] + b["upper"]) / 2 for b in used],
        [b["accuracy"] for b in used],
        width=1 / len(bins),
        edgecolor="black",
        alpha=0.7,
        label="accuracy",
    )
    ax.plot([b["confidence"] for b in used], [b["accuracy"] for b in used], "o-", color="C1", label="per bin")
    ax.set_xlabel("top-1 confidence")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def this_machine() -> str:
    """This machine as a card records it: the CPU and the cores this process may use."""
    return f"{platform.processor() or platform.machine()} CPU, {cpu_budget()} cores"


def _machine(card: dict) -> str:
    """Where a card's latencies were measured: the machine recorded with them, else the one it was built on."""
    return card.get("measured_on") or card.get("training", {}).get("hardware") or "the machine that built it"


def _restore(git: dict | None) -> str:
    """Where a checkpoint can be restored from, for a card's prose."""
    return f"; restore with `git show {git['commit'][:12]}:{git['path']}`" if git else ""


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _ood_section(card: dict) -> str:
    o = card.get("ood")
    if not o:
        return ""
    missed = [k for k, v in o["non_lesions"].items() if not v]
    s = o.get("float16_storage")
    stored = (
        f"Stored with its whitening factor in float16: against float32 it moves {s['moved']} of {s['photos']:,} "
        f"validation and test decisions ({', '.join(s['sources'])}) and {s['non_lesions_moved']} of "
        f"{s['non_lesions']} non-lesion images.\n"
        if s
        else ""
    )
    return f"""## Not-a-lesion guard
{o["method"]}; threshold {o["threshold"]:.1f}, set so that {o["val_lesions_pass"]:.1%} of validation lesions pass.
Test lesions passing: {o["test_lesions_pass"]:.1%}. Non-lesion images stopped: {o["non_lesions_flagged"]:.0%} of
{o["non_lesion_count"]} (generated frames and scikit-image sample photos){"; missed: " + ", ".join(missed) if missed else ""}.
{_stopped(card)}
{stored}"""


def _stopped(card: dict) -> str:
    if "photo_type" not in card:
        return 'A stopped photo is answered "Uncertain" with no diagnosis.'
    return (
        "With photo types, the guard no longer refuses: a dermatoscope photo it stops is still answered, with a "
        'note that it is unlike the training photos, referred at or over the threshold and otherwise "Uncertain", '
        'never "Likely benign". Only a photo typed "not a skin lesion" gets no diagnosis.'
    )


def _photo_type_section(card: dict) -> str:
    t = card.get("photo_type")
    if not t:
        return ""
    kinds = "\n".join(
        f"| {source} | {t['test_accuracy'][source]:.1%} | {k['dermoscopy']} / {k['clinical']} / {k['not_lesion']} |"
        for source, k in t["test_kinds"].items()
    )
    held = [name for name, ok in t["non_lesions_held_out_stopped"].items() if not ok]
    c = t["clinical"]
    rows = "\n".join(
        f"| {part} | {m['n']} | {_pct(m['accuracy'])} | {_pct(m['balanced_accuracy'])} | {_pct(m['melanoma_auc'])} "
        f"| {_pct(m['malignant_auc'])} | {_pct(m['ece'])} | {_pct(m['referral']['sensitivity'])} / "
        f"{_pct(m['referral']['specificity'])} | {m['conformal']['coverage']:.3f} ({m['conformal']['mean_size']:.2f}) |"
        for part, m in ((p, c[p]) for p in ("val", "test"))
    )
    unseen = (
        "The detector and its network, both fitted without ISIC 2017, call"
        if _kept(t)
        else ("A detector fitted without ISIC 2017 calls")
    )
    return f"""## Photo types
{t["method"]} (C = {t["c"]}, chosen on mean per-source validation accuracy).
{_network_line(t.get("network"))}

| test part | typed right | called dermoscopy / clinical / not a lesion |
|---|---|---|
{kinds}

{unseen} {t["unseen_dermatoscope"]["isic2017_test_called_dermoscopy"]:.1%} of ISIC 2017
test photos "dermoscopy" (a dermatoscope it never saw).{_inked_line(t.get("inked"))} Each non-lesion image held out of the fit (in
{t["held_out_groups"]} groups, one at a time) is stopped {t["non_lesions_held_out_share_stopped"]:.0%} of the time{"; not stopped when held out: " + ", ".join(held) if held else ""}.
Fitted on all of them, it stops {sum(t["non_lesions_stopped"].values())} of {len(t["non_lesions_stopped"])}.
{_retake_lines(t.get("quality"))}
### Phone close-ups (clinical)
{c["head"]} (C = {c["c"]} by validation log loss), temperature {c["temperature"]:.3f}, referral threshold
{c["referral_threshold"]:.3f} ({c["referral_rule"]}), 90% set q = {c["conformal"]["q"]:.3f}. It learned from
{c["photos"]["train"]} photos of PAD-UFES-20 patients and never names {", ".join(c["classes_never_named"])} (none were among them).

| PAD-UFES-20 part | photos | accuracy | balanced acc. | melanoma AUC | malignant AUC | ECE | referral sens. / spec. | 90% set coverage |
|---|---|---|---|---|---|---|---|---|
{rows}
{_reads_line(c)}{_ece_floor(c)}
{_history_lines(c.get("history"))}
"""


def _inked_line(inked: dict | None) -> str:
    """How the photos of each part are typed with skin-marker ink drawn on every one of them."""
    if not inked:
        return ""
    parts = "; ".join(f"{part}: " + ", ".join(f"{s} {v:.1%}" for s, v in a.items()) for part, a in inked.items())
    return f"\nWith skin-marker ink drawn on every photo (`build.pen_marks`), typed right: {parts}."


SPOILED = {
    "blurred": "blurred",
    "dark": "darkened to a sixth",
    "shrunk_4": "shrunk to a quarter of their width on a frame of their own skin",
    "shrunk_6": "to a sixth",
}


def _retake_lines(q: dict | None) -> str:
    """The retake floors: what they measure, how they were chosen, and what they stop."""
    if not q:
        return ""
    tested = ", ".join(f"{s} {n} of {q['test_photos'][s]:,}" for s, n in q["test_stopped_count"].items())
    spoiled = ", ".join(f"{SPOILED.get(k, k)} {v:.0%}" for k, v in q["spoiled_validation_stopped"].items())
    return f"""
Retake ("take it again", no diagnosis unless the photo reaches the referral threshold anyway): {q["method"]};
floors set with {q["chosen_on"]}. They stop test photos: {tested}; of validation photos {spoiled}.
"""


def _kept(photo_type: dict) -> bool:
    return photo_type.get("network", {}).get("weight", 0) > 0


def _network_line(net: dict | None) -> str:
    """What the photo-type network adds to the detector, on validation, and the detector alone on test."""
    if not net:
        return ""
    by_weight = {float(w): sum(a.values()) / len(a) for w, a in net["validation_accuracy_by_weight"].items()}
    best = max((w for w in by_weight if w > 0), key=lambda w: by_weight[w])
    tried = (
        f"a network fine-tuned on the photos themselves ({PHOTO_NET}; epoch {net['chosen_epoch']} of "
        f"{net['epochs']}, by validation)"
    )
    parts = next(iter(net["validation_accuracy_by_weight"].values()))
    held = [s for s in parts if s.endswith("held out")]
    mean = "mean per-source validation accuracy" + (
        f" (one more source, {held[0]}: its validation photos typed by a detector and network fitted without it)"
        if held
        else ""
    )
    weights = "; ".join(
        f"{float(w):g}: " + ", ".join(f"{s} {v:.1%}" for s, v in a.items())
        for w, a in net["validation_accuracy_by_weight"].items()
    )
    if net["weight"] == 0:
        return (
            f"Tried and not kept: {tried}, its logit added to the detector's clinical-against-dermoscopy log-odds "
            f"({mean} {by_weight[0.0]:.1%} without it, {by_weight[best]:.1%} at best with it; by weight: {weights})."
        )
    alone = ", ".join(f"{s} {v:.1%}" for s, v in net["test_accuracy_detector_alone"].items())
    return (
        f"Beside it, {tried}: its logit, times {net['weight']:g}, is added to the detector's clinical-against-"
        f"dermoscopy log-odds; {mean} {by_weight[0.0]:.1%} without it, {by_weight[net['weight']]:.1%} with it "
        f"(by weight: {weights}). Test parts typed right by the detector alone: {alone}."
    )


def _reads_line(clinical: dict) -> str:
    """Which features the phone reading reads, as validation chose between the first member's and every member's."""
    m = clinical.get("members_against_first")
    if not m:
        return ""
    n, loss, t = m["features"], m["val_log_loss"], m["not_served"]["test"]
    served = "every member's" if clinical["reads"] == "members" else "the first member's"
    other = "the first member's" if clinical["reads"] == "members" else "every member's"
    return (
        f"\nIt reads {served} features, chosen on validation: every member's side by side ({n['members']:,} numbers) "
        f"against the first member's alone ({n['first']:,}, what the detector reads), validation log loss "
        f"{loss['members']:.4f} against {loss['first']:.4f}, every member's lower in "
        f"{m['members_ahead_in_lesion_resamples']:.0%} of paired lesion resamples ({m['needed']:.0%} needed). "
        f"The reading on {other} features, not served, scores on test: balanced accuracy "
        f"{_pct(t['balanced_accuracy'])}, malignant AUC {_pct(t['malignant_auc'])}, ECE {_pct(t['ece'])}.\n"
    )


def _ece_floor(clinical: dict) -> str:
    """What the phone photos' ECE means on so few photos: the ECE a perfectly calibrated reading would show."""
    parts = [(p, clinical[p]) for p in ("val", "test") if "ece_if_calibrated" in clinical[p]]
    if not parts:
        return ""
    said = "; ".join(
        f"{'validation' if part == 'val' else 'test'} {_pct(m['ece'])} against {_pct(m['ece_if_calibrated']['median'])} "
        f"({_pct(m['ece_if_calibrated']['low'])}-{_pct(m['ece_if_calibrated']['high'])})"
        for part, m in parts
    )
    return (
        "\nOn so few photos even a perfectly calibrated reading shows a large ECE. The ECE observed, against the "
        "ECE of a perfect reading on the same photos (each label drawn from the reading's own probabilities; "
        f"median, 5-95%): {said}.\n"
    )


def _phone_limits(card: dict) -> str:
    if "photo_type" not in card:
        return " Phone photos without a dermatoscope are out of scope."
    photos = card["photo_type"]["clinical"]["photos"]
    return (
        f" A photo typed as a phone close-up is read by the phone head above, fitted on {photos['train']} "
        "PAD-UFES-20 photos from one Brazilian programme: it never names a dermatofibroma or a vascular "
        f"lesion, and its calibration rests on {photos['val']} validation photos."
    )


def _history_lines(h: dict | None) -> str:
    if not h:
        return ""
    verdict = (
        f"shipped: the app asks them, optional, beside a phone photo (referral threshold {h['referral_threshold']:.3f}, "
        f"temperature {h['temperature']:.3f}); with none answered the photo is read as above"
        if h["kept"]
        else "not shipped"
    )
    return (
        f"The patient's answers ({', '.join(h['questions'])}; yes, no or unanswered) beside the photo: validation "
        f"log loss {h['val_log_loss_photo_only']:.4f} -> {h['val_log_loss_with_answers']:.4f}, lower in "
        f"{h['ahead_in_lesion_resamples']:.0%} of paired lesion resamples; test balanced accuracy "
        f"{_pct(h['test']['balanced_accuracy'])}, malignant AUC {_pct(h['test']['malignant_auc'])}, ECE "
        f"{_pct(h['test']['ece'])}. {verdict}.\n"
    )


def _litert_section(card: dict) -> str:
    lite = card.get("litert")
    if not lite:
        return ""
    p = lite.get("parity")
    checked = (
        f"On the {p['split']} split ({p['images']} images) it agrees with the Keras model on the top-1 class for "
        f"{p['top1_agreement']:.2%} of images; the largest probability difference is {p['max_probability_difference']:.4f} "
        f"(mean {p['mean_probability_difference']:.5f}); balanced accuracy {p['balanced_accuracy_litert']:.3f} "
        f"against Keras's {p['balanced_accuracy_keras']:.3f}."
        if p
        else "Parity was not checked (no data folder when it was exported)."
    )
    return f"""## LiteRT export (phones, and what the app serves)
`{lite["file"]}` ({lite["bytes"] / 1e6:.1f} MB, {lite["precision"]}), sha256 `{lite["sha256"]}`, written by
`python -m skinscan_ui.build.export --model {card["name"]}`. {checked} One forward pass takes
{lite["ms_per_image"]:.1f} ms with {lite["runtime"]} on {lite.get("measured_on") or _machine(card)} ({lite["keras_ms_per_image"]:.1f} ms for Keras).
Its outputs are the logits, the pooled features (for the not-a-lesion guard) and every class's
Grad-CAM map, so the app answers without TensorFlow.

"""


def _similar_section(card: dict) -> str:
    sim = card.get("similar_cases")
    if not sim:
        return ""
    t = sim["test"]
    return f"""## Similar cases
`{sim["file"]}`: {sim["lesions"]:,} training lesions, one {sim["dimensions"]}-d vector each (principal components of the
pooled features; no images), built by `python -m skinscan_ui.build.build_neighbors --model {card["name"]}`. On the test split
({t["images"]} images) the majority diagnosis of the {t["k"]} nearest lesions is the true one for {t["majority_agrees"]:.1%}
of images ({t["balanced"]:.1%} averaged over classes).

"""


def _data_lines(tr: dict) -> str:
    """Which data a model was trained on: each source's sha256 and committed split."""
    split = f"(seed {tr['split_seed']}): {tr['split_sizes']}"
    if not tr.get("sources"):
        return f"- data: HAM10000 development copy, sha256 `{tr['data_sha256']}`; split `{tr['split_file']}` {split}"
    from skinscan_ui.build.sources import KNOWN

    lines = [f"  - {name}: sha256 `{sha}`, split `{KNOWN[name].split_csv.name}`" for name, sha in tr["sources"].items()]
    return "- data, split by lesion (PAD-UFES-20 by patient) " + split + "\n" + "\n".join(lines)


def _citations(card: dict) -> str:
    """The data's citations and licences: the card's own (one per source), or HAM10000's for older cards."""
    if isinstance(card.get("citation"), list):
        cited = "\n".join(f"- {c}" for c in card["citation"])
        return f"{cited}\n\nLicences: {card['licence']}. Non-commercial use, with attribution."
    return f"{CITATION}\nLicence of the data and of these weights: {LICENCE}. Non-commercial use, with attribution."


def _speed(tr: dict) -> str:
    """', R images/s after C s of compilation' for a run that measured them (a GPU run)."""
    if "images_per_second" not in tr:
        return ""
    return f", {tr['images_per_second']:.0f} training images/s after {tr['compile_seconds']:.0f} s of compilation"


def markdown(card: dict) -> str:
    """The human-readable card, generated from the JSON so the two never disagree."""
    t = card["test_metrics"]
    rows = "\n".join(
        f"| {dx} | {NAMES[dx]} | {v['recall']:.3f} | {v['precision']:.3f} | {v['f1']:.3f} | {v['support']} |"
        for dx, v in t["per_class"].items()
    )
    tr = card["training"]
    distillation = f"- distillation: {tr['distillation']}\n" if "distillation" in tr else ""
    return f"""# Model card: `{card["name"]}`

{card["summary"]}

**Not a diagnosis.** A research and teaching demo trained on one public data set; it has not been
validated clinically. Any suspicious lesion belongs in front of a dermatologist.

## Model
| | |
|---|---|
| architecture | {card["architecture"]} |
| parameters | {card["parameters"]:,} |
| FLOPs per image | {card["flops"] / 1e9:.2f} G ({card["flops"] // 2:,} multiply-accumulates) |
| input | {card["input_size"][0]}x{card["input_size"][1]} RGB, raw 0-255 (normalisation inside the model) |
| Grad-CAM layer | `{card["last_conv"]}` |
| checkpoint (not served) | `{Path(card["file"]).name}` ({card["file_bytes"] / 1e6:.1f} MB), sha256 `{card["sha256"]}`{_restore(card.get("checkpoint_git"))} |
| temperature | {card["temperature"]:.3f} (fitted on validation; probabilities shown are calibrated) |
| referral threshold | P(mel)+P(bcc)+P(akiec) ≥ {card["referral_threshold"]:.3f} (validation sensitivity ≥ 0.85) |
| "Uncertain" below | a top-1 probability of {card.get("low_confidence", 0.45):.2f}, when not referred |
| CPU latency | {card.get("ms_per_image", 0):.1f} ms per image (batch 1, Keras, on {_machine(card)}) |

## Test split ({t["n"]} images of lesions never seen in training or validation)
| metric | value |
|---|---|
| accuracy | {_pct(t["accuracy"])} |
| balanced accuracy (mean per-class recall) | {_pct(t["balanced_accuracy"])} |
| top-2 / top-3 accuracy | {_pct(t["top2_accuracy"])} / {_pct(t["top3_accuracy"])} |
| macro ROC AUC (one-vs-rest) | {_pct(t["macro_auc"])} |
| melanoma ROC AUC | {_pct(t["melanoma_auc"])} |
| malignant roll-up ROC AUC | {_pct(t.get("malignant_auc"))} |
| expected calibration error (15 bins) | {_pct(t["ece"])} |
| referral sensitivity / specificity | {_pct(t["referral"]["sensitivity"])} / {_pct(t["referral"]["specificity"])} |

Validation: balanced accuracy {_pct(card["val_metrics"]["balanced_accuracy"])}, accuracy {_pct(card["val_metrics"]["accuracy"])}.

| class | name | recall | precision | F1 | support |
|---|---|---|---|---|---|
{rows}

![confusion matrix]({card["confusion_plot"]})
![reliability diagram]({card["reliability_plot"]})

## Training
- command: `{tr["command"]}`
{_data_lines(tr)}
- epochs run {tr["epochs"]} (best at {tr["best_epoch"]}), wall time {tr["wall_seconds"] / 60:.0f} min on {tr["hardware"]}{_speed(tr)}
- imbalance: {tr["imbalance"]}; augmentation: {tr["augmentation"]}
{distillation}- optimiser: {tr["optimizer"]}; seed {tr["seed"]}; Keras {tr["keras"]} on {tr["backend"]}

{_ood_section(card)}
{_photo_type_section(card)}{_litert_section(card)}{_similar_section(card)}## Intended use and limits
For education and demonstration with dermatoscopic photos like HAM10000's (mostly fair-skinned
European patients, seven diagnoses). Phone photos without a dermatoscope, other skin types, and
lesions outside these seven classes are out of scope; the app marks such inputs as uncertain.

## Data and licence
{_citations(card)}
"""


def not_served(folder: Path) -> None:
    """A RuntimeError when `folder` is the one the app serves from: only `ship` changes it, by a swap."""
    if folder.resolve() == paths.weights_dir().resolve():
        raise RuntimeError(
            f"{paths.relative(folder)} is the served folder: only python -m skinscan_ui.build.ship writes there "
            "(it stages, verifies and swaps); build this model somewhere else first"
        )


def check_figures(card: dict) -> None:
    """Every set of test figures the page shows holds the keys of the one schema (`model_store.Metrics`)."""
    shown = {"test_metrics": card.get("test_metrics")}
    shown |= {f"metrics_by_source.test.{s}": m for s, m in card.get("metrics_by_source", {}).get("test", {}).items()}
    shown["photo_type.clinical.test"] = card.get("photo_type", {}).get("clinical", {}).get("test")
    for where, m in shown.items():
        missing = Metrics.__required_keys__ - set(m) if m is not None else set()
        if missing:
            raise ValueError(f"{card['name']}'s {where} lacks {sorted(missing)}")


def write(card: dict, weights_dir: Path) -> None:
    """Write `<name>.json` and `<name>.md` beside the model file, and renew the folder's integrity manifest.

    The files a card names are in its own folder and named without it, so a card reads the same in a
    training run's folder, in `ship`'s staging folder and in `weights/`.
    """
    not_served(weights_dir)
    check_figures(card)
    name = card["name"]
    card = {
        **card,
        "file": f"{name}.keras",
        "confusion_plot": f"{name}_confusion.png",
        "reliability_plot": f"{name}_reliability.png",
    }
    (weights_dir / f"{card['name']}.json").write_text(json.dumps(card, indent=2) + "\n")
    (weights_dir / f"{card['name']}.md").write_text(ensemble_markdown(card) if "members" in card else markdown(card))
    write_manifest(weights_dir)


def _source_rows(metrics: dict) -> str:
    rows = []
    for source, m in metrics.items():
        ref = m["referral"]
        rows.append(
            f"| {source} | {m['n']} | {_pct(m['accuracy'])} | {_pct(m['balanced_accuracy'])} | {_pct(m['melanoma_auc'])} "
            f"| {_pct(m['macro_auc'])} | {_pct(m['ece'])} | {_pct(ref['sensitivity'])} / {_pct(ref['specificity'])} "
            f"| {m['conformal']['coverage']:.3f} ({m['conformal']['mean_size']:.2f} classes) |"
        )
    return "\n".join(rows)


def _trained_where(training: dict | None) -> str:
    """' on DEVICE: N epochs (best M) in S s, R images/s', from a member's training record, where it has one."""
    if not training or "hardware" not in training:
        return ""
    rate = f", {training['images_per_second']:.0f} images/s" if training.get("images_per_second") else ""
    return (
        f" on {training['hardware']}: {training['epochs']} epochs (best {training['best_epoch']}) "
        f"in {training['wall_seconds']:.0f} s{rate}"
    )


def ensemble_markdown(card: dict) -> str:
    """The human-readable card of an ensemble: its members, how they were chosen, every figure per source."""
    members = "\n".join(
        f"| {i} | {m['origin']} | {m['head']} | `{m['tflite']}` sha256 `{m['tflite_sha256'][:16]}...` | "
        f"{m['val_log_loss']:.4f} | {_pct(m['test']['ham10000']['balanced_accuracy'])} | "
        f"{_pct(m['test']['isic2017']['melanoma_auc'])} |"
        for i, m in enumerate(card["members"])
    )
    trail = ", ".join(f"{' + '.join(c)}: {loss:.4f}" for c, loss in card["selection"]["greedy_val_log_loss"])
    header = (
        "| source | images | accuracy | balanced acc. | melanoma AUC | macro AUC | ECE | referral sens. / spec. "
        "| 90% set coverage |\n|---|---|---|---|---|---|---|---|---|"
    )
    tr = card["training"]
    data = "\n".join(f"- {name}: sha256 `{d['sha256']}`, split `{d['split_file']}`" for name, d in tr["data"].items())
    fine_tunes = "".join(
        f"\n- member {i} was fine-tuned by `{m['trained_by']}`" + _trained_where(m.get("training"))
        for i, m in enumerate(card["members"])
        if m.get("trained_by")
    )
    fine_tunes += "".join(
        f"\n- member {i}'s checkpoint (not served): `{m['keras']}`, sha256 `{m['keras_sha256'][:16]}...`"
        + _restore(m.get("checkpoint_git"))
        for i, m in enumerate(card["members"])
    )
    return f"""# Model card: `{card["name"]}`

{card["summary"]}

**Not a diagnosis.** A research and teaching demo trained on public data; it has not been
validated clinically. Any suspicious lesion belongs in front of a dermatologist.

## Members
| # | network | head | served file | val. log loss | HAM10000 test bal. acc. (alone) | ISIC 2017 test mel. AUC (alone) |
|---|---|---|---|---|---|---|
{members}

Each member's backbone is frozen; its head was refitted on the training parts of both sources. The
members were added greedily by the ensemble's pooled validation log loss ({trail}); the shipped set
is {", ".join(card["selection"]["chosen"])}. Served through LiteRT, {len(card["members"])} members x {len(card["views"])} views:
{card["ms_per_image"]:.1f} ms a photo on {_machine(card)}. Grad-CAM is the mean of the members' class maps.

## Calibration and decisions (all fitted on pooled validation)
| | |
|---|---|
| temperature | {card["temperature"]:.3f} |
| referral threshold | P(mel)+P(bcc)+P(akiec) >= {card["referral_threshold"]:.3f} ({card.get("referral_rule", "sensitivity >= 0.85 on each source's validation part")}) |
| "Uncertain" below | a top-1 probability of {card.get("low_confidence", 0.45):.2f}, when not referred |
| 90% prediction set | classes with 1 - p <= {card["conformal"]["q"]:.3f} ({card["conformal"]["method"]}) |

## Test ({card["metrics_by_source"]["test"]["all"]["n"]} images of lesions never used for fitting or choosing)
{header}
{_source_rows(card["metrics_by_source"]["test"])}

ISIC 2017 has only nevi, melanomas and benign keratoses, so its macro AUC is over those three.

## Validation
{header}
{_source_rows(card["metrics_by_source"]["val"])}

![confusion matrix]({card["confusion_plot"]})
![reliability diagram]({card["reliability_plot"]})

## How it was built
- command: `{tr["command"]}` ({tr["wall_seconds"] / 60:.0f} min on {tr["hardware"]}; seed {tr["seed"]}; Keras {tr["keras"]} on {tr["backend"]})
{data}
- split sizes: {tr["split_sizes"]}{fine_tunes}

{_ood_section(card)}
{_photo_type_section(card)}{_similar_section(card)}## Intended use and limits
For education and demonstration. A dermatoscope photo's probabilities are calibrated on HAM10000
and ISIC 2017 validation photos; on photos from other dermatoscopes they are less reliable (see the
ISIC 2017 rows above for how much less on a second source).{_phone_limits(card)}

## Data and licence
{chr(10).join("- " + c for c in card["citation"])}

Licences: {card["licence"]}. Non-commercial use, with attribution.
"""


def _shipped(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.name != manifest.NAME and (p.name == "DEFAULT" or p.name.endswith(SUFFIXES))
    )


def write_manifest(folder: Path) -> Path:
    """Record the sha256 of every shipped file in `folder` (after a tool wrote one of them)."""
    path = folder / manifest.NAME
    files = {p.name: manifest.sha256(p) for p in _shipped(folder)}
    path.write_text(json.dumps({"files": files}, indent=2) + "\n")
    return path
