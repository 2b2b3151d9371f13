"""The app through Streamlit's AppTest: upload, camera, bad files, the model picker, missing parts."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from conftest import jpeg_bytes, needs_data
from corpus import bad_files
from PIL import Image
from streamlit.testing.v1 import AppTest
from tiny import synthetic

from skinscan_ui.build import cards

TIMEOUT = 90
ROOT = Path(__file__).resolve().parent.parent


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()


def lesion_jpeg(index: int = 4, seed: int = 3) -> bytes:
    """A synthetic lesion the tiny model's guard passes: its own size, losslessly (upsampling changes its texture)."""
    x, _ = synthetic(1, seed=seed)
    buf = io.BytesIO()
    Image.fromarray(x[index]).save(buf, "PNG")
    return buf.getvalue()


def outcome_texts(at: AppTest) -> list[str]:
    return [e.value for e in [*at.error, *at.success, *at.warning]]


def test_upload_shows_top3_and_an_outcome(use_tiny):
    at = app()
    assert not at.exception
    assert "Waiting for a photo" in at.info[0].value
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception
    assert len(at.metric) == 3
    probs = [float(m.value.rstrip("%")) for m in at.metric]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 100.0
    assert any(t.startswith(("**Refer", "**Likely benign", "**Uncertain")) for t in outcome_texts(at))
    assert len(at.get("plotly_chart")) >= 5, "probabilities, context and reliability charts"
    assert any("no 90% set" in c.value for c in at.caption), "a model without a set says so; the set never vanishes"


def test_camera_photo_is_analysed(use_tiny):
    at = app()
    at.camera_input[0].set_value(("camera.jpg", lesion_jpeg(2), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3


@pytest.mark.parametrize("name", ["truncated.jpg", "text.jpg", "bomb_60000x60000.png", "tiny_16x16.png"])
def test_bad_file_gives_an_error_not_an_exception_and_the_next_upload_works(use_tiny, name):
    data = dict(bad_files())[name]
    at = app()
    at.file_uploader[0].set_value((name, data, "image/jpeg")).run()
    assert not at.exception
    assert any("cannot be analysed" in e.value for e in at.error)
    at.file_uploader[0].set_value(("good.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3


def test_switching_mode_keeps_the_photo_and_the_batch(use_tiny):
    """A photo and a batch were thrown away by a visit to another mode."""
    at = app()
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    before = [m.value for m in at.metric]
    at.radio(key="mode_en").set_value("batch").run()
    at.file_uploader(key="batch_upload").set_value([("a.png", lesion_jpeg(5), "image/png")]).run()
    at.radio(key="mode_en").set_value("one").run()
    assert not at.exception and [m.value for m in at.metric] == before, "the same photo's answer, kept"
    assert any("Analysed: lesion" in c.value for c in at.caption), "named beside its answer"
    at.radio(key="mode_en").set_value("batch").run()
    assert not at.exception and list(at.dataframe[0].value["file"]) == ["a.png"], "the batch, kept"
    assert any("kept while another mode was open" in c.value for c in at.caption)
    at.button(key="batch_forget").click().run()
    assert not at.get("arrow_data_frame") and "Upload several photos" in at.info[0].value


def test_app_and_cli_agree(use_tiny, tmp_path, capsys):
    import json

    from skinscan_ui.serve import predict

    data = lesion_jpeg(5, seed=9)
    (tmp_path / "p.jpg").write_bytes(data)
    at = app()
    at.file_uploader[0].set_value(("p.jpg", data, "image/jpeg")).run()
    predict.main([str(tmp_path / "p.jpg"), "--json"])
    cli = json.loads(capsys.readouterr().out)[0]
    from skinscan_ui.serve.i18n import percent
    from skinscan_ui.serve.labels import NAMES

    assert at.metric[0].label == NAMES[cli["top3"][0]["dx"]]
    for metric, top in zip(at.metric, cli["top3"], strict=True):
        assert metric.value == percent(top["probability"])


def two_models(tiny_weights, folder: Path, second: str) -> Path:
    """A weights folder with the tiny model and a copy of it named `second`, both in the manifest."""

    shutil.copytree(tiny_weights, folder)
    for ext in (".keras", ".tflite", ".json", ".ood.npz"):
        shutil.copy(folder / f"tiny{ext}", folder / f"{second}{ext}")
    card = (folder / f"{second}.json").read_text().replace('"name": "tiny"', f'"name": "{second}"')
    (folder / f"{second}.json").write_text(card)
    cards.write_manifest(folder)
    return folder


def test_model_picker_lists_models_with_balanced_accuracy(use_tiny, tiny_weights, tmp_path, monkeypatch):
    folder = two_models(tiny_weights, tmp_path / "w", "tiny2")
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(folder))
    at = app()
    picker = at.selectbox(key="model_en")
    assert picker.options == ["tiny · 90%", "tiny2 · 90%"]
    picker.set_value("tiny2").run()
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3


def test_no_weights_the_app_still_starts_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(tmp_path))
    at = app()
    assert not at.exception
    assert any("No usable model found" in e.value for e in at.sidebar.error)


def test_missing_card_is_named_and_the_other_model_still_works(tiny_weights, tmp_path, monkeypatch):
    folder = tmp_path / "w"
    shutil.copytree(tiny_weights, folder)
    shutil.copy(folder / "tiny.tflite", folder / "orphan.tflite")
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(folder))
    at = app()
    assert any("orphan.tflite has no model card (orphan.json is missing)" in w.value for w in at.sidebar.warning)
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3


def test_altered_weights_are_refused_in_the_app(tiny_weights, tmp_path, monkeypatch):
    folder = tmp_path / "w"
    shutil.copytree(tiny_weights, folder)
    with open(folder / "tiny.tflite", "ab") as f:
        f.write(b"x")
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(folder))
    at = app()
    assert not at.exception
    assert any("tiny.tflite does not match the integrity manifest" in e.value for e in at.error)


