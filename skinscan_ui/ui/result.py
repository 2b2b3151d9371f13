"""The answer: outcome, top-3, heatmap, similar cases and dataset context for one photo."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st
from PIL import Image

from skinscan_ui.serve import conformal, examples
from skinscan_ui.serve.classifier import Result
from skinscan_ui.serve.context import ContextError
from skinscan_ui.serve.explain import overlay, slide
from skinscan_ui.serve.i18n import percent, versus
from skinscan_ui.serve.inference import against_truth
from skinscan_ui.serve.labels import CLASSES
from skinscan_ui.serve.model_store import Card
from skinscan_ui.serve.neighbors import majority, malignant_count
from skinscan_ui.ui import charts, services
from skinscan_ui.ui.language import class_name, current, say, t
from skinscan_ui.ui.sidebar import Settings

CHART_CONFIG = {"displayModeBar": False}  # the toolbar covered every title on a phone
METHODS = {"gradcam": "Grad-CAM", "gradcam++": "Grad-CAM++", "scorecam": "Score-CAM"}


def outcome(result: Result, true_label: str | None, card: Card) -> None:
    """The badge first: what to do, and why; which model said so; and, for an example, whether it was right."""
    p = result.prediction
    show = {"refer": st.error, "benign": st.success, "uncertain": st.warning}[p.outcome]
    icon = {"refer": ":material/error:", "benign": ":material/check_circle:", "uncertain": ":material/help:"}[p.outcome]
    show(f"**{t(f'outcome.{p.outcome}')}**  \n{say(p.reason)}", icon=icon)
    if p.moved_from is not None:
        st.info(
            t(
                "res.answers_moved",
                before=percent(p.moved_from, current()),
                after=percent(p.malignant_probability, current()),
            )
        )
    if p.unlike_training:
        st.warning(t("res.unlike_note"), icon=":material/warning:")
    if p.photo_type:
        st.caption(t("res.typed_by", kind=t(f"kind.{p.photo_type}"), model=card.name))
    else:
        st.caption(t("res.answered_by", model=card.name))
    if p.photo_type in ("clinical", "not_lesion"):  # what the type means for trusting the answer
        st.caption(photo_type_note(p.photo_type, card))
    if not true_label:
        return
    verdict = against_truth(p, true_label)
    if verdict == "missed":
        answer = t(f"outcome.{p.outcome}") if p.outcome != "refer" else class_name(p.top1)
        st.warning(t("res.missed", name=class_name(true_label), answer=answer), icon=":material/school:")
    else:
        key = {"referred": "res.true_label_referred", "match": "res.true_label_match"}.get(
            verdict, "res.true_label_differ"
        )
        st.caption(t(key, name=class_name(true_label), dx=true_label, top1=class_name(p.top1)))


def photo_type_note(kind: str, card: Card) -> str:
    """One line on what the photo type means for how far to trust the answer."""
    if kind == "clinical":
        return t("kind_note.clinical", n=card.phone_photos or 0)
    return t(f"kind_note.{kind}")


def top3(result: Result, card: Card) -> None:
    """The three most likely diagnoses with plain descriptions, the 90% set, and all seven as a chart."""
    p, lang = result.prediction, current()
    cols = st.columns(3)
    for col, (dx, _, prob) in zip(cols, p.top3, strict=True):
        col.metric(class_name(dx), percent(prob, lang))  # no tooltip: the caption below says it
        col.caption(t(f"about.{dx}"))
    if not p.diagnosed:
        st.caption(t("res.transparency"))
    elif p.conformal_q is not None:
        order, explain = conformal.ordered_set(p.probabilities, p.conformal_q, p.outcome == "refer")
        st.markdown(t("res.conformal", names=", ".join(class_name(CLASSES[i]) for i in order)))
        if explain:
            st.caption(t("res.conformal_refer", mal=versus(p.malignant_probability, p.threshold)[0]))
    else:
        st.caption(t("res.no_set"))  # said, so the set does not vanish without a word when the model changes
    by_source = card.test_by_source
    if "isic2017" in by_source:
        ham, other = by_source["ham10000"]["melanoma_auc"], by_source["isic2017"]["melanoma_auc"]
        st.caption(t("res.calibration_note", ham=ham, other=other))
    st.plotly_chart(charts.probabilities(p.probabilities, lang), key="probabilities", config=CHART_CONFIG)


def computed_anyway(result: Result, card: Card) -> None:
    """For a photo unlike any lesion photo: no diagnosis on the page, the numbers only behind a closed expander."""
    with st.expander(t("res.computed_anyway"), expanded=False):
        top3(result, card)


@st.fragment
def explanation(model: str, result: Result) -> None:
    """Grad-CAM beside the photo, for any of the top-3, with opacity and a PNG download.

    A fragment: a pick, a method or an opacity reruns this part only, not the page above and below it.
    """
    st.subheader(t("res.where"))
    options = [dx for dx, _, _ in result.prediction.top3]
    c1, c2, c3 = st.columns([2, 2, 2])
    # Keyed by the photo, so every new photo starts on its own top-1 (not the class picked for the last one).
    photo = hashlib.sha256(result.pixels.tobytes()).hexdigest()[:16]
    dx = c1.radio(t("res.explain_class"), options, horizontal=True, format_func=class_name, key=f"cam_class_{photo}")
    method = c2.selectbox(
        t("res.method"), list(METHODS), format_func=METHODS.get, key="cam_method", help=t("res.method_help")
    )
    opacity = c3.slider(t("res.opacity"), 0.0, 1.0, 0.45, 0.05, key="cam_opacity")
    with st.spinner(t("res.computing", method=METHODS[method])):
        cam = services.heatmap(model, result, CLASSES.index(dx), method)
    blended = overlay(result.pixels, cam, opacity)
    left, right, _ = st.columns([2, 2, 1])
    left.image(inline(result.pixels), caption=t("res.model_saw"), width="stretch", alt=t("alt.seen"))
    caption = t("res.cam_caption", method=METHODS[method], name=class_name(dx))
    right.image(inline(blended), caption=caption, width="stretch", alt=t("alt.heatmap", name=class_name(dx)))
    words = Slide(
        t("res.slide_title", method=METHODS[method], name=class_name(dx)),
        (t("res.model_saw"), caption),
        (t("res.legend_low"), t("res.legend_high")),
        t("res.slide_footer", model=model),
    )
    st.download_button(  # drawn when clicked, not on every pick
        t("res.download_cam"),
        partial(_slide_png, result.pixels, cam, words, opacity),
        file_name=f"skinscan_{dx}_{method}.png",
        mime="image/png",
    )
    st.caption(t("res.cam_warning"))


def inline(pixels: np.ndarray) -> str:
    """The picture as a JPEG data URL, carried in the page's own message.

    A picture passed as pixels is served as a media file that lives only until the next run: moving the
    slider fast, the browser could ask for the previous run's heatmap after it was dropped and show a
    broken image. A data URL cannot go missing, and needs no second request.
    """
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@dataclass(frozen=True)
class Slide:
    """The slide's words, in the page's language (the PNG is drawn outside the page's run)."""

    title: str
    captions: tuple[str, str]
    legend: tuple[str, str]
    footer: str


def _slide_png(pixels: np.ndarray, cam: np.ndarray, words: Slide, opacity: float) -> bytes:
    picture = slide(pixels, cam, words.title, words.captions, words.legend, words.footer, opacity)
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format="PNG")
    return buf.getvalue()


