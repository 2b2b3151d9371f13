"""Plotly figures for the result and its dataset context. Pure: data in, figure out."""

from __future__ import annotations

import textwrap

import numpy as np
import plotly.graph_objects as go

from skinscan_ui.serve.i18n import CATALOG, DEFAULT, count, percent, text
from skinscan_ui.serve.labels import CLASSES
from skinscan_ui.serve.model_store import Bin, Metrics

ACCENT = "#d6336c"
MUTED = "#adb5bd"
TOP = "#1c7ed6"
INK = "#343a40"  # titles, ticks and values at 11:1 on white (Plotly's default grey read at 3.7:1)


def _wrap(words: str, width: int = 42) -> str:
    """Plotly never wraps a title: broken into lines, one fits a phone's 390 px instead of running off it."""
    return "<br>".join(textwrap.wrap(words, width)) if words else words


def _percent_ticks(lang: str, step: float) -> dict:
    """Percent ticks as the page writes them ('50 %' in Spanish; Plotly's '.0%' format says '50%')."""
    values = [round(i * step, 2) for i in range(int(round(1 / step)) + 1)]
    sep = " " if lang == "es" else ""
    return {"tickvals": values, "ticktext": [f"{round(v * 100)}{sep}%" for v in values]}


def _layout(fig: go.Figure, title: str, height: int = 300) -> go.Figure:
    lines = _wrap(title).count("<br>") + 1
    fig.update_layout(
        title={"text": _wrap(title), "x": 0, "font": {"size": 15, "color": INK}},
        height=height + 20 * (lines - 1),
        margin={"l": 10, "r": 10, "t": 22 + 18 * lines, "b": 10},
        showlegend=False,
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
        font={"color": INK},
    )
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        axis.update(tickfont_color=INK, title_font_color=INK)
        if axis.title.text:
            axis.title.text = _wrap(axis.title.text, 32)
    for bar in fig.select_traces(selector={"type": "bar"}):
        # a value inside its bar where it fits, so the longest bar's never runs off a phone's right edge
        colours = bar.marker.color if isinstance(bar.marker.color, (list, tuple)) else [bar.marker.color] * len(bar.x)
        bar.update(
            textposition="auto",
            insidetextfont_color=["white" if c in (TOP, ACCENT) else INK for c in colours],
            outsidetextfont_color=INK,
            insidetextanchor="end",
            textangle=0,
        )
    return fig


def _name(dx: str, lang: str) -> str:
    return text(f"class.{dx}", lang)


def probabilities(probs: np.ndarray, lang: str = DEFAULT) -> go.Figure:
    """All seven calibrated probabilities, the top-3 highlighted, most likely at the top."""
    order = np.argsort(probs)
    top3 = set(np.argsort(-probs)[:3].tolist())
    fig = go.Figure(
        go.Bar(
            x=[float(probs[i]) for i in order],
            y=[_name(CLASSES[i], lang) for i in order],
            orientation="h",
            marker_color=[TOP if i in top3 else MUTED for i in order],
            text=[percent(float(probs[i]), lang) for i in order],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1.15], showgrid=False, **_percent_ticks(lang, 0.5))
    return _layout(fig, text("chart.probabilities", lang))


