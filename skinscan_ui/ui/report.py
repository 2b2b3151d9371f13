"""Many photos at once: a table with referrals first, and a PDF report with one page per photo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from PIL import Image

from skinscan_ui.serve.classifier import Result
from skinscan_ui.serve.explain import overlay
from skinscan_ui.serve.i18n import DEFAULT, counted, percent, say, text, versus

ORDER = {"refer": 0, "uncertain": 1, "benign": 2}  # what needs attention first; unreadable files last
COLUMNS = ("file", "outcome", "top1", "probability", "malignant", "photo_type")  # the outcome second: on a phone's
# screen, beside its file name (at the fifth column it was off the right edge, a referral read as a nevus)


@dataclass(frozen=True)
class Entry:
    """One uploaded file: its result, or why it could not be analysed."""

    file: str
    result: Result | None = None
    error: str | None = None  # an i18n.Message from the image loader

    @property
    def outcome(self) -> str:
        return self.result.prediction.outcome if self.result else "error"


def sort_entries(entries: list[Entry]) -> list[Entry]:
    """Referrals first, then uncertain, then benign (each by malignant probability), then errors."""

    def key(e: Entry) -> tuple[int, float]:
        if e.result is None:
            return len(ORDER), 0.0
        return ORDER[e.outcome], -e.result.prediction.malignant_probability

    return sorted(entries, key=key)


def counts(entries: list[Entry]) -> dict[str, int]:
    return {o: sum(e.outcome == o for e in entries) for o in ("refer", "uncertain", "benign", "error")}


def summary(entries: list[Entry], lang: str = DEFAULT) -> str:
    """'**3 photos**: 1 to refer, 1 uncertain, 1 likely benign, 0 not analysed.' (plurals in either language)."""
    c = counts(entries)
    return text(
        "batch.summary",
        lang,
        photos=counted("n.photos", len(entries), lang),
        refer=c["refer"],
        uncertain=counted("n.uncertain", c["uncertain"], lang),
        benign=counted("n.benign", c["benign"], lang),
        error=c["error"],
    )


def table(entries: list[Entry], lang: str = DEFAULT) -> pd.DataFrame:
    """One row per file, in the order given: file, outcome, top-1, its probability, P(malignant), photo type."""
    rows = []
    for e in entries:
        if e.result is None:
            rows.append([e.file, text("batch.not_analysed", lang, why=say(e.error or "", lang)), "—", None, None, "—"])
            continue
        p = e.result.prediction
        kind = text(f"kind.{p.photo_type}", lang) if p.photo_type else "—"
        if not p.diagnosed:  # never a class for a photo that is not a lesion
            rows.append([e.file, text("outcome.not_lesion", lang), text("outcome.not_lesion", lang), None, None, kind])
            continue
        dx, _, prob = p.top3[0]
        name = text(f"class.{dx}", lang)
        rows.append(
            [
                e.file,
                text(f"outcome.{p.outcome}", lang),
                name,
                round(prob, 4),
                round(p.malignant_probability, 4),
                kind,
            ]
        )
    return pd.DataFrame(rows, columns=[text(f"col.{c}", lang) for c in COLUMNS])


def shown(table: pd.DataFrame, thresholds: list[float], lang: str = DEFAULT) -> pd.DataFrame:
    """The table as the page says it: percents as on the one-photo page ('< 1%', '> 99%'), and the malignant
    probability with just enough decimals never to read equal to the threshold each row was compared with."""
    out = table.copy()
    probability, malignant = (table.columns[COLUMNS.index(c)] for c in ("probability", "malignant"))
    out[probability] = [percent(v, lang) if pd.notna(v) else "—" for v in table[probability]]
    out[malignant] = [
        versus(v, thr)[0].to(lang) if pd.notna(v) else "—" for v, thr in zip(table[malignant], thresholds, strict=True)
    ]
    return out


def csv(table: pd.DataFrame) -> bytes:
    """The table as CSV, file names defused: a cell starting with = + - @ is not a formula in a spreadsheet."""
    safe = table.copy()
    first = safe.columns[0]
    safe[first] = [f"'{v}" if str(v)[:1] in "=+-@" else v for v in safe[first]]
    return safe.to_csv(index=False).encode()


def _latin1(line: str) -> str:
    """The PDF's core fonts cover Latin-1 (enough for English and Spanish); map the few other signs."""
    for a, b in {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "…": "...", "’": "'", "“": '"', "”": '"', "·": "-"}.items():
        line = line.replace(a, b)
    return line.encode("latin-1", "replace").decode("latin-1")


