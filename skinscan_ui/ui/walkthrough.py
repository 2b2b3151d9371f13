"""A guided tour for a live demo: the presenter clicks through six steps on one photo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from skinscan_ui.classifier import Result
from skinscan_ui.images import ImageError
from skinscan_ui.model_store import Card
from skinscan_ui.ui import services
from skinscan_ui.ui.inputs import Photo, photo_input
from skinscan_ui.ui.result import dataset_context, explanation, outcome, similar_cases, top3
from skinscan_ui.ui.sidebar import Settings


@dataclass(frozen=True)
class Step:
    title: str
    say: str  # the presenter's talking points
    show: Callable[[Card, Result, Settings, Photo], None]


STEPS = [
    Step(
        "Upload",
        "Start from a dermatoscopic photo: here a test-split lesion the model never saw in training (or your own "
        "upload). Everything happens in memory; nothing is stored.",
        lambda card, result, settings, photo: st.image(result.pixels, caption=f"{photo.name}: what the model sees"),
    ),
    Step(
        "Read the top-3",
        "Three diagnoses with calibrated probabilities: of the photos given 70%, about 70% are right. "
        "Read them as a differential, not a verdict.",
        lambda card, result, settings, photo: top3(result),
    ),
    Step(
        "Read the heatmap",
        "Grad-CAM shows which pixels pushed the score for a class. Good sign: heat on the lesion. "
        "Bad sign: heat on rulers, hair, ink or the frame edge; then distrust the answer.",
        lambda card, result, settings, photo: explanation(settings.model, result),
    ),
    Step(
        "Read the context",
        "How common this diagnosis is in HAM10000, at what age, sex and body site, how reliable the model is "
        "for it, and the most similar known lesions.",
        lambda card, result, settings, photo: (dataset_context(card, result, settings), similar_cases(result)),
    ),
    Step(
        "The referral logic",
        "SkinScan adds P(melanoma) + P(basal cell carcinoma) + P(actinic keratosis) and refers at or above the "
        "threshold chosen on validation to catch at least 85% of malignant lesions. A photo unlike the training "
        "images, or with no class above 45%, is called Uncertain.",
        lambda card, result, settings, photo: outcome(result, photo.true_label),
    ),
    Step(
        "The limits",
        "Trained on one public data set (mostly fair skin, seven diagnoses, dermatoscope photos). Not validated "
        "clinically, not a medical device. Phone photos, other skin types and other lesions are out of scope.",
        lambda card, result, settings, photo: st.markdown(_limits(card)),
    ),
]


def _limits(card: Card) -> str:
    t = card.data.get("test_metrics", {})
    if not t:
        return ""
    return (
        f"On held-out test lesions this model is right **{t['accuracy']:.0%}** of the time, finds "
        f"**{t['balanced_accuracy']:.0%}** of each diagnosis on average, and refers "
        f"**{t['referral']['sensitivity']:.0%}** of malignant lesions (specificity {t['referral']['specificity']:.0%})."
    )


def walkthrough_page(card: Card, settings: Settings) -> None:
    step = st.session_state.setdefault("walk_step", 0)
    if step == 0:
        chosen = photo_input()
        if chosen is not None:
            st.session_state["walk_photo"] = chosen
    photo: Photo | None = st.session_state.get("walk_photo")
    st.progress((step + 1) / len(STEPS), text=f"Step {step + 1} of {len(STEPS)}: {STEPS[step].title}")
    st.info(STEPS[step].say, icon=":material/record_voice_over:")
    back, _, forward = st.columns([1, 4, 1])
    back.button("Back", key="walk_back", disabled=step == 0, on_click=_move, args=(-1,), width="stretch")
    forward.button(
        "Next",
        key="walk_next",
        type="primary",
        disabled=step == len(STEPS) - 1 or photo is None,
        on_click=_move,
        args=(1,),
        width="stretch",
    )
    if photo is None:
        st.caption("Choose a photo (an example works well) to begin the tour.")
        return
    try:
        result = services.analyse(settings.model, photo.data)
    except ImageError as exc:
        st.error(f"**{photo.name}** cannot be analysed. {exc}")
        return
    STEPS[step].show(card, result, settings, photo)


def _move(delta: int) -> None:
    st.session_state["walk_step"] = min(max(st.session_state.get("walk_step", 0) + delta, 0), len(STEPS) - 1)
