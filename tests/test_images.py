"""The one loader: every real image form loads upright in RGB; everything else is refused clearly."""

from __future__ import annotations

import io
import re

import corpus
import numpy as np
import pytest
from corpus import bad_files, good_files
from PIL import Image

from skinscan_ui.serve.images import MAX_BYTES, MAX_SEGMENTS, ImageError, load_image, prepare, read_file

GOOD = good_files()
BAD = bad_files()


def test_corpus_is_large_enough():
    assert len(GOOD) + len(BAD) >= 40


@pytest.mark.parametrize("name,data", GOOD, ids=[n for n, _ in GOOD])
def test_real_images_load_as_rgb(name, data):
    img = load_image(data)
    assert img.mode == "RGB"
    arr = prepare(img, (150, 200))
    assert arr.shape == (150, 200, 3) and arr.dtype == np.uint8
    assert 20 < arr.mean() < 235, "content survived the conversion (not a blank frame)"


@pytest.mark.parametrize("name,data", BAD, ids=[n for n, _ in BAD])
def test_broken_files_are_refused_with_a_sentence(name, data):
    with pytest.raises(ImageError) as err:
        load_image(data)
    message = str(err.value)
    assert message.endswith(".") and len(message) > 40
    assert "Upload" in message, "the message says what to upload instead"


def test_exif_orientation_is_applied():
    landscape = Image.new("RGB", (400, 300), (200, 100, 50))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    landscape.save(buf, "JPEG", exif=exif.tobytes())
    assert load_image(buf.getvalue()).size == (300, 400)


def test_sixteen_bit_keeps_its_tones():
    ramp = (np.linspace(0, 65535, 256 * 64).reshape(64, 256)).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(ramp).save(buf, "PNG")
    arr = np.asarray(load_image(buf.getvalue()))
    assert arr[..., 0].min() < 10 and arr[..., 0].max() > 245, "scaled to 8 bits, not clipped white"


def test_bomb_is_refused_before_decoding():
    from corpus import _png_header_only

    with pytest.raises(ImageError, match="megapixels"):
        load_image(_png_header_only(60000, 60000))


def test_size_limit_checked_before_decoding():
    with pytest.raises(ImageError, match="MB"):
        load_image(b"\xff\xd8" + bytes(MAX_BYTES))


def test_big_photo_is_reduced_for_work():
    big = dict(GOOD)["phone_4000x3000.jpg"]
    assert max(load_image(big).size) <= 1024


def test_portrait_is_turned_not_cropped():
    portrait = np.zeros((400, 300, 3), np.uint8)
    portrait[:40] = 255  # a white band at the top must survive the preparation
    arr = prepare(Image.fromarray(portrait), (150, 200))
    assert arr.shape == (150, 200, 3)
    assert arr[:, :20].mean() > 200 or arr[:, -20:].mean() > 200


def test_read_file_errors(tmp_path):
    with pytest.raises(ImageError, match="does not exist"):
        read_file(str(tmp_path / "missing.jpg"))
    with pytest.raises(ImageError, match="folder"):
        read_file(str(tmp_path))


# Second round of hostile files: each refusal names what is wrong; each real picture loads.


@pytest.mark.parametrize(
    "data,needle",
    [
        (corpus.comment_jpeg(MAX_SEGMENTS + 1), "JPEG file carries more than 1000 metadata blocks"),
        (corpus.chunky_png(MAX_SEGMENTS + 1), "PNG file carries more than 1000 metadata blocks"),
        (corpus.bad_header_crc_png(), "The PNG file is damaged"),
        (corpus.garbage_after_soi_jpeg(), "The JPEG file is damaged"),
        (corpus.twelve_bit_jpeg(), "12-bit JPEG format, which SkinScan does not read"),
        (corpus._png_header_only(10000, 6000), "10000x6000 pixels (60.0 megapixels); SkinScan reads up to 25"),
        (corpus.float_rgb_tiff("<"), "TIFF stores its colours as floating-point numbers"),  # was called "damaged"
        (corpus.float_rgb_tiff(">"), "TIFF stores its colours as floating-point numbers"),
    ],
    ids=["comments", "chunks", "png_crc", "jpeg_garbage", "jpeg_12bit", "60_megapixels", "float_tiff", "float_tiff_be"],
)
def test_hostile_files_are_refused_for_what_they_are(data, needle):
    with pytest.raises(ImageError) as err:
        load_image(data)
    assert needle in str(err.value)


@pytest.mark.parametrize("name,data", corpus.other_formats(), ids=[n for n, _ in corpus.other_formats()])
def test_pictures_in_other_formats_are_named(name, data):
    with pytest.raises(ImageError, match=f"in the {re.escape(name)}"):
        load_image(data)


def test_a_file_over_the_limit_is_reported_at_its_true_size(tmp_path):
    path = tmp_path / "huge.jpg"
    path.write_bytes(b"\xff\xd8" + bytes(31_500_000))
    with pytest.raises(ImageError, match=r"The file is 31\.5 MB; the limit is 25 MB"):
        read_file(str(path))


def test_exactly_25_mebibytes_is_over_the_limit_as_in_the_browser():
    with pytest.raises(ImageError, match=r"26\.2 MB"):
        load_image(b"\xff\xd8" + bytes(25 * 1024 * 1024 - 2))


def test_float_images_are_scaled_by_their_range():
    as_255, as_unit = (np.asarray(load_image(corpus.float_tiff(0.5, top))) for top in (255.0, 1.0))
    assert as_unit.mean() > 60, "a 0-1 float TIFF is not black"
    assert abs(as_unit.astype(float).mean() - as_255.astype(float).mean()) < 2


def test_multi_page_tiff_reads_its_largest_page():
    assert load_image(corpus.thumbnail_first_tiff()).size == (400, 300)


def test_sixteen_bit_and_rgba_pictures_load_reduced():
    for data in (corpus.grey16_png(2), corpus.rgba_png(2)):
        assert max(load_image(data).size) == 1024


def test_decoder_warnings_stay_inside(tmp_path):
    """In a fresh process that shows every warning, as a terminal running the app would."""
    import subprocess
    import sys

    photo = tmp_path / "broken.jpg"
    photo.write_bytes(corpus.broken_exif_jpeg())
    code = f"from skinscan_ui.serve.images import read_file; print(read_file({str(photo)!r}).size)"
    proc = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() and "EXIF" not in proc.stderr, proc.stderr
