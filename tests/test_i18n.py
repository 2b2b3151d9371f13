"""English and Spanish: every sentence in both, none written into the UI untranslated, the browser's language first."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import numpy as np
import pytest

from skinscan_ui.serve import i18n
from skinscan_ui.serve.images import ImageError, load_image
from skinscan_ui.serve.inference import decide

UI = Path(__file__).resolve().parent.parent / "skinscan_ui" / "ui"
SENTENCE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_every_sentence_exists_in_both_languages_with_the_same_blanks(key):
    english, spanish = i18n.CATALOG[key]
    assert english.strip() and spanish.strip()
    assert fields(english) == fields(spanish)
    if len(english.split()) > 3:
        assert english != spanish, "copied, not translated"


def _exempt(tree: ast.AST) -> set[int]:
    """Docstrings, and messages to the developers' log (LOG.error(...)), which stay in English."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
        if isinstance(node, ast.Call) and getattr(getattr(node.func, "value", None), "id", None) == "LOG":
            found.update(id(a) for a in node.args)
    return found


@pytest.mark.parametrize("module", sorted(p.name for p in UI.glob("*.py")))
def test_no_ui_module_writes_a_sentence_outside_the_catalog(module):
    tree = ast.parse((UI / module).read_text())
    exempt = _exempt(tree)
    loose = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and SENTENCE.search(node.value)
    ]
    assert not loose, f"{module}: put these in skinscan_ui/i18n.py: {loose}"


def test_every_literal_key_the_ui_asks_for_exists():
    for path in UI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    assert arg.value in i18n.CATALOG, f"{path.name}: unknown key {arg.value!r}"


def test_core_messages_say_themselves_in_spanish():
    with pytest.raises(ImageError) as info:
        load_image(b"just some notes, not a photo")
    assert "not an image" in str(info.value)
    assert info.value.message.to("es").startswith("Este archivo no es una imagen") and "archivo de texto" in (
        info.value.message.to("es")
    )
    p = decide(np.array([0.05, 0.05, 0.05, 0.05, 0.6, 0.15, 0.05]), threshold=0.3)
    assert p.outcome == "refer" and "referral threshold of 30%" in p.reason
    assert "umbral de derivación del 30 %" in i18n.say(p.reason, "es")


@pytest.mark.parametrize(
    ("locale", "lang"), [("es-MX", "es"), ("es", "es"), ("en-GB", "en"), ("fr-FR", "en"), (None, "en")]
)
def test_the_browsers_language_picks_the_default(locale, lang):
    assert i18n.language_for(locale) == lang


def test_a_value_never_reads_equal_to_the_threshold_it_is_compared_with():
    """0.166 against 0.170 printed '17%, below the referral threshold of 17%'."""
    from skinscan_ui.serve.i18n import versus

    low, thr = versus(0.166, 0.170)
    assert (low.to("en"), thr.to("en")) == ("16.6%", "17.0%") and (low.to("es"), thr.to("es")) == ("16,6 %", "17,0 %")
    assert [p.to("en") for p in versus(0.30, 0.17)] == ["30%", "17%"], "whole percents when they already differ"
    benign = decide(np.array([0.02, 0.02, 0.05, 0.02, 0.126, 0.75, 0.014]), threshold=0.170)
    assert benign.outcome == "benign" and "16.6%" in benign.reason and "17.0%" in benign.reason


def test_the_batch_table_says_percents_as_the_photo_page_does():
    import pandas as pd

    from skinscan_ui.ui.report import shown

    table = pd.DataFrame(
        [["a.jpg", "Likely benign", "nv", 0.998, 0.003, "—"], ["b.jpg", "Likely benign", "mel", 0.6, 0.166, "—"]],
        columns=["file", "outcome", "top-1", "probability", "malignant", "photo type"],
    )
    out = shown(table, [0.170, 0.170])
    assert list(out["probability"]) == ["> 99%", "60%"] and list(out["malignant"]) == ["< 1%", "16.6%"]
    phone = shown(table, [0.170, 0.30])  # each row against its own photo type's threshold
    assert list(phone["malignant"]) == ["< 1%", "17%"]


@pytest.mark.parametrize(
    ("truth", "probs", "verdict"),
    [
        ("mel", [0.05, 0.30, 0.05, 0.02, 0.20, 0.35, 0.03], "referred"),  # top-1 nevus, but referred: right
        ("mel", [0.01, 0.01, 0.05, 0.02, 0.03, 0.85, 0.03], "missed"),  # a melanoma called benign
        ("nv", [0.01, 0.01, 0.05, 0.02, 0.03, 0.85, 0.03], "match"),
        ("nv", [0.01, 0.01, 0.85, 0.02, 0.03, 0.05, 0.03], "missed"),  # a nevus called a keratosis
    ],
)
def test_an_example_is_judged_by_the_action_it_gets(truth, probs, verdict):
    from skinscan_ui.serve.inference import against_truth

    assert against_truth(decide(np.array(probs), threshold=0.3), truth) == verdict


def test_spanish_numbers_use_the_spanish_marks():
    """'AUC de 0.78' beside '5.700' mixed two conventions; Spanish takes a decimal comma and groups from five digits."""
    from skinscan_ui.serve.i18n import count, text

    note = text("res.calibration_note", "es", ham=0.9, other=0.78)
    assert "0,78" in note and "0,90" in note and "0.78" not in note
    assert "0.78" in text("res.calibration_note", "en", ham=0.9, other=0.78)
    assert (count(5700, "es"), count(12400, "es"), count(5700, "en")) == ("5700", "12\u00a0400", "5,700")
    reliability = text("res.reliability", "es", dx="Melanoma", recall=0.86, precision=0.655, support=1240)
    assert "**86 %**" in reliability and "**66 %**" in reliability and "86%" not in reliability, "'65 %' everywhere"


def test_every_shipped_model_is_summed_up_in_spanish():
    """The sidebar and the card said 'An ensemble of 3 networks…' on a Spanish page."""
    from skinscan_ui.serve import model_store
    from skinscan_ui.ui.sidebar import summary

    cards = model_store.available()
    assert cards, "the shipped weights are committed"
    for card in cards:
        assert summary(card, "en") == card.data["summary"]
        spanish = summary(card, "es")
        assert spanish != card.data["summary"], f"{card.name}: its card's summary changed; translate the new one"
        assert re.findall(r"\d+", card.data["summary"]) == re.findall(r"\d+", spanish), spanish
