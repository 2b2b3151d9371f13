"""What the patient says about a phone close-up: six optional questions, and how they move the answer.

The answers are read before the badge is drawn (from the widgets' state) and asked below it, so the
badge stays on a phone's first screen and always reflects them.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from skinscan_ui.serve.classifier import Classifier, Result
from skinscan_ui.serve.photo_type import CLINICAL, QUESTIONS
from skinscan_ui.ui.language import t

CHOICES = ("unknown", "yes", "no")


def _asked(model: Classifier, result: Result) -> bool:
    """Only a phone close-up, and only where the model has a reading of the answers."""
    p = result.prediction
    return p.diagnosed and p.photo_type == CLINICAL and model.types is not None and model.types.history is not None


def _key(question: str, result: Result) -> str:
    return f"answer_{question}_{hashlib.sha256(result.pixels.tobytes()).hexdigest()[:16]}"  # new photo, new answers


def with_answers(model: Classifier, result: Result) -> Result:
    """The result as the answers given so far move it (the photo's own when none is given)."""
    if not _asked(model, result):
        return result
    chosen = {q: st.session_state.get(_key(q, result), "unknown") for q in QUESTIONS}
    return model.with_answers(result, {q: None if c == "unknown" else c == "yes" for q, c in chosen.items()})


def questions(model: Classifier, result: Result) -> None:
    """The six questions, collapsed and optional, for a phone close-up."""
    if not _asked(model, result):
        return
    with st.expander(t("ans.title"), icon=":material/forum:"):
        st.caption(t("ans.help"))
        columns = st.columns(3)
        for i, question in enumerate(QUESTIONS):
            columns[i % 3].radio(
                t(f"ans.{question}"),
                CHOICES,
                format_func=lambda c: t(f"ans.{c}"),
                horizontal=True,
                key=_key(question, result),
            )
