"""The page, top to bottom: sidebar, photo, answer, explanation, context."""

from __future__ import annotations

import hashlib
import logging

import streamlit as st

from skinscan_ui.serve.classifier import Classifier, Result
from skinscan_ui.serve.images import ImageError
from skinscan_ui.serve.model_store import ModelError
from skinscan_ui.ui import allocator, services
from skinscan_ui.ui.answers import questions, with_answers
from skinscan_ui.ui.batch import batch_page
from skinscan_ui.ui.inputs import Photo, photo_input
from skinscan_ui.ui.language import plain, say, t
from skinscan_ui.ui.result import computed_anyway, dataset_context, explanation, outcome, similar_cases, top3
from skinscan_ui.ui.sidebar import Settings, sidebar
from skinscan_ui.ui.walkthrough import walkthrough_page

LOG = logging.getLogger("skinscan")  # for developers, in English; never shown in the page
# Captions in Streamlit's faded grey read at 4.2:1 on white; WCAG AA asks 4.5:1. This grey reads at 8.2:1.
# The uploader's own "100MB per file" is what the browser may send, not the limit: its label says the limit.
STYLE = (
    "<style>[data-testid='stCaptionContainer'] { color: #495057; }"
    " [data-testid='stFileUploaderDropzoneInstructions'] { display: none; }"
    # On a phone the columns stack, and an empty one (the tips' once a photo is in) left a gap under the input.
    " @media (max-width: 640px) { [data-testid='stColumn']:has(> [data-testid='stVerticalBlock']:empty)"
    " { display: none; } }</style>"
)


def main() -> None:
    allocator.tune()  # once per process, before the first model loads: closed sessions' memory goes back
    settings = sidebar()
    st.set_page_config(page_title=t("app.tab_title"))  # the browser tab in the page's language (app.py sets the rest)
    st.html(STYLE)  # style only: it takes no room on the page
    st.title("SkinScan")
    if settings.model is None or settings.mode != "one":
        st.markdown(t("app.intro"))
    if settings.model is None:
        return
    try:
        model = services.classifier(settings.model)
    except ModelError as exc:
        st.error(t("app.model_unusable", name=settings.model, why=exc))
        return
    if settings.mode == "batch":
        batch_page(settings.model)
        return
    if settings.mode == "walkthrough":
        walkthrough_page(model.card, settings)
        return
    photo = photo_input()
    # One place under the photo input: the intro while waiting, then the answer, which replaces it (and a new
    # photo's answer the last one's) at once, so nothing above it moves and the answer is on a phone's first screen.
    answer = st.empty()
    if photo is None:
        with answer.container():
            st.markdown(t("app.intro"))
            st.info(t("app.waiting"), icon=":material/photo_camera:")
        return
    digest = hashlib.sha256(photo.data).hexdigest()
    try:
        if st.session_state.get("answered") != digest:  # never the last photo's answer beside this one's name
            with answer.container(), st.spinner(t("app.analysing_name", name=plain(photo.name))):
                services.analyse(settings.model, photo.data)
        result = services.analyse(settings.model, photo.data)
    except ImageError as exc:
        answer.error(t("app.cannot_analyse", name=plain(photo.name), why=say(exc.message)))
        return
    except Exception as exc:  # noqa: BLE001 - never a traceback in front of a clinician; the type is logged
        LOG.error("analysis failed: %s", type(exc).__name__)
        answer.error(t("app.internal_error", name=plain(photo.name)))
        return
    finally:
        st.session_state["answered"] = digest
    with answer.container():
        page(model, settings, photo, result)


def page(model: Classifier, settings: Settings, photo: Photo, result: Result) -> None:
    """The answer, top down: the photo and its badge, the top-3, where the network looked, context."""
    st.divider()
    asked = result  # the photo's own answer, which the questions belong to
    result = with_answers(model, result)
    thumb, badge = st.columns([1, 4], vertical_alignment="center")
    # small: on a phone the top-1 stays on the first screen
    thumb.image(result.pixels, width=96, alt=t("alt.photo", name=photo.name))
    thumb.caption(t("res.analysed", name=plain(photo.name)))
    with badge:
        outcome(result, photo.true_label, model.card)
    questions(model, asked)
    if not result.prediction.diagnosed:  # no class, heatmap or class context for a photo unlike a lesion
        computed_anyway(result, model.card)
        return
    top3(result, model.card)
    st.divider()
    explanation(settings.model, result)
    similar_cases(result)
    st.divider()
    dataset_context(model.card, result, settings)
