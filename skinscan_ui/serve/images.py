"""The one image loader used by the app, the CLIs and training.

Every photo goes through `load_image` (bytes -> RGB picture, or an `ImageError` whose message a
person can act on) and `prepare` (picture -> the model's uint8 input), so what the app shows, what
`predict` prints and what the network was trained on are the same pixels.
"""

from __future__ import annotations

import io
import os
import struct
import warnings

import numpy as np
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from skinscan_ui.serve.i18n import Message

# Decoder warnings (corrupt EXIF, odd metadata) describe a user's file, which is answered with our own
# message or none; they never reach the terminal. Filtered once here, for the decoders' modules only:
# `warnings.catch_warnings` around each decode would swap the process's filters under other sessions.
warnings.filterwarnings("ignore", module=r"(PIL|pillow_heif)(\.|$)")
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

try:  # HEIC/HEIF from iPhones; optional so the core still runs without the wheel.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the environment
    HEIF = False

MAX_MB = 25  # the largest photo read, in MB as the browser's uploader counts them (the uploader's label says it)
MAX_BYTES = MAX_MB * 1000 * 1000
# What the browser may send (server.maxUploadSize, in MB): above MAX_BYTES, so a file over the limit
# reaches load_image and is refused in words on the page, not by a tooltip a phone cannot hover.
UPLOAD_CEILING_MB = 100
# Chosen for memory: a 25 MP RGBA picture decodes to 100 MB before it is reduced, and the server must
# stay under 600 MB while it does (bench.hostile). A 24 MP camera export fits; a 48-50 MP phone photo is
# a JPEG or HEIC, and JPEGs decode at 1/2-1/8 scale (draft mode), so they may have more pixels.
MAX_PIXELS = 25_000_000
MAX_JPEG_PIXELS = 120_000_000
MAX_SIDE = 20_000
MIN_SIDE = 32
WORKING_SIDE = 1024  # big photos are reduced to this before any further work
MAX_SEGMENTS = 1_000  # metadata blocks before a JPEG's first scan or among a PNG's chunks; cameras write < 30
MAX_CHUNKS = 100_000  # all PNG chunks, image data included (a 25 MB PNG in 8 KB chunks has about 3,000)
MAX_PAGES = 32  # pages of a multi-page TIFF looked at for the largest

# Pillow's own bomb check stays as a last line far above ours; ours speaks first and names the numbers.
Image.MAX_IMAGE_PIXELS = 4 * MAX_JPEG_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

Image.init()
# Content sniffing, restricted to photo formats (JPEG also opens multi-picture MPO files).
FORMATS = [f for f in ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "HEIF", "AVIF") if f in Image.OPEN]
ACCEPTED = Message("image.accepted")
# Pillow's names for the formats it reads and we do not, as a person knows them.
FORMAT_NAMES = {"JPEG2000": "JPEG 2000", "ICO": "ICO (icon)", "PPM": "PPM/PGM", "TGA": "TGA (Targa)", "QOI": "QOI"}

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
# The magic numbers of the photo formats we read: a file that starts so and does not open is damaged.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
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


def _known_format(data: bytes) -> str | None:
    """The photo format a file claims by its first bytes (WebP and HEIC by their container's brand)."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"hevc", b"avif"):
        return "HEIC/AVIF"
    return None


def _check_jpeg(data: bytes) -> None:
    """Walk the markers before the first scan: bounded in count, and 8-bit samples only.

    Pillow parses these segments one by one in Python, so a file of millions of empty comments
    would stall a worker for seconds; libjpeg reads only 8-bit JPEGs through Pillow.
    """
    pos, segments = 2, 0
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return  # not a marker where one should be: Pillow decides (damaged)
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            return
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segments += 1
        if segments > MAX_SEGMENTS:
            raise ImageError("image.too_much_metadata", format="JPEG", count=MAX_SEGMENTS)
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            bits = data[pos + 4] if pos + 4 < len(data) else 8
            if bits != 8:
                raise ImageError("image.unsupported_format", format=f"{bits}-bit JPEG", accepted=ACCEPTED)
        pos += 2 + length


def _check_png(data: bytes) -> None:
    """Count a PNG's chunks before Pillow walks them (in Python, one by one)."""
    pos, chunks, extra = 8, 0, 0
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        chunks += 1
        extra += kind not in (b"IDAT", b"IHDR", b"PLTE", b"IEND")
        if chunks > MAX_CHUNKS or extra > MAX_SEGMENTS:
            raise ImageError(
                "image.too_much_metadata", format="PNG", count=MAX_SEGMENTS if extra > MAX_SEGMENTS else MAX_CHUNKS
            )
        if kind == b"IEND":
            return
        pos += 12 + length


def _other_format(data: bytes) -> str | None:
    """The name of a picture format Pillow reads and SkinScan does not, or None."""
    try:
        with Image.open(io.BytesIO(data)) as other:
            return FORMAT_NAMES.get(other.format, other.format)
    except Exception:  # noqa: BLE001 - any plugin may fail on a non-picture in its own way
        return None


def _largest_page(img: Image.Image) -> None:
    """Seek a multi-page TIFF to its largest page (a scanner may put a thumbnail first)."""
    if img.format != "TIFF" or getattr(img, "n_frames", 1) == 1:
        return
    areas = []
    for page in range(min(img.n_frames, MAX_PAGES)):
        img.seek(page)
        areas.append(img.size[0] * img.size[1])
    img.seek(int(np.argmax(areas)))


