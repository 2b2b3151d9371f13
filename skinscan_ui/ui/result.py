"""The answer: outcome, top-3, heatmap and dataset context for one photo."""

from __future__ import annotations

import io

import streamlit as st
from PIL import Image

from skinscan_ui import charts, paths
from skinscan_ui.classifier import Result
from skinscan_ui.context import ContextError
from skinscan_ui.explain import overlay
from skinscan_ui.inference import OUTCOME_TEXT
from skinscan_ui.labels import CLASSES, DESCRIPTIONS, NAMES
from skinscan_ui.model_store import Card
from skinscan_ui.neighbors import majority, malignant_count
from skinscan_ui.ood import UNLIKE
from skinscan_ui.ui import services
from skinscan_ui.ui.sidebar import Settings

METHODS = {"gradcam": "Grad-CAM", "gradcam++": "Grad-CAM++", "scorecam": "Score-CAM"}


def outcome(result: Result, true_label: str | None) -> None:
    """The badge first: what to do, and why."""
    p = result.prediction
    show = {"refer": st.error, "benign": st.success, "uncertain": st.warning}[p.outcome]
    icon = {"refer": ":material/error:", "benign": ":material/check_circle:", "uncertain": ":material/help:"}[p.outcome]
    show(f"**{OUTCOME_TEXT[p.outcome]}**  \n{p.reason}", icon=icon)
    if true_label:
        verdict = "matches" if true_label == p.top1 else "differs from"
        st.caption(
            f"True diagnosis of this test-split example: **{NAMES[true_label]}** ({true_label}); "
            f"the model's top-1 {verdict} it."
        )


def top3(result: Result) -> None:
    """The three most likely diagnoses with plain descriptions, and all seven as a chart."""
    cols = st.columns(3)
    for col, (dx, name, prob) in zip(cols, result.prediction.top3):
        col.metric(name, f"{prob:.1%}", help=DESCRIPTIONS[dx])
        col.caption(DESCRIPTIONS[dx])
    if result.prediction.reason == UNLIKE:
        st.caption("Shown for transparency only: for a photo unlike the training images these numbers mean little.")
    st.plotly_chart(charts.probabilities(result.prediction.probabilities), key="probabilities")


def explanation(model: str, result: Result) -> None:
    """Grad-CAM beside the photo, for any of the top-3, with opacity and a PNG download."""
    st.subheader("Where the network looked")
    options = [dx for dx, _, _ in result.prediction.top3]
    c1, c2, c3 = st.columns([2, 2, 2])
    dx = c1.radio("Explain the class", options, horizontal=True, format_func=lambda d: d, key="cam_class")
    method = c2.selectbox(
        "Method",
        list(METHODS),
        format_func=METHODS.get,
        key="cam_method",
        help="Grad-CAM is instant; Grad-CAM++ and Score-CAM (tf-keras-vis) take a few seconds, more the first time.",
    )
    opacity = c3.slider("Heatmap opacity", 0.0, 1.0, 0.45, 0.05, key="cam_opacity")
    with st.spinner(f"Computing {METHODS[method]}…"):
        cam = services.heatmap(model, result, CLASSES.index(dx), method)
    blended = overlay(result.pixels, cam, opacity)
    left, right, _ = st.columns([2, 2, 1])
    left.image(result.pixels, caption="What the model saw", width="stretch")
    right.image(blended, caption=f"{METHODS[method]} for {NAMES[dx]}: red = most influential", width="stretch")
    buf = io.BytesIO()
    Image.fromarray(blended).save(buf, format="PNG")
    st.download_button(
        "Download heatmap (PNG)", buf.getvalue(), file_name=f"skinscan_{dx}_{method}.png", mime="image/png"
    )
    st.caption(
        "A heatmap shows which pixels moved the score, not proof that the model reasoned like a "
        "dermatologist. If it lights up rulers, hair or the frame edge, distrust the answer."
    )


def dataset_context(card: Card, result: Result, settings: Settings) -> None:
    """How the predicted class looks in HAM10000, and how reliable the model is on it."""
    dx = result.prediction.top1
    st.subheader(f"Context: {NAMES[dx]} in HAM10000")
    try:
        stats = services.dataset_context()
    except ContextError as exc:
        st.warning(f"Dataset context is unavailable: {exc}.")
        return
    a, b = st.columns(2)
    a.plotly_chart(charts.class_frequency(stats, dx), key="frequency")
    b.plotly_chart(charts.age_distribution(stats, dx, settings.age), key="age")
    c, d = st.columns(2)
    c.plotly_chart(charts.breakdown(stats, dx, "sex", settings.sex), key="sex")
    d.plotly_chart(charts.breakdown(stats, dx, "site", settings.site), key="site")
    metrics = card.data.get("test_metrics")
    if metrics and dx in metrics["per_class"]:
        m = metrics["per_class"][dx]
        st.markdown(
            f"**How reliable is this model for {dx}?** On held-out test lesions it found "
            f"**{m['recall']:.0%}** of true {dx} (recall), and **{m['precision']:.0%}** of its "
            f"{dx} answers were right (precision), over {m['support']} test images."
        )
        st.plotly_chart(charts.reliability(card.data, dx), key="reliability")


def similar_cases(result: Result) -> None:
    """The nearest known training lesions: their diagnoses always, their photos when the data is here."""
    if not result.similar:
        return
    st.subheader("Similar known cases")
    malignant = malignant_count(list(result.similar))
    st.markdown(
        f"The {len(result.similar)} HAM10000 training lesions nearest to this photo in the network's feature "
        f"space: **{malignant} of {len(result.similar)} malignant**, most often *{NAMES[majority(list(result.similar))]}*."
    )
    folder = paths.data_dir()
    for col, n in zip(st.columns(len(result.similar)), result.similar):
        photo = folder / f"{n.image_id}.jpg"
        if photo.is_file():
            col.image(str(photo), width="stretch")
        col.markdown(f"**{n.dx}** · {NAMES[n.dx]}")
        col.caption(f"similarity {n.similarity:.2f} · {n.image_id}")
    st.caption(
        "Similar in what the network measures, not necessarily in what a dermatologist sees. "
        "Photos appear only where the HAM10000 data folder is available."
    )
