"""Several photos at once: progress, a sortable table with referrals first, a heatmap per row, CSV and PDF."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from skinscan_ui.serve.explain import overlay
from skinscan_ui.serve.images import MAX_BYTES, ImageError
from skinscan_ui.serve.model_store import Card
from skinscan_ui.ui import report, services
from skinscan_ui.ui.language import class_name, current, plain, say, t

MAX_PHOTOS = 50
OUTCOME_COLOURS = {  # the badge's colours, so the table reads at a glance
    "refer": "background-color: #ffe3e3; color: #c92a2a; font-weight: 600",
    "uncertain": "background-color: #fff3bf; color: #8a5a00",
    "benign": "background-color: #d3f9d8; color: #2b8a3e",
}


def batch_page(model_name: str) -> None:
    files = st.file_uploader(
        t("batch.uploader"),
        type=None,  # a file of the wrong kind is refused in words below the table, not by a tooltip
        accept_multiple_files=True,
        max_upload_size=MAX_BYTES // 1_000_000,  # 25: the uploader counts MB as 10^6 bytes
        key="batch_upload",
        help=t("batch.uploader_help", n=MAX_PHOTOS),
    )
    if not files:
        st.info(t("batch.waiting"), icon=":material/photo_library:")
        return
    if len(files) > MAX_PHOTOS:
        st.warning(t("batch.too_many", n=len(files), max=MAX_PHOTOS))
        files = files[:MAX_PHOTOS]
    entries = report.sort_entries(_analyse_all(model_name, files))
    st.markdown(report.summary(entries, current()))
    table = report.table(entries, current())
    card = services.classifier(model_name).card
    thresholds = [e.result.prediction.threshold if e.result else card.referral_threshold for e in entries]
    shown = report.shown(table, thresholds, current())
    outcome = table.columns[4]
    colours = {t(f"outcome.{o}"): c for o, c in OUTCOME_COLOURS.items()}
    colours[t("outcome.not_lesion")] = OUTCOME_COLOURS["uncertain"]
    picked = st.dataframe(
        shown.style.map(lambda v: colours.get(v, ""), subset=[outcome]),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="batch_table",
    )
    st.caption(t("batch.table_help"))
    for e in entries:  # every refusal in full, not cut off in a table cell
        if e.result is None:
            st.warning(t("app.cannot_analyse", name=plain(e.file), why=say(e.error or "")))
    rows = picked.selection.rows if picked else []
    if rows:
        _detail(entries[rows[0]])
    left, right = st.columns(2)
    left.download_button(t("batch.csv"), report.csv(table), "skinscan_batch.csv", "text/csv", width="stretch")
    right.download_button(
        t("batch.pdf"), _pdf(entries, card), "skinscan_report.pdf", "application/pdf", width="stretch"
    )


def _analyse_all(model_name: str, files) -> list[report.Entry]:
    bar = st.progress(0.0, text=t("app.analysing"))
    entries = []
    for i, f in enumerate(files):
        try:
            entries.append(report.Entry(f.name, services.analyse(model_name, f.getvalue())))
        except ImageError as exc:
            entries.append(report.Entry(f.name, error=exc.message))
        bar.progress((i + 1) / len(files), text=t("batch.progress", i=i + 1, n=len(files)))
    bar.empty()
    return entries


def _detail(entry: report.Entry) -> None:
    if entry.result is None:
        st.error(t("app.cannot_analyse", name=plain(entry.file), why=say(entry.error or "")))
        return
    r = entry.result
    left, right, _ = st.columns([2, 2, 1])
    left.image(r.pixels, caption=entry.file, width="stretch")
    caption = t("res.cam_caption", method="Grad-CAM", name=class_name(r.prediction.top1))
    right.image(overlay(r.pixels, r.heatmap), caption=caption, width="stretch")


def _pdf(entries: list[report.Entry], card: Card) -> bytes:
    """The PDF, rebuilt only when the photos, the model or the language change (not on every row pick)."""
    lang = current()
    outcomes = tuple((e.file, e.outcome, e.result.prediction.malignant_probability if e.result else 0) for e in entries)
    key = (card.name, lang, outcomes)
    if st.session_state.get("batch_pdf_key") != key:
        st.session_state["batch_pdf"] = report.pdf(
            entries, card.name, card.sha256 or "", datetime.now(), card.referral_threshold, lang
        )
        st.session_state["batch_pdf_key"] = key
    return st.session_state["batch_pdf"]
