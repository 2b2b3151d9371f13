"""A guided tour for a live demo: the presenter clicks through six steps on one photo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from skinscan_ui.serve.classifier import Result
from skinscan_ui.serve.images import ImageError
from skinscan_ui.serve.model_store import Card
from skinscan_ui.ui import services
from skinscan_ui.ui.inputs import Photo, clear, photo_input
from skinscan_ui.ui.language import plain, say, t
from skinscan_ui.ui.result import dataset_context, explanation, outcome, similar_cases, top3
from skinscan_ui.ui.sidebar import Settings, intended_use


@dataclass(frozen=True)
class Step:
    key: str  # walk.<key> is the title, walk.<key>_say the presenter's talking points
    show: Callable[[Card, Result, Settings, Photo], None]


STEPS = [
    Step(
        "upload",
        lambda card, result, settings, photo: st.image(
            result.pixels, caption=t("walk.seen", name=photo.name), alt=t("alt.photo", name=photo.name)
        ),
    ),
    Step("top3", lambda card, result, settings, photo: top3(result, card)),
    Step("heatmap", lambda card, result, settings, photo: explanation(settings.model, result)),
    Step(
        "context",
        lambda card, result, settings, photo: (dataset_context(card, result, settings), similar_cases(result)),
    ),
    Step("referral", lambda card, result, settings, photo: outcome(result, photo.true_label, card)),
    Step("limits", lambda card, result, settings, photo: (st.markdown(_limits(card)), st.markdown(intended_use(card)))),
]


def _limits(card: Card) -> str:
    m = card.test_metrics
    if not m:
        return ""
    r = m["referral"]
    return t(
        "walk.limits_figures",
        acc=m["accuracy"],
        bal=m["balanced_accuracy"],
        sens=r["sensitivity"],
        spec=r["specificity"],
    )


def walkthrough_page(card: Card, settings: Settings) -> None:
    step = st.session_state.setdefault("walk_step", 0)
    if step == 0:
        chosen = photo_input()
        if chosen is not None:
            st.session_state["walk_photo"] = chosen
    photo: Photo | None = st.session_state.get("walk_photo")
    if step == 0 and photo is not None and chosen is None:  # came back to step 1: say which photo the tour is on
        st.caption(t("walk.current", name=plain(photo.name)))
    title = t(f"walk.{STEPS[step].key}")
    st.progress((step + 1) / len(STEPS), text=t("walk.step", i=step + 1, n=len(STEPS), title=title))
    st.info(t(f"walk.{STEPS[step].key}_say"), icon=":material/record_voice_over:")
    buttons = st.container(horizontal=True, gap="small")  # one row, on a phone too: the step stays on screen
    buttons.button(t("walk.back"), key="walk_back", disabled=step == 0, on_click=_move, args=(-1,))
    buttons.button(t("walk.restart"), key="walk_restart", on_click=_restart)
    buttons.button(
        t("walk.next"),
        key="walk_next",
        type="primary",
        disabled=step == len(STEPS) - 1 or photo is None,
        on_click=_move,
        args=(1,),
    )
    if photo is None:
        st.caption(t("walk.choose"))
        return
    try:
        result = services.analyse(settings.model, photo.data)
    except ImageError as exc:
        st.error(t("app.cannot_analyse", name=photo.name, why=say(exc.message)))
        return
    if STEPS[step].key not in ("upload", "heatmap"):  # the photo stays in view on every step
        st.image(result.pixels, width=240, caption=t("walk.seen", name=photo.name), alt=t("alt.photo", name=photo.name))
    STEPS[step].show(card, result, settings, photo)


def _restart() -> None:
    st.session_state["walk_step"] = 0
    st.session_state.pop("walk_photo", None)
    clear()


def _move(delta: int) -> None:
    st.session_state["walk_step"] = min(max(st.session_state.get("walk_step", 0) + delta, 0), len(STEPS) - 1)