def _check_size(img: Image.Image) -> None:
    width, height = img.size
    limit = MAX_JPEG_PIXELS if img.format in ("JPEG", "MPO") else MAX_PIXELS
    if width * height > limit or max(width, height) > MAX_SIDE:
        raise ImageError(
            "image.too_many_pixels",
            width=width,
            height=height,
            megapixels=width * height / 1e6,
            limit=limit // 1_000_000,
            side=MAX_SIDE,
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError("image.too_small", width=width, height=height, min_side=MIN_SIDE)


def _reduce(img: Image.Image) -> Image.Image:
    """Shrink a decoded picture by a whole factor to about twice the working side, before any conversion.

    Converting first would copy the full picture into a wider mode (RGBA, float): reducing first keeps
    the peak near the decoded size.
    """
    factor = max(img.size) // (2 * WORKING_SIDE)
    if factor < 2:
        return img
    if img.mode in ("1", "P", "I;16", "I;16B", "I;16L", "I;16N"):  # modes Image.reduce does not take
        return img.resize((max(1, img.width // factor), max(1, img.height // factor)), Image.Resampling.NEAREST)
    return img.reduce(factor)


def _to_8bit(arr: np.ndarray, floating: bool) -> np.ndarray:
    """16-bit and float samples to 0-255: floats by their real range (0-1, 0-255, else min-max)."""
    arr = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
    if floating and lo >= 0 and hi <= 1.0:
        arr *= 255.0
    elif floating and (lo < 0 or hi > 255):
        arr = (arr - lo) * (255.0 / max(hi - lo, 1e-12))
    elif not floating and hi > 255:
        arr *= 255.0 / 65535.0
    return np.clip(arr, 0, 255).astype(np.uint8)


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit sRGB: 16-bit and float scaled, transparency flattened on black."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        img = Image.fromarray(_to_8bit(np.asarray(img), img.mode == "F"), "L")
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


def too_large(size: int, max_bytes: int = MAX_BYTES) -> ImageError | None:
    """The refusal for a file of `size` bytes, or None when it is within the limit."""
    if size > max_bytes:
        return ImageError("image.too_large", size=size / 1e6, limit=max_bytes / 1e6)
    return None


def _open(data: bytes) -> Image.Image:
    """Open (header only) and decode within the memory budget; every failure an `ImageError`."""
    claimed = _known_format(data)
    if claimed == "JPEG":
        _check_jpeg(data)
    elif claimed == "PNG":
        _check_png(data)
    try:
        img = Image.open(io.BytesIO(data), formats=FORMATS)
        _largest_page(img)
        _check_size(img)
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB", (WORKING_SIDE, WORKING_SIDE))  # decode big JPEGs at 1/2..1/8 scale
        img.load()
        return img
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError("image.bomb", megapixels=2 * Image.MAX_IMAGE_PIXELS // 1_000_000) from None
    except UnidentifiedImageError:
        if claimed == "TIFF" and _tiff_is_float(data):
            raise ImageError("image.float_tiff") from None
        if claimed:
            raise ImageError("image.damaged", format=claimed) from None
        other = _other_format(data)
        if other:
            raise ImageError("image.unsupported_format", format=other, accepted=ACCEPTED) from None
        raise ImageError("image.not_image", what=_describe(data), accepted=ACCEPTED) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, struct.error):
        raise ImageError("image.damaged", format=claimed or "image") from None


def _tiff_is_float(data: bytes) -> bool:
    """Whether a TIFF's first page stores floating-point samples (SampleFormat 3), which Pillow cannot read
    in colour: a scientific or HDR export, not a damaged file."""
    try:
        order = "<" if data[:2] == b"II" else ">"
        (ifd,) = struct.unpack_from(order + "I", data, 4)
        (entries,) = struct.unpack_from(order + "H", data, ifd)
        for i in range(min(entries, MAX_SEGMENTS)):
            tag, kind, count, value = struct.unpack_from(order + "HHII", data, ifd + 2 + 12 * i)
            if tag == 339:  # SampleFormat: SHORTs, inline when they fit in four bytes
                if kind == 3 and count <= 2:
                    (first,) = struct.unpack_from(order + "H", data, ifd + 2 + 12 * i + 8)
                else:
                    (first,) = struct.unpack_from(order + "H", data, value)
                return first == 3
    except struct.error:
        return False
    return False


def load_image(data: bytes, max_bytes: int = MAX_BYTES, size: int | None = None) -> Image.Image:
    """Decode a photo from bytes into an upright RGB picture no larger than WORKING_SIDE.

    The size limit is checked before decoding (`size`, the file's true size, when only its first
    bytes were read), the pixel count from the header before any pixel is allocated, and the format
    is decided by content, never by the file's name. Decoder warnings (corrupt EXIF, say) are
    handled here and never reach the user's terminal.
    """
    if not data:
        raise ImageError("image.empty", accepted=ACCEPTED)
    refusal = too_large(size if size is not None else len(data), max_bytes)
    if refusal:
        raise refusal
    img = _reduce(_open(data))
    try:
        img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError, struct.error):
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
            size = os.fstat(f.fileno()).st_size
            refusal = too_large(size, max_bytes)
            if refusal:  # said with the file's true size, without reading it
                raise refusal
            data = f.read(max_bytes + 1)
    except IsADirectoryError:
        raise ImageError("image.is_folder", path=path) from None
    except FileNotFoundError:
        raise ImageError("image.missing", path=path) from None
    except OSError as exc:
        raise ImageError("image.unreadable", path=path, why=exc.strerror or exc) from None
    return load_image(data, max_bytes, size=max(size, len(data)))
