"""Encoding a finished card, and fitting a post's own photo to a platform's size.

Encoder settings favour speed: PNG at zlib level 2 (flat-colour cards compress well even so) and JPEG at
quality 88 without the optimiser pass. When a platform has a byte ceiling the image exceeds (Bluesky's
1,000,000 bytes for a detailed photo), JPEG quality steps down until it fits; the pixel size never changes.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from publisher.cards.palette import NAVY

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


def encode(image: Image.Image, fmt: str, max_bytes: int | None = None) -> bytes:
    """``image`` as ``fmt`` bytes with no metadata (no EXIF, no ICC, no text chunks), under ``max_bytes``."""
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


def _save(image: Image.Image, fmt: str, options: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def fit_photo(path: Path, size: tuple[int, int], *, background: tuple[int, int, int] = NAVY) -> Image.Image:
    """The post's own image at exactly ``size``: upright (EXIF orientation applied), RGB, metadata dropped."""
    with Image.open(path) as opened:
        opened.load()
        upright = ImageOps.exif_transpose(opened)
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