def test_a_model_with_a_deleted_guard_is_refused_and_another_still_answers(tiny_weights, tmp_path, monkeypatch):
    folder = two_models(tiny_weights, tmp_path / "w", "second")
    (folder / "tiny.ood.npz").unlink()
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(folder))
    at = app()
    assert not at.exception
    assert any("tiny.ood.npz is missing" in e.value for e in at.error)
    at.selectbox(key="model_en").set_value("second").run()
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3


def test_a_file_name_is_shown_as_typed_not_as_markdown(use_tiny):
    name = "[evil link](https:evil.example) **bold**.jpg"
    at = app()
    at.file_uploader[0].set_value((name, b"not a photo at all, just words", "image/jpeg")).run()
    shown = next(e.value for e in at.error if "cannot be analysed" in e.value)
    assert "\\[evil link\\]\\(https\\:evil\\.example\\) \\*\\*bold\\*\\*" in shown


def test_missing_context_file_is_named(use_tiny, monkeypatch, tmp_path):
    from skinscan_ui.serve import paths

    monkeypatch.setattr(paths, "CONTEXT_JSON", tmp_path / "context.json")
    at = app()
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3
    assert any("context.json is missing" in w.value for w in at.warning)


def test_patient_age_is_marked(use_tiny):
    at = app()
    at.sidebar.number_input[0].set_value(63).run()
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("patient, 63" in spec for spec in charts)


