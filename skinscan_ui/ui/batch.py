"""Several photos at once: progress, a sortable table with referrals first, a heatmap per row, CSV and PDF."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from skinscan_ui import report
from skinscan_ui.explain import overlay
from skinscan_ui.images import MAX_BYTES, ImageError
from skinscan_ui.labels import NAMES
from skinscan_ui.ui import services
from skinscan_ui.ui.inputs import UPLOAD_TYPES

MAX_PHOTOS = 50


def batch_page(model_name: str) -> None:
    files = st.file_uploader(
        "Dermatoscopic photos",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        max_upload_size=MAX_BYTES // (1024 * 1024),
        key="batch_upload",
        help=f"Up to {MAX_PHOTOS} photos; each is analysed as in single-photo mode.",
    )
    if not files:
        st.info(
            "Upload several photos to get a table, referrals first, and a PDF report.", icon=":material/photo_library:"
        )
        return
    if len(files) > MAX_PHOTOS:
        st.warning(f"{len(files)} photos uploaded; only the first {MAX_PHOTOS} are analysed.")
        files = files[:MAX_PHOTOS]
    entries = report.sort_entries(_analyse_all(model_name, files))
    counts = {o: sum(e.outcome == o for e in entries) for o in ("refer", "uncertain", "benign", "error")}
    st.markdown(
        f"**{len(entries)} photos**: {counts['refer']} to refer, {counts['uncertain']} uncertain, "
        f"{counts['benign']} likely benign" + (f", {counts['error']} not analysed" if counts["error"] else "") + "."
    )
    table = report.table(entries)
    picked = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="batch_table",
        column_config={
            "probability": st.column_config.ProgressColumn("probability", format="percent", min_value=0, max_value=1),
            "malignant probability": st.column_config.ProgressColumn(
                "malignant probability", format="percent", min_value=0, max_value=1
            ),
        },
    )
    st.caption("Click a column to sort; select a row to see its photo and heatmap.")
    rows = picked.selection.rows if picked else []
    if rows:
        _detail(entries[rows[0]])
    model = services.classifier(model_name).card
    left, right = st.columns(2)
    left.download_button(
        "Download table (CSV)", table.to_csv(index=False).encode(), "skinscan_batch.csv", "text/csv", width="stretch"
    )
    right.download_button(
        "Download report (PDF)",
        _pdf(entries, model),
        "skinscan_report.pdf",
        "application/pdf",
        width="stretch",
    )


def _analyse_all(model_name: str, files) -> list[report.Entry]:
    bar = st.progress(0.0, text="Analysing…")
    entries = []
    for i, f in enumerate(files):
        try:
            entries.append(report.Entry(f.name, services.analyse(model_name, f.getvalue())))
        except ImageError as exc:
            entries.append(report.Entry(f.name, error=str(exc)))
        bar.progress((i + 1) / len(files), text=f"Analysed {i + 1} of {len(files)}")
    bar.empty()
    return entries


def _detail(entry: report.Entry) -> None:
    if entry.result is None:
        st.error(f"**{entry.file}** could not be analysed. {entry.error}")
        return
    r = entry.result
    left, right = st.columns(2)
    left.image(r.pixels, caption=entry.file, width="stretch")
    right.image(overlay(r.pixels, r.heatmap), caption=f"Grad-CAM for {NAMES[r.prediction.top1]}", width="stretch")


def _pdf(entries: list[report.Entry], card) -> bytes:
    """The PDF, rebuilt only when the photos or the model change (not on every row pick)."""
    key = (
        card.name,
        tuple((e.file, e.outcome, e.result.prediction.malignant_probability if e.result else 0) for e in entries),
    )
    if st.session_state.get("batch_pdf_key") != key:
        st.session_state["batch_pdf"] = report.pdf(
            entries, card.name, card.sha256 or "", datetime.now(), card.referral_threshold
        )
        st.session_state["batch_pdf_key"] = key
    return st.session_state["batch_pdf"]
