"""The sidebar: language, mode, which model, optional patient details, and what the model is."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import streamlit as st

from skinscan_ui.serve import i18n, model_store, paths
from skinscan_ui.serve.labels import CITATION, LICENCE, SEXES, SITES
from skinscan_ui.ui import services
from skinscan_ui.ui.language import bound, current, t

MODES = ("one", "batch", "walkthrough")


@dataclass(frozen=True)
class Settings:
    """What the user chose in the sidebar."""

    model: str | None  # None: no model is available
    mode: str  # one | batch | walkthrough
    age: int | None
    sex: str | None
    site: str | None


def _model_label(card: model_store.Card, tr) -> str:
    bal = card.balanced_accuracy
    return tr("side.model_label", name=card.name, bal=i18n.Percent(bal)) if bal is not None else card.name


def _kept(widget, label: str, options: list, name: str, default: int | None = 0, **kwargs):
    """A widget whose choice survives a language switch, shown in the new language.

    The browser keeps a choice by its displayed text, which a switch changes; so each language has
    its own widget (`name` + language), started from the choice kept under `name`.
    """
    kept = st.session_state.get(name)
    index = options.index(kept) if kept in options else default
    value = widget(label, options, index=index, key=f"{name}_{current()}", **kwargs)
    st.session_state[name] = value
    return value


def sidebar() -> Settings:
    """Draw the sidebar and return the user's choices."""
    current()  # the browser's language until the user picks one
    tr = bound()
    with st.sidebar:
        st.header(t("side.settings"))
        st.selectbox(t("side.language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key="lang")
        mode = _kept(
            st.radio,
            t("side.mode"),
            list(MODES),
            "mode",
            format_func=lambda m: tr(f"mode.{m}"),
            help=t("side.mode_help"),
        )
        cards = model_store.available()
        if cards:
            labels = {c.name: c for c in cards}
            chosen = labels[
                _kept(
                    st.selectbox,
                    t("side.model"),
                    list(labels),
                    "model",
                    format_func=lambda name: _model_label(labels[name], tr),
                    help=t("side.model_help"),
                )
            ]
        else:
            chosen = None
            st.error(t("side.no_model", folder=paths.relative(paths.weights_dir())))

        for problem in model_store.problems():
            st.warning(t("side.model_files", problem=problem))

        st.subheader(t("side.patient"))
        st.caption(t("side.patient_help"))
        not_given = t("side.not_given")
        age = st.number_input(
            t("side.age"), min_value=0, max_value=110, value=None, step=1, placeholder=not_given, key="patient_age"
        )
        sex, site = (
            _kept(
                st.selectbox,
                t(f"side.{field}"),
                list(values),
                field,
                None,
                placeholder=not_given,
                format_func=lambda v, field=field: tr(f"{field}.{v}"),
            )
            for field, values in (("sex", SEXES), ("site", SITES))
        )

        if chosen is not None:
            with st.expander(t("side.about")):
                about(chosen)
        st.caption(t("side.disclaimer"))
        st.caption(t("side.privacy"))
        # <html lang> follows the page's language, so a screen reader reads Spanish with a Spanish voice
        st.html(f"<script>document.documentElement.lang = '{current()}';</script>", unsafe_allow_javascript=True)
    return Settings(chosen.name if chosen else None, mode, int(age) if age is not None else None, sex, site)


def summary(card: model_store.Card, lang: str) -> str:
    """The model's one-line summary in the page's language. The catalog's English must say exactly what the
    card says, so a translation never outlives a changed card: then the card's own words are shown."""
    english, key = card.summary, f"summary.{card.name}"
    if key not in i18n.CATALOG:
        return english
    epochs, best = card.epochs
    fields = {
        "members": len(card.members),
        "views": len(card.views) if card.views else 0,
        "epochs": epochs,
        "best": best,
    }
    return i18n.text(key, lang, **fields) if i18n.text(key, "en", **fields) == english else english


def intended_use(card: model_store.Card) -> str:
    """What the model is for, and what it does with a phone photo: read by its own part, or outside its training."""
    n = card.phone_photos
    return t("about.use") if n is None else t("about.use_phone", n=n)


def about(card: model_store.Card) -> None:
    """The sidebar's short version: what the model is, and a button to its full card (a popover: the
    browser opens it at once, with no rerun)."""
    st.markdown(f"**{card.name}**: {summary(card, current())}")
    with st.popover(t("about.open"), width="stretch"):
        model_card(card)
    st.markdown(intended_use(card))
    st.markdown(t("about.data", citation=CITATION, licence=LICENCE))


def figures(source: str, m: model_store.Metrics, lang: str) -> str:
    """One test set's figures in plain words."""
    pc = partial(i18n.percent, lang=lang)
    return t(
        "about.source",
        source=source,
        n=i18n.count(m["n"], lang),
        acc=pc(m["accuracy"]),
        bal=pc(m["balanced_accuracy"]),
        sens=pc(m["referral"]["sensitivity"]),
        fp=pc(1 - m["referral"]["specificity"]),
        auc=pc(m["melanoma_auc"]),
        ece=round(100 * m["ece"]),
    )


def rules(card: model_store.Card, lang: str) -> str:
    """The badge's rules in order, with the model's own thresholds (a phone close-up's where it has one)."""
    said = {"thr": i18n.percent(card.referral_threshold, lang), "low": i18n.percent(card.low_confidence, lang)}
    phone = card.phone or {}
    if "referral_threshold" not in phone:
        return t("about.rule", **said)
    return t("about.rule_typed", thr_phone=i18n.percent(phone["referral_threshold"], lang), **said)


def model_card(card: model_store.Card) -> None:
    """The model card for a person: plain figures per source, a readable confusion matrix and reliability diagram."""
    lang = current()
    st.subheader(t("about.title", name=card.name))
    st.markdown(summary(card, lang))
    for source, m in card.test_by_source.items():
        st.markdown(figures(t(f"source.{source}"), m, lang))
    if card.phone_test:
        st.markdown(figures(t("source.phone"), card.phone_test, lang))
    st.markdown(rules(card, lang))
    for figure in services.card_charts(card, lang):
        st.plotly_chart(figure, config={"displayModeBar": False})
    st.caption(t("about.size", params=round(card.parameters / 1e6, 1), h=card.input_size[0], w=card.input_size[1]))
    st.markdown(intended_use(card))
