"""The one image loader used by the app, the CLIs and training.

Every photo goes through `load_image` (bytes -> RGB picture, or an `ImageError` whose message a
person can act on) and `prepare` (picture -> the model's uint8 input), so what the app shows, what
`predict` prints and what the network was trained on are the same pixels.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from skinscan_ui.i18n import Message

try:  # HEIC/HEIF from iPhones; optional so the core still runs without the wheel.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the environment
    HEIF = False

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 4000x3000 phone photo is 12 MP; a bomb header claims far more
MAX_SIDE = 20_000
MIN_SIDE = 32
WORKING_SIDE = 1024  # big photos are reduced to this before any further work

# Pillow's own bomb check, set deliberately: above this it raises instead of allocating.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

Image.init()
# Content sniffing, restricted to photo formats (JPEG also opens multi-picture MPO files).
FORMATS = [f for f in ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "HEIF", "AVIF") if f in Image.OPEN]
ACCEPTED = Message("image.accepted")

_SIGNATURES: tuple[tuple[bytes, Message], ...] = (
    (b"%PDF", Message("what.pdf")),
    (b"PK\x03\x04", Message("what.zip")),
    (b"MZ", Message("what.exe")),
    (b"\x7fELF", Message("what.program")),
    (b"<svg", Message("what.svg")),
    (b"<?xml", Message("what.xml")),
    (b"<!doctype html", Message("what.html")),
    (b"<html", Message("what.html")),
)


class ImageError(ValueError):
    """A file that cannot be used as a lesion photo; the message says why and what to do."""

    def __init__(self, key: str, **params):
        self.message = Message(key, **params)
        super().__init__(self.message)


def _describe(data: bytes) -> Message:
    head = data[:64].lstrip().lower()
    for magic, what in _SIGNATURES:
        if head.startswith(magic.lower()):
            return what
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return Message("what.binary")
    printable = sum(c.isprintable() or c.isspace() for c in text)
    return Message("what.text") if printable >= 0.95 * len(text) else Message("what.binary")


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit sRGB: 16-bit and float scaled, transparency flattened on black."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        arr = np.clip(arr / top * 255.0, 0, 255)
        img = Image.fromarray(arr.astype(np.uint8), "L")
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "RGBA", "CMYK"):
        try:  # honour embedded colour profiles (Adobe RGB, Display P3, CMYK presses)
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
            img = ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"), outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile is not worth refusing the photo over
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("RGB")


def load_image(data: bytes, max_bytes: int = MAX_BYTES) -> Image.Image:
    """Decode a photo from bytes into an upright RGB picture no larger than WORKING_SIDE.

    The size limit is checked before decoding, the pixel count from the header before any
    pixel is allocated, and the format is decided by content, never by the file's name.
    """
    if not data:
        raise ImageError("image.empty", accepted=ACCEPTED)
    if len(data) > max_bytes:
        raise ImageError("image.too_large", size=len(data) / 1e6, limit=max_bytes / 1e6)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = img.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ImageError(
                    "image.too_many_pixels",
                    width=width,
                    height=height,
                    megapixels=MAX_PIXELS // 1_000_000,
                    side=MAX_SIDE,
                )
            if min(width, height) < MIN_SIDE:
                raise ImageError("image.too_small", width=width, height=height, min_side=MIN_SIDE)
            img.seek(0)  # animated GIF/WebP, multi-page TIFF: the first frame
            if img.format in ("JPEG", "MPO"):
                img.draft("RGB", (WORKING_SIDE, WORKING_SIDE))  # decode big JPEGs at 1/2..1/8 scale
            img.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise ImageError("image.bomb", megapixels=2 * MAX_PIXELS // 1_000_000) from None
        raise ImageError("image.not_image", what=_describe(data), accepted=ACCEPTED) from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning, MemoryError):
        raise ImageError("image.damaged") from None
    try:
        img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):
        pass  # unreadable EXIF: keep the stored orientation
    img = _to_rgb(img)
    img.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BICUBIC, reducing_gap=3.0)
    return img


def prepare(img: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """The model's view of a photo: landscape, centre-cropped to the input's aspect, resized.

    `size` is (height, width). HAM10000 photos are landscape 4:3; a portrait photo is turned a
    quarter turn (a lesion has no up) rather than cropped, so nothing of it is lost.
    """
    height, width = size
    if img.height > img.width and width > height:
        img = img.transpose(Image.Transpose.ROTATE_90)
    target = width / height
    if img.width / img.height > target:
        crop_w = round(img.height * target)
        left = (img.width - crop_w) // 2
        box = (left, 0, left + crop_w, img.height)
    else:
        crop_h = round(img.width / target)
        top = (img.height - crop_h) // 2
        box = (0, top, img.width, top + crop_h)
    if img.size != (width, height) or box != (0, 0, img.width, img.height):
        img = img.resize((width, height), Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
    return np.asarray(img, dtype=np.uint8)


def read_file(path: str, max_bytes: int = MAX_BYTES) -> Image.Image:
    """`load_image` for a path; an unreadable or oversized path is an `ImageError` too."""
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except IsADirectoryError:
        raise ImageError("image.is_folder", path=path) from None
    except FileNotFoundError:
        raise ImageError("image.missing", path=path) from None
    except OSError as exc:
        raise ImageError("image.unreadable", path=path, why=exc.strerror or exc) from None
    return load_image(data, max_bytes)
