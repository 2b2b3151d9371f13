"""What the patient says about a phone close-up: six optional questions, and how they move the answer."""

from __future__ import annotations

import hashlib

import streamlit as st

from skinscan_ui.serve.classifier import Classifier, Result
from skinscan_ui.serve.photo_type import CLINICAL, QUESTIONS
from skinscan_ui.ui.language import t

CHOICES = ("unknown", "yes", "no")


def patient_answers(model: Classifier, result: Result) -> Result:
    """For a phone close-up, where the model has that reading: the questions, and the result they give.

    Collapsed and optional; left unanswered, the result is the photo's alone.
    """
    if result.prediction.photo_type != CLINICAL or model.types is None or model.types.history is None:
        return result
    photo = hashlib.sha256(result.pixels.tobytes()).hexdigest()[:16]  # new photo, new answers
    answers: dict[str, bool | None] = {}
    with st.expander(t("ans.title"), icon=":material/forum:"):
        st.caption(t("ans.help"))
        columns = st.columns(3)
        for i, question in enumerate(QUESTIONS):
            choice = columns[i % 3].radio(
                t(f"ans.{question}"),
                CHOICES,
                format_func=lambda c: t(f"ans.{c}"),
                horizontal=True,
                key=f"answer_{question}_{photo}",
            )
            answers[question] = None if choice == "unknown" else choice == "yes"
    return model.with_answers(result, answers)