def pdf(entries: list[Entry], model: str, version: str, when: datetime, threshold: float, lang: str = DEFAULT) -> bytes:
    """The report: one A4 page per photo with photo, heatmap, top-3, outcome, model, date and disclaimer."""
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_auto_page_break(False)
    doc.set_title("SkinScan")
    stamp = when.strftime("%Y-%m-%d %H:%M")

    def line(words: str, size: int, style: str = "", height: float = 7) -> None:
        doc.set_font("Helvetica", style, size)
        doc.multi_cell(0, height, _latin1(words), new_x="LMARGIN", new_y="NEXT")

    doc.add_page()  # the summary first: what a reader needs before the pages
    line(text("pdf.summary_title", lang, photos=counted("n.photos", len(entries), lang)), 18, "B", 11)
    line(text("pdf.model", lang, date=stamp, model=model, version=version[:12]), 9, height=5)
    doc.ln(4)
    line(text("pdf.summary_threshold", lang, thr=percent(threshold, lang)), 11, height=6)
    doc.ln(2)
    for outcome, n in counts(entries).items():
        name = (
            text("batch.not_analysed", lang, why="").rstrip(": ")
            if outcome == "error"
            else text(f"outcome.{outcome}", lang)
        )
        line(text("pdf.summary_row", lang, outcome=name, n=n), 12, "B" if outcome == "refer" and n else "", 7)
    doc.ln(4)
    doc.set_font("Helvetica", "", 10)
    for e in entries:
        verdict = (
            text(f"outcome.{e.outcome}", lang) if e.result else text("batch.not_analysed", lang, why="").rstrip(": ")
        )
        doc.cell(120, 6, _latin1(e.file[:70]))
        doc.cell(0, 6, _latin1(verdict), new_x="LMARGIN", new_y="NEXT")
    doc.set_y(-32)
    line(text("pdf.disclaimer", lang), 8, "I", 4)
    for e in entries:
        doc.add_page()
        line(text("pdf.title", lang, file=e.file), 16, "B", 10)
        line(text("pdf.model", lang, date=stamp, model=model, version=version[:12]), 9, height=5)
        doc.ln(4)
        if e.result is None:
            line(text("pdf.unreadable", lang, why=say(e.error or "", lang)), 12, "B", 6)
        else:
            _result_page(doc, e.result, lang, line)
        doc.set_y(-32)
        line(text("pdf.disclaimer", lang), 8, "I", 4)
    return bytes(doc.output())


def _result_page(doc, result: Result, lang: str, line) -> None:
    p = result.prediction
    if p.photo_type:
        line(text("res.photo_type", lang, kind=text(f"kind.{p.photo_type}", lang)).replace("**", ""), 10)
    if not p.diagnosed:  # the photo and why, nothing a reader could take for a diagnosis
        doc.image(Image.fromarray(result.pixels), x=10, y=doc.get_y(), w=90)
        doc.set_y(doc.get_y() + 90 * result.pixels.shape[0] / result.pixels.shape[1] + 6)
        line(text("outcome.not_lesion", lang), 14, "B", 8)
        line(say(p.reason, lang), 10, height=5)
        return
    top = doc.get_y()
    doc.image(Image.fromarray(result.pixels), x=10, y=top, w=90)
    doc.image(Image.fromarray(overlay(result.pixels, result.heatmap)), x=110, y=top, w=90)
    doc.set_y(top + 90 * result.pixels.shape[0] / result.pixels.shape[1] + 2)
    doc.set_font("Helvetica", "", 8)
    doc.cell(100, 4, _latin1(text("res.model_saw", lang)))
    caption = text("res.cam_caption", lang, method="Grad-CAM", name=text(f"class.{p.top1}", lang))
    doc.cell(0, 4, _latin1(caption), new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    line(text(f"outcome.{p.outcome}", lang), 14, "B", 8)
    line(say(p.reason, lang), 10, height=5)
    doc.ln(4)
    line(text("pdf.top3", lang), 11, "B")
    doc.set_font("Helvetica", "", 11)
    for dx, _, prob in p.top3:
        doc.cell(120, 7, _latin1(text(f"class.{dx}", lang)))
        doc.cell(0, 7, _latin1(percent(prob, lang)), new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    said, said_threshold = versus(p.malignant_probability, p.threshold)
    line(text("pdf.malignant", lang, p=said, thr=said_threshold), 11)
    if result.similar:
        names = ", ".join(text(f"class.{n.dx}", lang) for n in result.similar)  # names, never codes
        line(text("pdf.similar", lang, dxs=names), 11)
