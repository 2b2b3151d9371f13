"""Several photos at once: progress, a sortable table with referrals first, a heatmap per row, CSV and PDF."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import streamlit as st

from skinscan_ui.serve.explain import overlay
from skinscan_ui.serve.i18n import counted
from skinscan_ui.serve.images import MAX_MB, UPLOAD_CEILING_MB, ImageError
from skinscan_ui.serve.model_store import Card
from skinscan_ui.ui import report, services
from skinscan_ui.ui.language import class_name, current, plain, say, t

MAX_PHOTOS = 50
OUTCOME_COLOURS = {  # the badge's colours, so the table reads at a glance
    "refer": "background-color: #ffe3e3; color: #c92a2a; font-weight: 600",
    "uncertain": "background-color: #fff3bf; color: #8a5a00",
    "benign": "background-color: #d3f9d8; color: #2b8a3e",
}


KEPT = "batch_kept"  # the batch's photos, kept while another mode is open (Streamlit forgets the widget's files)


def _emptied() -> None:
    if not st.session_state.get("batch_upload"):  # the user removed the files: forget them
        st.session_state.pop(KEPT, None)


def batch_page(model_name: str) -> None:
    files = st.file_uploader(
        t("batch.uploader", mb=MAX_MB),
        type=None,  # a file of the wrong kind is refused in words below the table, not by a tooltip
        accept_multiple_files=True,
        max_upload_size=UPLOAD_CEILING_MB,  # a larger file than MAX_BYTES arrives, to be refused in words
        key="batch_upload",
        on_change=_emptied,
        help=t("batch.uploader_help", n=MAX_PHOTOS),
    )
    if files:
        if len(files) > MAX_PHOTOS:
            st.warning(t("batch.too_many", n=len(files), max=MAX_PHOTOS))
        st.session_state[KEPT] = [(f.name, f.getvalue()) for f in files[:MAX_PHOTOS]]
    photos: list[tuple[str, bytes]] = st.session_state.get(KEPT, [])
    if not photos:
        st.info(t("batch.waiting"), icon=":material/photo_library:")
        return
    if not files:
        st.caption(t("batch.kept", photos=counted("n.photos", len(photos), current())))
        st.button(t("batch.forget"), on_click=st.session_state.pop, args=(KEPT, None), key="batch_forget")
    entries = report.sort_entries(_analyse_all(model_name, photos))
    st.markdown(report.summary(entries, current()))
    table = report.table(entries, current())
    card = services.classifier(model_name).card
    thresholds = [e.result.prediction.threshold if e.result else card.referral_threshold for e in entries]
    shown = report.shown(table, thresholds, current())
    outcome = table.columns[report.COLUMNS.index("outcome")]
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
    right.download_button(  # built when clicked, from the shared result cache: no PDF held per session
        t("batch.pdf"),
        partial(pdf_report, model_name, card, photos, current()),
        "skinscan_report.pdf",
        "application/pdf",
        width="stretch",
    )


def _analyse_all(model_name: str, photos: list[tuple[str, bytes]]) -> list[report.Entry]:
    bar = st.progress(0.0, text=t("app.analysing"))
    entries = []
    for i, (name, data) in enumerate(photos):
        entries.append(_entry(model_name, name, data))
        bar.progress((i + 1) / len(photos), text=t("batch.progress", i=i + 1, n=len(photos)))
    bar.empty()
    return entries


def _detail(entry: report.Entry) -> None:
    if entry.result is None:
        st.error(t("app.cannot_analyse", name=plain(entry.file), why=say(entry.error or "")))
        return
    r = entry.result
    left, right, _ = st.columns([2, 2, 1])
    left.image(r.pixels, caption=entry.file, width="stretch", alt=t("alt.photo", name=entry.file))
    caption = t("res.cam_caption", method="Grad-CAM", name=class_name(r.prediction.top1))
    alt = t("alt.heatmap", name=class_name(r.prediction.top1))
    right.image(overlay(r.pixels, r.heatmap), caption=caption, width="stretch", alt=alt)


def pdf_report(model_name: str, card: Card, photos: list[tuple[str, bytes]], lang: str) -> bytes:
    """The batch's PDF: a summary page, then a page per photo, referrals first (no Streamlit call: it runs
    when the button is clicked, outside the page's run)."""
    entries = report.sort_entries([_entry(model_name, name, data) for name, data in photos])
    return report.pdf(entries, card.name, card.sha256 or "", datetime.now(), card.referral_threshold, lang)


def _entry(model_name: str, name: str, data: bytes) -> report.Entry:
    try:
        return report.Entry(name, services.analyse(model_name, data))
    except ImageError as exc:
        return report.Entry(name, error=exc.message)
