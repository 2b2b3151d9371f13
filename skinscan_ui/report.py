"""Many photos at once: a table with referrals first, and a PDF report with one page per photo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from PIL import Image

from skinscan_ui.classifier import Result
from skinscan_ui.explain import overlay
from skinscan_ui.inference import OUTCOME_TEXT

ORDER = {"refer": 0, "uncertain": 1, "benign": 2}  # what needs attention first; unreadable files last
DISCLAIMER = (
    "SkinScan is a research and teaching demo, not a diagnosis and not a medical device. It has not been "
    "validated clinically. Any lesion that worries you or your patient belongs in front of a dermatologist."
)


@dataclass(frozen=True)
class Entry:
    """One uploaded file: its result, or why it could not be analysed."""

    file: str
    result: Result | None = None
    error: str | None = None

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


def table(entries: list[Entry]) -> pd.DataFrame:
    """One row per file, in the order given: file, top-1, its probability, P(malignant), outcome."""
    rows = []
    for e in entries:
        p = e.result.prediction if e.result else None
        rows.append(
            {
                "file": e.file,
                "top-1": f"{p.top3[0][0]}: {p.top3[0][1]}" if p else None,
                "probability": round(p.top3[0][2], 4) if p else None,
                "malignant probability": round(p.malignant_probability, 4) if p else None,
                "outcome": OUTCOME_TEXT[p.outcome] if p else f"Not analysed: {e.error}",
            }
        )
    return pd.DataFrame(rows, columns=["file", "top-1", "probability", "malignant probability", "outcome"])


def _latin1(text: str) -> str:
    """The PDF's core fonts cover Latin-1 (enough for English and Spanish); map the few other signs."""
    for a, b in {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "…": "...", "’": "'", "“": '"', "”": '"', "·": "-"}.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def pdf(entries: list[Entry], model: str, version: str, when: datetime, threshold: float) -> bytes:
    """The report: one A4 page per photo with photo, heatmap, top-3, outcome, model, date and disclaimer."""
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_auto_page_break(False)
    doc.set_title("SkinScan report")
    stamp = when.strftime("%Y-%m-%d %H:%M")
    for e in entries:
        doc.add_page()
        doc.set_font("Helvetica", "B", 16)
        doc.cell(0, 10, _latin1(f"SkinScan report: {e.file}"), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 9)
        doc.cell(0, 5, _latin1(f"{stamp} - model {model} (sha256 {version[:12]})"), new_x="LMARGIN", new_y="NEXT")
        doc.ln(4)
        if e.result is None:
            doc.set_font("Helvetica", "B", 12)
            doc.multi_cell(0, 6, _latin1(f"This file could not be analysed. {e.error}"), new_x="LMARGIN", new_y="NEXT")
        else:
            _result_page(doc, e.result, threshold)
        doc.set_y(-32)
        doc.set_font("Helvetica", "I", 8)
        doc.multi_cell(0, 4, _latin1(DISCLAIMER))
    return bytes(doc.output())


def _result_page(doc, result: Result, threshold: float) -> None:
    p = result.prediction
    top = doc.get_y()
    doc.image(Image.fromarray(result.pixels), x=10, y=top, w=90)
    doc.image(Image.fromarray(overlay(result.pixels, result.heatmap)), x=110, y=top, w=90)
    doc.set_y(top + 90 * result.pixels.shape[0] / result.pixels.shape[1] + 2)
    doc.set_font("Helvetica", "", 8)
    doc.cell(100, 4, "What the model saw")
    doc.cell(0, 4, _latin1(f"Grad-CAM for {p.top3[0][1]}: red = most influential"), new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font("Helvetica", "B", 14)
    doc.cell(0, 8, _latin1(OUTCOME_TEXT[p.outcome]), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 10)
    doc.multi_cell(0, 5, _latin1(p.reason), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("Helvetica", "B", 11)
    doc.cell(0, 7, "Most likely diagnoses (calibrated probabilities)", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 11)
    for dx, name, prob in p.top3:
        doc.cell(120, 7, _latin1(f"{name} ({dx})"))
        doc.cell(0, 7, f"{prob:.1%}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.cell(
        0,
        7,
        _latin1(
            f"Malignant probability P(mel)+P(bcc)+P(akiec): {p.malignant_probability:.1%} (refer at >= {threshold:.1%})"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if result.similar:
        dxs = ", ".join(n.dx for n in result.similar)
        doc.cell(0, 7, _latin1(f"Nearest training lesions: {dxs}"), new_x="LMARGIN", new_y="NEXT")
