"""The sidebar: which model, optional patient details, and what the model is."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from skinscan_ui import model_store, paths
from skinscan_ui.labels import CITATION, LICENCE, SEXES, SITES

DISCLAIMER = (
    "SkinScan is a research and teaching demo, **not a diagnosis** and not a medical device. "
    "It has not been validated clinically. Any lesion that worries you or your patient belongs "
    "in front of a dermatologist, whatever SkinScan says."
)

PRIVACY = (
    "Photos are processed in memory only: nothing you upload or take with the camera is "
    "written to disk, logged or kept after you close the page."
)


MODES = {"one": "One photo", "batch": "Several photos", "walkthrough": "Walkthrough"}


@dataclass(frozen=True)
class Settings:
    """What the user chose in the sidebar."""

    model: str | None  # None: no model is available
    mode: str  # one | batch | walkthrough
    age: int | None
    sex: str | None
    site: str | None


def _model_label(card: model_store.Card) -> str:
    bal = card.balanced_accuracy
    return f"{card.name} (bal. acc. {bal:.0%})" if bal is not None else card.name


def sidebar() -> Settings:
    """Draw the sidebar and return the user's choices."""
    with st.sidebar:
        st.header("SkinScan")
        mode = st.radio(
            "Mode",
            list(MODES),
            format_func=MODES.get,
            key="mode",
            help="Several photos: a table with referrals first, and a PDF report. "
            "Walkthrough: a guided tour of one photo for a live demo.",
        )
        cards = model_store.available()
        if cards:
            labels = {_model_label(c): c for c in cards}
            chosen = labels[
                st.selectbox(
                    "Model",
                    list(labels),
                    help="Models shipped in weights/, default first. "
                    "Balanced accuracy is the mean recall over the seven classes on the held-out test lesions.",
                )
            ]
        else:
            chosen = None
            st.error(
                f"No usable model found in {paths.relative(paths.weights_dir())}/ "
                "(each needs a .keras file and its .json model card)."
            )

        for problem in model_store.problems():
            st.warning(f"Model files: {problem}.")

        st.subheader("Patient (optional)")
        st.caption("Only used to place the patient in the dataset charts; the model sees the photo alone.")
        age = st.number_input("Age", min_value=0, max_value=110, value=None, step=1, placeholder="not given")
        sex = st.selectbox("Sex", SEXES, index=None, placeholder="not given")
        site = st.selectbox("Body site", SITES, index=None, placeholder="not given")

        if chosen is not None:
            with st.expander("About this model"):
                about(chosen)
        st.caption(DISCLAIMER)
        st.caption(PRIVACY)
    return Settings(chosen.name if chosen else None, mode, int(age) if age is not None else None, sex, site)


def about(card: model_store.Card) -> None:
    """The model card's essentials, its confusion matrix, intended use and citation."""
    d = card.data
    t = d.get("test_metrics", {})
    st.markdown(f"**{card.name}**: {d.get('summary', '')}")
    if t:
        st.markdown(
            f"- test split: {t['n']} images of unseen lesions\n"
            f"- accuracy {t['accuracy']:.1%}, balanced accuracy {t['balanced_accuracy']:.1%}\n"
            f"- melanoma ROC AUC {t['melanoma_auc']:.3f}, calibration error {t['ece']:.3f}\n"
            f"- referral at P(malignant) ≥ {card.referral_threshold:.0%}: sensitivity "
            f"{t['referral']['sensitivity']:.0%}, specificity {t['referral']['specificity']:.0%}\n"
            f"- {d.get('parameters', 0):,} parameters, input {card.input_size[0]}×{card.input_size[1]}"
        )
    plot = paths.ROOT / d.get("confusion_plot", "")
    if d.get("confusion_plot") and plot.is_file():
        st.image(str(plot), caption="Confusion matrix on the test split")
    st.markdown(
        "**Intended use.** Teaching and demonstration with dermatoscopic photos like "
        "HAM10000's. Not for self-diagnosis; phone photos without a dermatoscope, other skin "
        "types and other diagnoses are outside what it was trained on."
    )
    st.markdown(f"**Data.** {CITATION} Licence: {LICENCE}.")
