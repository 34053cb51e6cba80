"""Encoding a finished card, and fitting a post's own photo to a platform's size.

Encoder settings favour speed: PNG at zlib level 2 (flat-colour cards compress well even so) and JPEG at
quality 88 without the optimiser pass. When a platform has a byte ceiling the image exceeds (Bluesky's
1,000,000 bytes for a detailed photo), JPEG quality steps down until it fits; the pixel size never changes.

A drawn card (``flat=True``) is written as PNG by :func:`png_unfiltered`: the same pixels (PNG is lossless), but
without Pillow's per-row adaptive filter search, which costs more than the compression itself and, on a card of
flat colour and text, gives larger files than no filter at all (measured: 7 ms instead of 18 ms per card and
~6% fewer bytes). A post's own photo keeps Pillow's filtered encoder, which suits continuous tone.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageOps

from publisher.brand.palette import NAVY

PNG_COMPRESS_LEVEL = 2
JPEG_QUALITY = 88
JPEG_FALLBACK_QUALITIES = (80, 72, 64, 56, 48, 40)
# A photo whose shape differs from the card's by more than this is letterboxed (contain) rather than cropped
# (cover), so an infographic or a portrait of a document is never cut.
COVER_TOLERANCE = 0.25


class TooLarge(ValueError):
    """The card cannot be encoded under the platform's byte ceiling."""


def encoder_options(fmt: str) -> dict[str, object]:
    if fmt == "JPEG":
        return {"quality": JPEG_QUALITY, "optimize": False, "subsampling": "4:2:0"}
    return {"compress_level": PNG_COMPRESS_LEVEL}


def encode(image: Image.Image, fmt: str, max_bytes: int | None = None, *, flat: bool = False) -> bytes:
    """``image`` as ``fmt`` bytes with no metadata (no EXIF, no ICC, no text chunks), under ``max_bytes``.

    ``flat``: the image is a drawn card (flat colour and text, no photo): PNG is then written unfiltered.
    """
    if flat and fmt == "PNG" and image.mode == "RGB":
        data = png_unfiltered(image, PNG_COMPRESS_LEVEL)
        if max_bytes is None or len(data) <= max_bytes:
            return data
    data = _save(image, fmt, encoder_options(fmt))
    if max_bytes is None or len(data) <= max_bytes:
        return data
    if fmt == "JPEG":
        for quality in JPEG_FALLBACK_QUALITIES:
            data = _save(image, fmt, {**encoder_options(fmt), "quality": quality})
            if len(data) <= max_bytes:
                return data
    else:
        data = _save(image, fmt, {"compress_level": 9})
        if len(data) <= max_bytes:
            return data
    raise TooLarge(f"image is {len(data):,} bytes as {fmt}, over the platform's limit of {max_bytes:,}")


def png_unfiltered(image: Image.Image, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """An RGB image as a minimal PNG (IHDR, one IDAT, IEND: no metadata), every row with filter type 0 (None)."""
    if image.mode != "RGB":
        raise ValueError(f"png_unfiltered takes RGB images, not {image.mode}")
    width, height = image.size
    stride = width * 3
    raw = memoryview(image.tobytes())
    rows: list[bytes | memoryview] = []
    for start in range(0, stride * height, stride):
        rows.append(b"\0")  # the row's filter type: None
        rows.append(raw[start : start + stride])
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour, deflate, no interlace
    return b"".join(
        (b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(b"".join(rows), level)),
         _chunk(b"IEND", b""))
    )  # fmt: skip


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(tag)))


def _save(image: Image.Image, fmt: str, options: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale (a PNG's ``I;16``, read by Pillow as ``I;16`` or ``I``) scaled to 8 bits: Pillow's own
    conversion clips every value above 255 to white, so a mid-grey 32768 would come out white."""
    wide = image.mode == "I" and image.getextrema()[1] > 255  # type: ignore[operator]
    if image.mode.startswith("I;16") or wide:
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image


def fit_photo(path: Path, size: tuple[int, int], *, background: tuple[int, int, int] = NAVY) -> Image.Image:
    """The post's own image at exactly ``size``: upright (EXIF orientation applied), RGB, metadata dropped."""
    with Image.open(path) as opened:
        opened.load()
        upright = _eight_bit(ImageOps.exif_transpose(opened))
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    else:
        upright = upright.convert("RGB")
    width, height = size
    photo_ratio, card_ratio = upright.width / upright.height, width / height
    if abs(photo_ratio / card_ratio - 1) <= COVER_TOLERANCE:
        fitted = ImageOps.fit(upright, size, Image.Resampling.LANCZOS)
    else:
        inner = ImageOps.contain(upright, size, Image.Resampling.LANCZOS)
        fitted = Image.new("RGB", size, background)
        fitted.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2))
    # A fresh image carries none of the source's info (EXIF, ICC profile, comments), so nothing leaks out.
    clean = Image.new("RGB", fitted.size)
    clean.paste(fitted)
    return clean
