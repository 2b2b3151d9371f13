"""The page, top to bottom: sidebar, photo, answer, explanation, context."""

from __future__ import annotations

import logging

import streamlit as st

from skinscan_ui.images import ImageError
from skinscan_ui.model_store import ModelError
from skinscan_ui.ui import services
from skinscan_ui.ui.batch import batch_page
from skinscan_ui.ui.inputs import photo_input
from skinscan_ui.ui.result import dataset_context, explanation, outcome, similar_cases, top3
from skinscan_ui.ui.sidebar import sidebar
from skinscan_ui.ui.walkthrough import walkthrough_page


def main() -> None:
    settings = sidebar()
    st.title("SkinScan")
    st.markdown(
        "Upload a dermatoscopic photo of a skin lesion, or take one. SkinScan shows the three most "
        "likely of seven diagnoses with calibrated probabilities, where the network looked, and how "
        "the diagnosis presents in the HAM10000 data set. *A teaching demo, not a diagnosis.*"
    )
    if settings.model is None:
        return
    try:
        model = services.classifier(settings.model)
    except ModelError as exc:
        st.error(f"The model **{settings.model}** cannot be used: {exc}.")
        return
    if settings.mode == "batch":
        batch_page(settings.model)
        return
    if settings.mode == "walkthrough":
        walkthrough_page(model.card, settings)
        return
    photo = photo_input()
    if photo is None:
        st.info(
            "Waiting for a photo. Nothing is analysed until you upload or take one.", icon=":material/photo_camera:"
        )
        return
    try:
        with st.spinner("Analysing…"):
            result = services.analyse(settings.model, photo.data)
    except ImageError as exc:
        st.error(f"**{photo.name}** cannot be analysed. {exc}")
        return
    except Exception as exc:  # noqa: BLE001 - never a traceback in front of a clinician; the type is logged
        logging.getLogger("skinscan").error("analysis failed: %s", type(exc).__name__)
        st.error(
            f"**{photo.name}** could not be analysed because of an internal error. "
            "Try another photo; if it keeps happening, restart the app."
        )
        return
    st.divider()
    outcome(result, photo.true_label)
    top3(result)
    st.divider()
    explanation(settings.model, result)
    similar_cases(result)
    st.divider()
    dataset_context(model.card, result, settings)