def dataset_context(card: Card, result: Result, settings: Settings) -> None:
    """How the predicted class looks in HAM10000, and how reliable the model is on it."""
    dx, lang = result.prediction.top1, current()
    st.subheader(t("res.context", name=class_name(dx)))
    try:
        stats = services.dataset_context()
    except ContextError as exc:
        st.warning(t("res.no_context", why=exc))
        return
    a, b = st.columns(2)
    a.plotly_chart(charts.class_frequency(stats, dx, lang), key="frequency", config=CHART_CONFIG)
    b.plotly_chart(charts.age_distribution(stats, dx, settings.age, lang), key="age", config=CHART_CONFIG)
    c, d = st.columns(2)
    c.plotly_chart(charts.breakdown(stats, dx, "sex", settings.sex, lang), key="sex", config=CHART_CONFIG)
    d.plotly_chart(charts.breakdown(stats, dx, "site", settings.site, lang), key="site", config=CHART_CONFIG)
    metrics = card.test_metrics
    if metrics and dx in metrics["per_class"]:
        m = metrics["per_class"][dx]
        st.markdown(
            t("res.reliability", dx=class_name(dx), recall=m["recall"], precision=m["precision"], support=m["support"])
        )
        st.plotly_chart(charts.reliability(metrics, dx, lang), key="reliability", config=CHART_CONFIG)


def similar_cases(result: Result) -> None:
    """The nearest known training lesions: their diagnoses always, their photos when the data is here."""
    if not result.similar:
        return
    similar = list(result.similar)
    st.subheader(t("res.similar"))
    st.markdown(
        t("res.similar_summary", k=len(similar), malignant=malignant_count(similar), name=class_name(majority(similar)))
    )
    photos = [examples.image_path(n.image_id) for n in similar]
    if all(p.is_file() for p in photos):  # one strip, so a phone shows them in a row, not 1,500 px of stacked photos
        strip = np.concatenate([np.asarray(Image.open(p).convert("RGB").resize((200, 150))) for p in photos], 1)
        st.image(strip, alt=t("alt.similar", k=len(similar)))
    st.markdown(
        "\n".join(
            f"{i}. **{class_name(n.dx)}** · {t('res.similarity', value=n.similarity, image_id=n.image_id)}"
            for i, n in enumerate(similar, 1)
        )
    )
    st.caption(t("res.similar_note"))
