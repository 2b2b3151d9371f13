"""A real browser against `streamlit run`: upload, camera, broken files, batch, Spanish, walkthrough.

Screenshots go to artifacts/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser import CHROMIUM, ROOT, browser_page, streamlit_server, wait_idle
from conftest import FOLDERS, HAVE_DATA
from corpus import bad_files
from PIL import Image

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"),
]
ARTIFACTS = ROOT / "artifacts"
HAVE_PAD = HAVE_DATA and (FOLDERS["pad_ufes20"][0] / FOLDERS["pad_ufes20"][1]).is_file()


@pytest.fixture(scope="module")
def server(tiny_weights):
    """The app with the shipped models and real photos when the data is here; else the tiny model and
    synthetic photos it was trained on (a shipped model rightly refuses a synthetic blob as no lesion)."""
    env = {} if HAVE_DATA else {"SKINSCAN_WEIGHTS": str(tiny_weights)}
    with streamlit_server(env) as url:
        yield url


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    """A lesion photo: a real test-split melanoma when the data is here; else a synthetic one as the tiny model
    was trained on (its own size, lossless: its guard rightly stops a resized or JPEG-smoothed blob)."""
    from skinscan_ui.serve import examples

    folder = tmp_path_factory.mktemp("photos")
    if HAVE_DATA:
        path = folder / "lesion.jpg"
        shutil.copy(examples.image_path(examples.test_examples()["mel"][0]), path)
    else:
        from tiny import synthetic

        path = folder / "lesion.png"
        Image.fromarray(synthetic(1, seed=3)[0][4]).save(path)
    return path


def wait_for_result(page) -> None:
    page.get_by_text("Where the network looked", exact=True).wait_for(timeout=90_000)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    page.wait_for_timeout(1500)  # let the charts draw before the screenshot


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_upload_shows_top3_heatmap_and_charts(server, photo):
    with browser_page(height=3400) as page:
        page.goto(server)
        page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
        page.locator("input[type=file]").first.set_input_files(str(photo))
        wait_for_result(page)
        assert page.locator("[data-testid='stMetric']").count() == 3
        assert page.locator("[data-testid='stImage']").count() >= 2, "photo and heatmap side by side"
        assert page.locator("[data-testid='stPlotlyChart']").count() >= 5
        assert page.get_by_text("Download for a slide (PNG)").count() == 1
        assert page.locator("[data-testid='stException']").count() == 0
        shot(page, "browser_upload.png")


def test_broken_files_show_an_error_then_a_good_one_works(server, photo, tmp_path):
    bad = dict(bad_files())
    with browser_page() as page:
        page.goto(server)
        page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
        for source, shown_as in [
            ("truncated.jpg", "truncated.jpg"),
            ("document.pdf", "document.jpg"),
            ("document.pdf", "document.pdf"),  # a wrong kind of file is refused in words, not by a hover tooltip
            ("bomb_60000x60000.png", "bomb.png"),
        ]:
            broken = tmp_path / shown_as
            broken.write_bytes(bad[source])
            page.locator("input[type=file]").first.set_input_files(str(broken))
            page.get_by_text(f"{shown_as} cannot be analysed").wait_for()
            assert page.locator("[data-testid='stException']").count() == 0
            assert page.locator("[data-testid='stMetric']").count() == 0
        shot(page, "browser_broken.png")
        page.locator("input[type=file]").first.set_input_files(str(photo))
        wait_for_result(page)
        assert page.locator("[data-testid='stMetric']").count() == 3


def test_a_file_over_the_limit_is_refused_in_words_on_a_phone_and_a_desktop(server, tmp_path):
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff\xe0" + bytes(26_000_000))  # 26 MB: a phone cannot hover over a tooltip
    for width, height, name in ((1400, 1000, "browser_too_large_desktop.png"), (390, 844, "browser_too_large.png")):
        with browser_page(width=width, height=height) as page:
            page.goto(server)
            page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
            page.locator("input[type=file]").first.set_input_files(str(big))
            refusal = page.get_by_text("big.jpg cannot be analysed")
            refusal.wait_for(timeout=60_000)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / name))
            assert page.get_by_text("the limit is 25 MB").first.is_visible()
            assert page.get_by_text("up to 25 MB").first.is_visible(), "the uploader's label says the limit"
            assert not page.get_by_text("100MB per file").first.is_visible(), "not what the browser may send"
            box = refusal.first.bounding_box()
            assert box is not None and box["y"] < height, f"the refusal at {box}: on the first screen"


def test_camera_with_a_fake_device(server):
    with browser_page(height=2400) as page:
        page.goto(server)
        page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
        page.get_by_role("tab", name="Take a photo").click()
        # A click before the stream plays is ignored by the widget, so wait for frames first.
        page.wait_for_function(
            "() => [...document.querySelectorAll('video')].some(v => v.readyState >= 2 && v.videoWidth > 0)",
            timeout=60_000,
        )
        page.get_by_role("button", name="Take Photo").click()
        # The fake device films a test pattern, not a lesion: the answer is Uncertain with no diagnosis shown.
        page.locator("[data-testid='stAlert']").filter(has_text="Uncertain").first.wait_for(timeout=120_000)
        page.get_by_text("What the network computed anyway (not a diagnosis)").wait_for()
        assert page.get_by_text("Where the network looked", exact=True).count() == 0
        assert page.locator("[data-testid='stMetric']").filter(visible=True).count() == 0
        shot(page, "browser_camera_not_a_lesion.png")


def test_batch_mode_table_heatmap_and_pdf(server, photo, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(dict(bad_files())["truncated.jpg"])
    second = tmp_path / "second.png"
    Image.open(photo).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(second)
    with browser_page(height=1800) as page:
        page.goto(server)
        page.get_by_text("Several photos").click()
        page.get_by_text("Upload several photos").wait_for(timeout=30_000)
        page.locator("input[type=file]").first.set_input_files([str(photo), str(second), str(broken)])
        page.get_by_text("3 photos", exact=False).wait_for(timeout=90_000)
        page.locator("[data-testid='stDataFrame']").wait_for()
        with page.expect_download() as download:
            page.get_by_text("Download report (PDF)").click()
        target = tmp_path / "report.pdf"
        download.value.save_as(target)
        from pypdf import PdfReader

        assert len(PdfReader(target).pages) == 4, "a summary page, then one page per photo"
        images = page.locator("[data-testid='stImage']").count()  # the sidebar's model card has one
        page.locator("[data-testid='stDataFrame']").first.click(position={"x": 14, "y": 52})  # first row's box
        page.locator("[data-testid='stImage']").nth(images + 1).wait_for(timeout=30_000)  # its photo and heatmap
        assert page.locator("[data-testid='stException']").count() == 0
        page.wait_for_timeout(1000)
        shot(page, "browser_batch.png")


def test_spanish_browser_gets_the_spanish_ui(server, photo):
    with browser_page(height=3400, locale="es-MX") as page:
        page.goto(server)
        page.get_by_text("Esperando una foto").wait_for(timeout=90_000)
        assert page.get_by_text("Subir una foto").count() == 1
        assert page.title() == "SkinScan: clasificador de lesiones de la piel", "the tab says it in Spanish too"
        page.locator("input[type=file]").first.set_input_files(str(photo))
        page.get_by_text("Dónde miró la red", exact=True).wait_for(timeout=90_000)
        page.locator("[data-testid='stPlotlyChart']").first.wait_for()
        page.wait_for_timeout(1500)
        assert page.get_by_text("Where the network looked").count() == 0
        assert page.get_by_text("Probabilidad calibrada de cada diagnóstico").count() >= 1
        assert page.locator("[data-testid='stException']").count() == 0
        shot(page, "browser_spanish.png")
        assert page.evaluate("document.documentElement.lang") == "es", "a screen reader reads it with a Spanish voice"
        sidebar = page.locator("[data-testid='stSidebar']").text_content()
        assert "Un conjunto de" in sidebar or "La red SkinScan" in sidebar or "EfficientNet-Lite0 ajustada" in sidebar
        assert not re.search(r"\d%", page.locator("[data-testid='stMain']").inner_text()), "'65 %', never '65%'"


def test_walkthrough_clicks_through_six_steps(server, photo):
    from playwright.sync_api import expect

    titles = ["Upload", "Read the top-3", "Read the heatmap", "Read the context", "The referral logic", "The limits"]
    with browser_page(height=2400) as page:
        page.goto(server)
        page.get_by_text("Walkthrough", exact=True).click()
        page.get_by_text("Step 1 of 6: Upload").wait_for(timeout=30_000)
        expect(page.get_by_role("button", name="Next")).to_be_disabled()  # Next waits for a photo
        page.locator("input[type=file]").first.set_input_files(str(photo))
        page.get_by_text(f"{photo.name}: what the model sees").wait_for(timeout=90_000)
        for i, title in enumerate(titles[1:], start=2):
            wait_idle(page)
            page.get_by_role("button", name="Next").click()
            page.get_by_text(f"Step {i} of 6: {title}").wait_for(timeout=90_000)
            seen = "What the model saw" if title == "Read the heatmap" else f"{photo.name}: what the model sees"
            page.get_by_text(seen).first.wait_for(timeout=30_000)  # the photo stays on every step
            if title == "Read the top-3":
                page.locator("[data-testid='stMetric']").nth(2).wait_for()
            if title == "Read the heatmap":
                page.get_by_text("Where the network looked", exact=True).wait_for()
                page.wait_for_timeout(1000)
                shot(page, "browser_walkthrough_heatmap.png")
            assert page.locator("[data-testid='stException']").count() == 0
        # the last step has no next (retried: the step's title can arrive before its buttons are redrawn)
        expect(page.get_by_role("button", name="Next")).to_be_disabled(timeout=30_000)
        page.get_by_role("button", name="Back").click()
        page.get_by_text("Step 5 of 6: The referral logic").wait_for()


def test_on_a_phone_the_walkthrough_buttons_share_a_row_and_the_step_stays_on_screen(server, photo):
    with browser_page(width=390, height=844) as page:
        page.goto(server)
        page.locator("[data-testid='stExpandSidebarButton']").click(timeout=60_000)  # folded away on a phone
        page.get_by_text("Walkthrough", exact=True).click()
        page.get_by_text("Step 1 of 6: Upload").wait_for(timeout=30_000)
        page.locator("[data-testid='stSidebarCollapseButton'] button").click(force=True)
        page.wait_for_timeout(500)
        page.locator("input[type=file]").first.set_input_files(str(photo))
        page.get_by_text(f"{photo.name}: what the model sees").wait_for(timeout=90_000)
        wait_idle(page)
        page.get_by_role("button", name="Next").click()
        page.get_by_text("Step 2 of 6").wait_for(timeout=90_000)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "browser_walkthrough_phone.png"))
        tops = [page.get_by_role("button", name=n).bounding_box()["y"] for n in ("Back", "Restart", "Next")]
        assert max(tops) - min(tops) < 5, f"one row of buttons, not three stacked: {tops}"
        said = page.locator("[data-testid='stAlert']").first.bounding_box()
        assert said is not None and said["y"] + 40 < 844, f"the step's words on the first screen: {said}"


def test_on_a_phone_the_model_cards_confusion_matrix_is_readable(server):
    with browser_page(width=390, height=844) as page:
        page.goto(server)
        page.locator("[data-testid='stExpandSidebarButton']").click(timeout=60_000)
        page.get_by_text("About this model").click()
        page.get_by_role("button", name="Open the model card").click()
        matrix = page.locator("[data-testid='stPopoverBody'] [data-testid='stPlotlyChart']").first
        matrix.wait_for(timeout=30_000)
        matrix.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "browser_card_phone.png"))
        ticks = matrix.locator(".xtick text, .ytick text").evaluate_all(
            "els => els.map(e => [e.textContent, e.getBoundingClientRect().left, e.getBoundingClientRect().right])"
        )
        assert len(ticks) == 14 and all(len(name) <= 16 for name, _, _ in ticks), ticks
        assert all(left >= 0 and right <= 390 for _, left, right in ticks), f"names inside the screen: {ticks}"


def _examples(n: int) -> list[Path]:
    """n test-split photos of different diagnoses, or None when the data folder is absent."""
    from skinscan_ui.serve import examples

    ids = examples.test_examples()
    picks = [ids[dx][0] for dx in ("bkl", "mel", "nv", "bcc") if ids.get(dx)]
    return [examples.image_path(i) for i in picks[:n]] if len(picks) >= n else []


def _upload(page, path) -> None:
    page.locator("input[type=file]").first.set_input_files(str(path))


def test_a_second_photo_starts_on_its_own_top1_and_numbers_are_honest(server, tmp_path):
    photos = _examples(2)
    if not photos:
        pytest.skip("needs two HAM10000 test photos (../shared)")
    with browser_page(height=2600) as page:
        failures = []
        page.on("response", lambda r: failures.append((r.status, r.url)) if r.status >= 400 else None)
        page.goto(server)
        page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
        _upload(page, photos[0])
        wait_for_result(page)
        page.get_by_role("slider").first.focus()
        for _ in range(3):  # move the opacity slider, as a presenter does
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(400)
        page.wait_for_timeout(2000)
        assert not failures, f"no broken image or request after the slider moved: {failures}"
        page.locator("[data-testid='stRadio']").last.locator("label").nth(1).click()  # explain the second class
        page.wait_for_timeout(1500)
        _upload(page, photos[1])
        page.get_by_text(f"{photos[1].name}", exact=False).first.wait_for(timeout=30_000)
        wait_for_result(page)
        page.wait_for_timeout(1500)
        top1 = page.locator("[data-testid='stMetricLabel']").first.inner_text().strip()
        own = page.get_by_text(f"Grad-CAM for {top1}: red = most influential")
        own.first.wait_for(timeout=30_000)  # a loaded machine may still be drawing the heatmap's part
        assert own.count() == 1, "its own top-1"
        values = [v.strip() for v in page.locator("[data-testid='stMetricValue']").all_inner_texts()]
        assert all(re.fullmatch(r"< 1%|> 99%|\d{1,2}%", v) for v in values), values
        assert page.get_by_text("With 90% confidence the diagnosis is one of").count() == 1
        assert page.get_by_text("less reliable").count() >= 1, "the calibration caveat is on the page"
        page.get_by_text(re.compile("Answered by the model|· model")).first.wait_for()
        method = page.locator("[data-testid='stSelectbox']").filter(has_text="Method")
        method.click()
        page.get_by_role("option", name="Grad-CAM++").click()
        page.get_by_text(f"Grad-CAM++ for {top1}").first.wait_for(timeout=5_000)  # no TensorFlow to load
        shot(page, "browser_second_photo.png")


def test_a_not_a_lesion_photo_gets_no_diagnosis_in_batch_mode(server, photo, tmp_path):
    from skinscan_ui.build.nonlesion import generated

    page_photo = tmp_path / "coffee_cup.png"
    generated()["text_page"].save(page_photo)
    with browser_page(height=1800) as page:
        page.goto(server)
        page.get_by_text("Several photos").click()
        page.get_by_text("Upload several photos").wait_for(timeout=30_000)
        page.locator("input[type=file]").first.set_input_files([str(photo), str(page_photo)])
        page.get_by_text("2 photos", exact=False).wait_for(timeout=90_000)
        page.locator("[data-testid='stDataFrame']").wait_for()
        page.wait_for_timeout(1500)
        with page.expect_download() as download:
            page.get_by_text("Download table (CSV)").click()
        target = tmp_path / "table.csv"
        download.value.save_as(target)
        rows = {line.split(",")[0]: line for line in target.read_text().splitlines()[1:]}
        assert "uncertain: not a lesion photo" in rows["coffee_cup.png"]
        assert not any(name in rows["coffee_cup.png"] for name in ("nevus", "Vascular", "Melanoma", "keratos"))
        shot(page, "browser_batch_not_a_lesion.png")


def test_the_sidebar_keeps_every_choice_across_a_language_switch(server):
    with browser_page(height=1200) as page:
        page.goto(server)
        page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
        page.get_by_text("Several photos").click()
        page.get_by_text("Upload several photos").wait_for(timeout=30_000)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Language").click()
        page.get_by_role("option", name="Español").click()
        page.get_by_text("Varias fotos", exact=True).wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        checked = page.locator("[data-testid='stRadio'] input:checked")
        assert checked.count() == 1, "the mode radio shows a choice"
        assert page.locator("[data-testid='stRadio'] label:has(input:checked)").inner_text().strip() == "Varias fotos"
        model = page.get_by_role("combobox", name="Modelo · exactitud equilibrada").input_value()
        assert "·" in model and "%" in model and "…" not in model, model
        shot(page, "browser_language_switch.png")


def test_on_a_phone_the_answer_is_on_the_first_screen(server, photo):
    with browser_page(width=390, height=844) as page:
        page.goto(server)
        page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
        uploader = page.locator("[data-testid='stFileUploader']").first
        waiting = uploader.bounding_box()
        _upload(page, photo)
        badge = page.locator("[data-testid='stAlert']").filter(
            has_text=re.compile("Refer: possible malignancy|Likely benign|Uncertain")
        )
        badge.first.wait_for(timeout=90_000)
        page.wait_for_timeout(1500)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "browser_phone.png"))  # first, to look at when an assertion fails
        assert uploader.bounding_box()["y"] == waiting["y"], "the photo input stays put when the answer comes"
        box = badge.first.bounding_box()
        assert box is not None and box["y"] + 40 < 844, f"the badge starts at {box} on a 844 px screen"
        top1 = page.locator("[data-testid='stMetric']").first.bounding_box()
        assert top1 is not None and top1["y"] + 60 < 844, f"the top-1 starts at {top1}: on the first screen too"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"nothing runs off the right edge ({width} px)"
        empty = page.locator("[data-testid='stMain'] [data-testid='stColumn']").evaluate_all(
            "cols => cols.filter(c => c.getBoundingClientRect().height === 0 && c.checkVisibility()).length"
        )
        assert empty == 0, f"{empty} empty columns each leave a gap in the stacked page"
        page.locator("[data-testid='stPlotlyChart']").nth(3).scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        rights = page.locator(".plotly .bartext, .plotly .gtitle, .plotly .xtitle").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"
        )
        assert rights and max(rights) <= 390, f"chart values and titles end at {max(rights)} px on a 390 px screen"
        alts = page.locator("[data-testid='stMain'] img").evaluate_all("els => els.map(e => e.alt)")
        assert alts and all(a.strip() for a in alts), f"every picture says what it shows: {alts}"


@pytest.mark.skipif(not HAVE_PAD, reason="needs the PAD-UFES-20 folder; CI has it")
def test_a_phone_close_up_says_its_photo_type_and_asks_the_patients_questions(server, tmp_path):
    from skinscan_ui.build.data import load_split
    from skinscan_ui.build.sources import PAD_UFES20

    split = load_split(PAD_UFES20.split_csv)
    path = tmp_path / "phone.jpg"
    shutil.copy(PAD_UFES20.folder() / "images" / f"{split[split['split'] == 'test']['image_id'].iloc[0]}.jpg", path)
    for width, height, name in ((1400, 1000, "browser_phone_photo_desktop.png"), (390, 844, "browser_phone_photo.png")):
        with browser_page(width=width, height=height) as page:
            page.goto(server)
            page.get_by_text("Waiting for a photo").wait_for(timeout=90_000)
            _upload(page, path)
            page.get_by_text("Photo type:").first.wait_for(timeout=90_000)
            page.wait_for_timeout(1500)
            main = page.locator("[data-testid='stMain']")  # the sidebar's model card says "phone close-up" too
            assert main.get_by_text("phone close-up").first.is_visible()
            questions = page.get_by_text("What the patient says (optional)")
            questions.first.click()
            page.get_by_text("Has it bled?").first.wait_for()
            page.evaluate("window.scrollTo(0, 0)")
            badge = page.locator("[data-testid='stAlert']").filter(
                has_text=re.compile("Refer: possible malignancy|Likely benign|Uncertain")
            )
            box = badge.first.bounding_box()
            assert box is not None and box["y"] < height, f"the badge at {box}: on the first screen"
            page.screenshot(path=str(ARTIFACTS / name), full_page=width > 400)
