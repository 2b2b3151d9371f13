"""A generated corpus of awkward and hostile files: (name, bytes, should_load).

Real images in every form a user may have must load; broken and non-image files must be refused
with a sentence. Nothing here comes from ../shared.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image, ImageCms

from skinscan_ui.serve.images import HEIF


def _photo(h: int = 300, w: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    img = np.stack([200 - yy * 0.1, 150 + xx * 0.05, 130 + 0 * xx], -1) + rng.normal(0, 6, (h, w, 3))
    mask = (yy - h / 2) ** 2 + (xx - w / 2) ** 2 < (min(h, w) / 4) ** 2
    img[mask] = [90, 50, 40]
    return np.clip(img, 0, 255).astype(np.uint8)


def _save(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a size, followed by a tiny (wrong) data stream."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def good_files() -> list[tuple[str, bytes]]:
    """Real images in every form a clinician's device or export may produce."""
    rgb = Image.fromarray(_photo())
    files = [
        ("baseline.jpg", _save(rgb, "JPEG", quality=90)),
        ("progressive.jpg", _save(rgb, "JPEG", quality=85, progressive=True)),
        ("cmyk.jpg", _save(rgb.convert("CMYK"), "JPEG")),
        ("grayscale.jpg", _save(rgb.convert("L"), "JPEG")),
        (
            "icc_srgb.jpg",
            _save(rgb, "JPEG", icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()),
        ),
        ("rgba.png", _save(rgb.convert("RGBA"), "PNG")),
        ("palette_transparent.png", _save(rgb.convert("P", palette=Image.Palette.ADAPTIVE), "PNG", transparency=0)),
        ("sixteen_bit.png", _save(Image.fromarray(np.asarray(rgb.convert("L")).astype(np.uint16) * 257), "PNG")),
        ("la.png", _save(rgb.convert("LA"), "PNG")),
        ("one_bit.png", _save(rgb.convert("1"), "PNG")),
        ("lesion.webp", _save(rgb, "WEBP", quality=80)),
        ("lesion.bmp", _save(rgb, "BMP")),
        ("lesion.tiff", _save(rgb, "TIFF")),
        ("lesion.gif", _save(rgb.convert("P"), "GIF")),
        ("phone_4000x3000.jpg", _save(Image.fromarray(_photo(3000, 4000, 1)), "JPEG", quality=80)),
        ("wide_2000x200.png", _save(Image.fromarray(_photo(200, 2000, 2)), "PNG")),
        ("tall_100x1500.png", _save(Image.fromarray(_photo(1500, 100, 3)), "PNG")),
        ("small_40x40.png", _save(rgb.resize((40, 40)), "PNG")),
        ("wrong_extension.png", _save(rgb, "JPEG")),
        ("UPPER.JPG", _save(rgb, "JPEG")),
        ("no_extension", _save(rgb, "PNG")),
    ]
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    files.append(("exif_rotated.jpg", _save(rgb, "JPEG", exif=exif.tobytes())))
    frames = [Image.fromarray(_photo(seed=i)).convert("P") for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    files.append(("animated.gif", buf.getvalue()))
    buf = io.BytesIO()
    frames[0].convert("RGB").save(
        buf, format="TIFF", save_all=True, append_images=[f.convert("RGB") for f in frames[1:]]
    )
    files.append(("multipage.tiff", buf.getvalue()))
    buf = io.BytesIO()
    frames[0].convert("RGB").save(
        buf, format="WEBP", save_all=True, append_images=[f.convert("RGB") for f in frames[1:]]
    )
    files.append(("animated.webp", buf.getvalue()))
    if HEIF:
        files.append(("iphone.heic", _save(rgb, "HEIF", quality=80)))
    return files


def bad_files() -> list[tuple[str, bytes]]:
    """Files that must be refused with a clear sentence, never a traceback."""
    jpeg = _save(Image.fromarray(_photo()), "JPEG")
    png = _save(Image.fromarray(_photo()), "PNG")
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("photo.jpg", jpeg)
    return [
        ("empty.jpg", b""),
        ("text.jpg", b"This is not a photo, just some notes about a patient.\n" * 3),
        ("page.html", b"<!DOCTYPE html><html><body><img src='x.jpg'></body></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle r="40"/></svg>'),
        ("document.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
        ("archive.zip", zbuf.getvalue()),
        ("program.exe", b"MZ\x90\x00\x03" + bytes(200)),
        ("program.elf", b"\x7fELF\x02\x01\x01" + bytes(200)),
        ("random.jpg", np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()),
        ("truncated.jpg", jpeg[: len(jpeg) // 2]),
        ("truncated.png", png[: len(png) // 3]),
        ("corrupt_middle.jpg", jpeg[:600] + bytes(2000) + jpeg[2600:3000]),
        ("header_only.jpg", jpeg[:20]),
        ("bomb_60000x60000.png", _png_header_only(60000, 60000)),
        ("bomb_100000x10.png", _png_header_only(100000, 10)),
        ("tiny_16x16.png", _save(Image.new("RGB", (16, 16), (120, 80, 60)), "PNG")),
        ("tiny_1x1.gif", _save(Image.new("P", (1, 1)), "GIF")),
        ("strip_500x20.png", _save(Image.new("RGB", (500, 20), (120, 80, 60)), "PNG")),
    ]


# Hostile files of the second round: each builder takes its size, so tests use small ones and
# bench.hostile the worst ones (50 MP, 25 MB of metadata).


def _ramp(height: int, width: int, dtype=np.uint8, top: float = 255) -> np.ndarray:
    """A smooth gradient with a dark disc: compresses well, so a 50 MP PNG stays under a megabyte."""
    yy, xx = np.ogrid[:height, :width]
    img = (yy / height * 0.5 + xx / width * 0.5) * top
    disc = (yy - height / 2) ** 2 + (xx - width / 2) ** 2 < (min(height, width) / 4) ** 2
    return np.where(disc, top * 0.2, img).astype(dtype)


def _side(megapixels: float) -> tuple[int, int]:
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    return int(width * 3 / 4), width


def grey16_png(megapixels: float) -> bytes:
    return _save(Image.fromarray(_ramp(*_side(megapixels), np.uint16, 65535)), "PNG")


def rgba_png(megapixels: float) -> bytes:
    grey = _ramp(*_side(megapixels))
    return _save(Image.fromarray(np.dstack([grey, grey, grey, np.full_like(grey, 255)]), "RGBA"), "PNG")


def float_tiff(megapixels: float, top: float = 255.0) -> bytes:
    """A float32 TIFF whose samples run 0..top (1.0 for a 'normalised' export), in 256 steps so it compresses."""
    steps = np.round(_ramp(*_side(megapixels), np.float32, 255.0)) * (top / 255.0)
    return _save(Image.fromarray(steps.astype(np.float32), "F"), "TIFF", compression="tiff_deflate")


def comment_jpeg(segments: int) -> bytes:
    """A small JPEG with `segments` empty comment markers after its start marker."""
    jpeg = _save(Image.fromarray(_photo()), "JPEG")
    return jpeg[:2] + b"\xff\xfe\x00\x02" * segments + jpeg[2:]


def chunky_png(chunks: int) -> bytes:
    """A small PNG with `chunks` empty ancillary chunks before its image data."""
    png = _save(Image.fromarray(_photo()), "PNG")
    empty = struct.pack(">I", 0) + b"zzZz" + struct.pack(">I", zlib.crc32(b"zzZz") & 0xFFFFFFFF)
    return png[:33] + empty * chunks + png[33:]


def bad_header_crc_png() -> bytes:
    png = bytearray(_save(Image.fromarray(_photo()), "PNG"))
    png[29] ^= 0xFF  # the IHDR chunk's CRC
    return bytes(png)


def garbage_after_soi_jpeg() -> bytes:
    return b"\xff\xd8" + np.random.default_rng(5).integers(0, 256, 4000, dtype=np.uint8).tobytes()


def twelve_bit_jpeg() -> bytes:
    """A JPEG whose frame header says 12-bit samples (as medical and raw-converter exports may)."""
    jpeg = bytearray(_save(Image.fromarray(_photo()), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 4] = 12
    return bytes(jpeg)


def float_rgb_tiff(byteorder: str = "<") -> bytes:
    """An RGB TIFF of 32-bit floats (a scientific or HDR export), which Pillow cannot read in colour."""
    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, (_photo() / 255).astype(np.float32), byteorder=byteorder, photometric="rgb")
    return buf.getvalue()


def thumbnail_first_tiff() -> bytes:
    """A multi-page TIFF whose first page is a 40x30 thumbnail and second the 400x300 photo."""
    photo = Image.fromarray(_photo())
    buf = io.BytesIO()
    photo.resize((40, 30)).save(buf, format="TIFF", save_all=True, append_images=[photo])
    return buf.getvalue()


def broken_exif_jpeg() -> bytes:
    return _save(Image.fromarray(_photo()), "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff")


def other_formats() -> list[tuple[str, bytes]]:
    """Pictures in formats Pillow reads and SkinScan does not, with the name the refusal must give."""
    rgb = Image.fromarray(_photo())
    out = [("ICO", _save(rgb.resize((64, 64)), "ICO")), ("PPM", _save(rgb, "PPM")), ("TGA", _save(rgb, "TGA"))]
    for fmt, name in (("JPEG2000", "JPEG 2000"), ("QOI", "QOI")):
        try:
            out.append((name, _save(rgb, fmt)))
        except (KeyError, OSError):  # pragma: no cover - depends on Pillow's build
            pass
    return out