def class_frequency(context: dict, highlight: str, lang: str = DEFAULT) -> go.Figure:
    """How common each diagnosis is in HAM10000 (counts on a linear axis), the predicted one highlighted."""
    order = sorted(CLASSES, key=lambda dx: context["classes"][dx]["images"])
    counts = [context["classes"][dx]["images"] for dx in order]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=[_name(dx, lang) for dx in order],
            orientation="h",
            marker_color=[ACCENT if dx == highlight else MUTED for dx in order],
            text=[f"{count(c, lang)} ({percent(c / sum(counts), lang)})" for c in counts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(title=text("chart.images", lang), range=[0, max(counts) * 1.45], showgrid=False)
    return _layout(fig, text("chart.frequency", lang), height=300)


def age_distribution(context: dict, dx: str, patient_age: int | None = None, lang: str = DEFAULT) -> go.Figure:
    """Ages of HAM10000 patients with this diagnosis, the patient's age marked when given."""
    bins = context["classes"][dx]["age_bins"]
    width = context.get("age_bin_width", 5)
    ages = [int(k) for k in bins]
    fig = go.Figure(
        go.Bar(
            x=[a + width / 2 for a in ages],
            y=list(bins.values()),
            width=width * 0.9,
            marker_color=ACCENT,
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    if patient_age is not None:
        fig.add_vline(
            x=patient_age,
            line_dash="dash",
            line_color=TOP,
            annotation_text=text("chart.patient", lang, age=patient_age),
            annotation_position="top",
        )
    fig.update_xaxes(title=text("chart.age_axis", lang), range=[0, 95])
    fig.update_yaxes(title=text("chart.images", lang))
    return _layout(fig, text("chart.age", lang, name=_name(dx, lang)))


def breakdown(context: dict, dx: str, field: str, patient_value: str | None = None, lang: str = DEFAULT) -> go.Figure:
    """Sex or body-site breakdown of this diagnosis, the patient's value highlighted."""
    counts = dict(sorted(context["classes"][dx][field].items(), key=lambda kv: kv[1]))
    total = sum(counts.values()) or 1
    fig = go.Figure(
        go.Bar(
            x=[v / total for v in counts.values()],
            y=[text(f"{field}.{k}", lang) if f"{field}.{k}" in CATALOG else k for k in counts],
            orientation="h",
            marker_color=[TOP if k == patient_value else ACCENT for k in counts],
            text=[
                percent(v / total, lang) + ("  " + text("chart.patient_here", lang) if k == patient_value else "")
                for k, v in counts.items()
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1.35], **_percent_ticks(lang, 0.5))
    return _layout(fig, text(f"chart.{field}", lang, name=_name(dx, lang)), height=max(220, 28 * len(counts) + 60))


def reliability(metrics: Metrics, dx: str, lang: str = DEFAULT) -> go.Figure:
    """How the model does on this class in its test split: recall, precision, and where its errors go."""
    labels = metrics["confusion_matrix"]["labels"]
    row = metrics["confusion_matrix"]["matrix"][labels.index(dx)]
    total = sum(row) or 1
    name = _name(dx, lang)
    fig = go.Figure(
        go.Bar(
            x=[v / total for v in row],
            y=[_name(lab, lang) for lab in labels],
            orientation="h",
            marker_color=[TOP if lab == dx else MUTED for lab in labels],
            text=[f"{percent(v / total, lang)} ({count(v, lang)})" if v else "" for v in row],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=name + " → %{y}: %{x:.0%}<extra></extra>",
        )
    )
    # the title says what the axes would: no axis titles to run off a phone's screen
    fig.update_xaxes(range=[0, 1.3], **_percent_ticks(lang, 0.5))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, text("chart.reliability", lang, dx=name), height=300)


def confusion(metrics: Metrics, lang: str = DEFAULT) -> go.Figure:
    """The test confusion matrix, rows as shares of each true diagnosis, counts in the cells; short names on the
    axes (seven fit across a phone), the full ones on hover."""
    cm = metrics["confusion_matrix"]
    names = [text(f"short.{dx}", lang) for dx in cm["labels"]]
    full = [_name(dx, lang) for dx in cm["labels"]]
    counts = np.array(cm["matrix"], float)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=names,
            y=names,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            text=[[f"{int(c)}" for c in row] for row in counts],
            texttemplate="%{text}",
            customdata=[[[t, s] for s in full] for t in full],
            hovertemplate="%{customdata[0]} → %{customdata[1]}: %{z:.0%}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_yaxes(autorange="reversed", title=text("about.true", lang))
    fig.update_xaxes(title=text("about.said", lang), tickangle=-45)
    return _layout(fig, text("about.matrix", lang), height=520)


def calibration(reliability: list[Bin], lang: str = DEFAULT) -> go.Figure:
    """The reliability diagram: how often the top answer is right against how sure it said it was."""
    bins = [b for b in reliability if b["count"]]
    fig = go.Figure(
        [
            go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dash", "color": MUTED}, hoverinfo="skip"),
            go.Bar(
                x=[(b["lower"] + b["upper"]) / 2 for b in bins],
                y=[b["accuracy"] for b in bins],
                width=[b["upper"] - b["lower"] for b in bins],
                marker_color=TOP,
                text=[str(b["count"]) for b in bins],
                hovertemplate="%{x:.0%} → %{y:.0%}<extra></extra>",
            ),
        ]
    )
    fig.update_xaxes(range=[0, 1], title=text("about.stated", lang), **_percent_ticks(lang, 0.2))
    fig.update_yaxes(range=[0, 1.05], title=text("about.right", lang), **_percent_ticks(lang, 0.2))
    return _layout(fig, text("about.calibration", lang), height=400)