def test_nothing_uploaded_touches_the_disk(use_tiny, tmp_path, monkeypatch):
    import tempfile
    from pathlib import Path

    watched = [Path(tempfile.gettempdir()), Path.cwd()]
    before = {p: {f for f in p.rglob("*") if ".git" not in f.parts} for p in watched}
    marker = b"SKINSCAN-PRIVACY-MARKER"
    data = jpeg_bytes(synthetic(1, seed=3)[0][4])
    data = data[:2] + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker + data[2:]  # a JPEG comment
    at = app()
    at.file_uploader[0].set_value(("private.jpg", data, "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3
    for p in watched:
        new = {f for f in p.rglob("*") if ".git" not in f.parts} - before[p]
        new = {f for f in new if f.is_file() and "__pycache__" not in f.parts and "pytest" not in str(f)}
        leaked = [f for f in new if f.stat().st_size and marker in f.read_bytes()]
        assert not leaked, f"uploaded bytes written to {leaked}"
        assert not [f for f in new if "private" in f.name]


@needs_data
def test_examples_tab_analyses_a_test_split_photo_with_its_true_label(use_tiny):
    at = app()
    at.selectbox(key="example_dx").set_value("mel").run()
    assert len(at.get("image")) >= 4, "thumbnails to choose from, not bare ids"
    next(b for b in at.button if b.key and b.key.startswith("example_")).click().run()
    assert not at.exception and len(at.metric) == 3
    said = [c.value for c in at.caption] + [w.value for w in at.warning]
    assert any("**Melanoma**" in s for s in said), "the true diagnosis is said; prominently when the model is wrong"
    keys = [b.key or "" for b in at.button]
    assert not [k for k in keys if k.startswith("example_") and k != "example_another"], "folded: the answer moves up"
    at.button(key="example_another").click().run()
    assert len(at.get("image")) >= 4 + 1 and len(at.metric) == 3, "thumbnails again, the answer still below"


def test_examples_are_hidden_without_data(use_tiny, monkeypatch, tmp_path):
    monkeypatch.setenv("SKINSCAN_DATA", str(tmp_path))
    at = app()
    assert [t.label for t in at.tabs] == ["Upload a photo", "Take a photo"]


def test_batch_mode_lists_referrals_first_and_reports_one_page_per_photo(use_tiny):
    from io import BytesIO

    from pypdf import PdfReader

    at = app()
    at.radio(key="mode_en").set_value("batch").run()
    png = BytesIO()
    Image.fromarray(synthetic(1, seed=3)[0][1]).save(png, "PNG")  # lossless, at the tiny model's size: referred
    files = [("nevus.jpg", lesion_jpeg(5), "image/jpeg"), ("bcc.png", png.getvalue(), "image/png")]
    files.append(("notes.jpg", b"not a photo", "image/jpeg"))
    at.file_uploader(key="batch_upload").set_value(files).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["file"]) == ["bcc.png", "nevus.jpg", "notes.jpg"]
    assert list(table.columns[:2]) == ["file", "outcome"], "the outcome beside its file, on a phone's screen too"
    assert table["outcome"].iloc[0].startswith("Refer") and table["outcome"].iloc[2].startswith("Not analysed")
    assert table["top-1"].iloc[2] == "—", "a dash, not the word None, where there is no answer"
    referred = int(table["outcome"].str.startswith("Refer").sum())
    assert any("3 photos" in m.value and f"{referred} to refer" in m.value for m in at.markdown)
    from skinscan_ui.serve.model_store import find
    from skinscan_ui.ui.batch import pdf_report

    card = find(at.session_state["model"])  # the PDF the button builds when clicked (the browser test clicks it)
    pdf = PdfReader(BytesIO(pdf_report(card.name, card, [(name, data) for name, data, _ in files], "en")))
    assert len(pdf.pages) == 4, "a summary page, then one page per photo"
    summary = pdf.pages[0].extract_text()
    assert "SkinScan report: 3 photos" in summary and f"Refer: possible malignancy: {referred}" in summary
    assert "at 50%" in summary or "reaches 50%" in summary, "the threshold as the page shows it"
    assert "bcc.png" in pdf.pages[1].extract_text() and "could not be analysed" in pdf.pages[3].extract_text()
    assert "(mel)" not in pdf.pages[1].extract_text().split("Malignant")[0], "each class name once, no code"
    assert not any(re.search(r"\b(mel|bcc|akiec)\b(?!\.png)", page.extract_text()) for page in pdf.pages), (
        "no class codes"
    )
    assert any("notes" in w.value and "not an image SkinScan can read" in w.value for w in at.warning), "in full"


def test_walkthrough_steps_through_one_photo(use_tiny):
    at = app()
    at.radio(key="mode_en").set_value("walkthrough").run()
    assert at.button(key="walk_next").disabled, "Next waits for a photo"
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    seen = []
    for _ in range(6):
        assert not at.exception
        seen.append(at.get("progress")[0].proto.text)
        if "heatmap" in seen[-1]:
            assert any(s.value == "Where the network looked" for s in at.subheader)
        if "top-3" in seen[-1]:
            assert len(at.metric) == 3
        assert at.get("image"), f"the photo is in view on {seen[-1]}"
        if len(seen) < 6:
            at.button(key="walk_next").click().run()
    assert [s.split(": ", 1)[1] for s in seen] == [
        "Upload",
        "Read the top-3",
        "Read the heatmap",
        "Read the context",
        "The referral logic",
        "The limits",
    ]
    assert at.button(key="walk_next").disabled
    at.button(key="walk_back").click().run()
    assert "Step 5 of 6" in at.get("progress")[0].proto.text
    at.button(key="walk_restart").click().run()
    assert "Step 1 of 6" in at.get("progress")[0].proto.text
    assert at.button(key="walk_next").disabled and "walk_photo" not in at.session_state, "one click: no photo"


def test_spanish_ui_end_to_end(use_tiny):
    from skinscan_ui.serve import i18n

    at = app()
    at.selectbox(key="lang").set_value("es").run()
    assert at.info[0].value.startswith("Esperando una foto")
    at.file_uploader[0].set_value(("lesion.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert not at.exception and len(at.metric) == 3
    assert any(t.startswith(("**Derivar", "**Probablemente benigna", "**Incierta")) for t in outcome_texts(at))
    assert any(s.value == "Dónde miró la red" for s in at.subheader)
    shown = [e.value for e in [*at.markdown, *at.caption, *at.error, *at.warning, *at.success, *at.info, *at.subheader]]
    shown += [m.label for m in at.metric]
    fragments = [part for en, es in i18n.CATALOG.values() if en != es for part in re.split(r"\{[^}]*\}", en)]
    english = [f.strip(" *") for f in fragments if len(f.split()) >= 3]
    assert len(english) > 100
    leaks = [(text, en) for text in shown for en in english if en in text]
    assert not leaks, leaks


def test_a_language_switch_keeps_every_choice_in_the_new_language(use_tiny):
    at = app()
    at.radio(key="mode_en").set_value("batch").run()
    at.selectbox(key="sex_en").set_value("female").run()
    at.selectbox(key="lang").set_value("es").run()
    assert not at.exception
    assert at.radio(key="mode_es").value == "batch", "the mode survives the switch"
    assert at.selectbox(key="sex_es").value == "female"
    assert at.selectbox(key="model_es").value == "tiny"
    assert "Varias fotos" in at.radio(key="mode_es").options


def test_the_model_card_opens_with_plain_figures_and_readable_charts(use_tiny):
    at = app()  # the card is a popover: the page sends it with the sidebar, the browser opens it with no rerun
    assert not at.exception
    said = " ".join(m.value for m in at.markdown)
    assert "its first answer was right for **90%** of photos" in said
    assert "calibration error" not in said and "run 9" not in said, "no developer jargon"
    assert {c.proto.spec.count("Melanoma") > 0 for c in at.get("plotly_chart") if "heatmap" in c.proto.spec} == {True}


def test_the_answer_names_its_photo_and_a_new_photo_empties_the_other_input(use_tiny):
    """A camera frame taken after an upload is the one answered, and the upload tab no longer shows the old file."""

    def captions() -> list[str]:
        return [c.value.replace("\\", "") for c in at.caption]  # file names come Markdown-escaped

    at = app()
    at.file_uploader[0].set_value(("upload.jpg", lesion_jpeg(), "image/jpeg")).run()
    assert "Analysed: upload.jpg" in captions()
    at.camera_input[0].set_value(("camera.jpg", lesion_jpeg(2), "image/jpeg")).run()
    assert not at.exception
    assert "Analysed: camera.jpg" in captions() and not any("upload.jpg" in c for c in captions())
    assert at.file_uploader[0].value is None, "the upload tab is empty, not showing a photo that is not answered"
