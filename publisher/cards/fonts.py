"""The card fonts, loaded once per process: Plus Jakarta Sans for text, Noto Color Emoji for emoji.

Plus Jakarta Sans comes from the ``fontpkg-plus-jakarta-sans`` package (OFL); Noto Color Emoji is committed under
``publisher/assets/`` (OFL, licence beside it) because no maintained pip package ships a colour emoji font, and the
app must not depend on a system font at run time.

Pillow has no font fallback, so the renderer needs to know which characters each font can draw: :func:`coverage`
reads the font's ``cmap`` table directly (formats 4 and 12 cover every font we ship), which avoids a fontTools
dependency for a few dozen lines of struct parsing.
"""

from __future__ import annotations

import hashlib
import struct
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

import fontpkg
from fontpkg.pil import truetype
from PIL import ImageFont

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EMOJI_FONT_PATH = ASSETS / "NotoColorEmoji.ttf"
# CBDT bitmap fonts only open at the size of their one bitmap strike; emoji are scaled from it.
EMOJI_STRIKE_SIZE = 109
TEXT_FAMILY = "Plus Jakarta Sans"
TEXT_PACKAGE = "fontpkg-plus-jakarta-sans"
# Plus Jakarta Sans has no Arabic; an Arabic title (an announcement for Middle Eastern visitors) falls back to this.
# No maintained pip package ships Noto Sans CJK, so Chinese, Japanese and Korean are refused by `check` instead
# (publisher.posts.limits), as is any script neither font draws.
ARABIC_FAMILY = "Noto Sans Arabic"
ARABIC_PACKAGE = "fontpkg-noto-sans-arabic"

REGULAR = 500
SEMIBOLD = 600
BOLD = 700
EXTRABOLD = 800


@cache
def text_font_path() -> Path:
    return Path(fontpkg.path(TEXT_FAMILY, 400))


@lru_cache(maxsize=512)
def text_font(size: int, weight: int = REGULAR) -> ImageFont.FreeTypeFont:
    """Plus Jakarta Sans at ``size`` px and ``weight`` (variable font), shaped with raqm."""
    return truetype(TEXT_FAMILY, max(1, int(size)), weight, layout_engine=ImageFont.Layout.RAQM)


@cache
def arabic_font_path() -> Path:
    import fontpkg

    return Path(fontpkg.path(ARABIC_FAMILY, 400))


@lru_cache(maxsize=256)
def arabic_font(size: int, weight: int = REGULAR) -> ImageFont.FreeTypeFont:
    """Noto Sans Arabic at ``size`` px and ``weight``; raqm shapes the joined letter forms and right-to-left order."""
    from fontpkg.pil import truetype

    return truetype(ARABIC_FAMILY, max(1, int(size)), weight, layout_engine=ImageFont.Layout.RAQM)


@cache
def emoji_font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(EMOJI_FONT_PATH), EMOJI_STRIKE_SIZE, layout_engine=ImageFont.Layout.RAQM)


@cache
def text_coverage() -> frozenset[int]:
    return coverage(text_font_path())


@cache
def arabic_coverage() -> frozenset[int]:
    return coverage(arabic_font_path())


@cache
def emoji_coverage() -> frozenset[int]:
    return coverage(EMOJI_FONT_PATH)


@cache
def font_versions() -> str:
    """Identifies the exact font files, for the render cache key: a font update must re-render every card."""
    emoji = hashlib.sha256(EMOJI_FONT_PATH.read_bytes()).hexdigest()[:16]
    return (
        f"{TEXT_PACKAGE}={metadata.version(TEXT_PACKAGE)};{ARABIC_PACKAGE}={metadata.version(ARABIC_PACKAGE)};"
        f"emoji={emoji}"
    )


def coverage(path: Path) -> frozenset[int]:
    """Every code point the font's Unicode ``cmap`` subtables map to a real glyph (not glyph 0, ``.notdef``)."""
    data = path.read_bytes()
    table = _table(data, b"cmap")
    _version, count = struct.unpack_from(">HH", data, table)
    found: set[int] = set()
    seen_offsets = set()
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, table + 4 + 8 * index)
        unicode = platform == 0 or (platform == 3 and encoding in (1, 10))
        if not unicode or offset in seen_offsets:
            continue
        seen_offsets.add(offset)
        start = table + offset
        fmt = struct.unpack_from(">H", data, start)[0]
        if fmt == 4:
            found.update(_format4(data, start))
        elif fmt == 12:
            found.update(_format12(data, start))
    return frozenset(found)


def _table(data: bytes, tag: bytes) -> int:
    count = struct.unpack_from(">H", data, 4)[0]
    for index in range(count):
        record = 12 + 16 * index
        if data[record : record + 4] == tag:
            return struct.unpack_from(">I", data, record + 8)[0]
    raise ValueError(f"font has no {tag.decode()} table")


def _format4(data: bytes, start: int) -> set[int]:
    seg_count = struct.unpack_from(">H", data, start + 6)[0] // 2
    ends_at = start + 14
    starts_at = ends_at + 2 * seg_count + 2
    deltas_at = starts_at + 2 * seg_count
    ranges_at = deltas_at + 2 * seg_count
    found = set()
    for seg in range(seg_count):
        end = struct.unpack_from(">H", data, ends_at + 2 * seg)[0]
        first = struct.unpack_from(">H", data, starts_at + 2 * seg)[0]
        delta = struct.unpack_from(">h", data, deltas_at + 2 * seg)[0]
        range_offset = struct.unpack_from(">H", data, ranges_at + 2 * seg)[0]
        for code in range(first, end + 1):
            if code == 0xFFFF:
                continue
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                at = ranges_at + 2 * seg + range_offset + 2 * (code - first)
                glyph = struct.unpack_from(">H", data, at)[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                found.add(code)
    return found


def _format12(data: bytes, start: int) -> set[int]:
    groups = struct.unpack_from(">I", data, start + 12)[0]
    found = set()
    for group in range(groups):
        first, last, glyph = struct.unpack_from(">III", data, start + 16 + 12 * group)
        for offset, code in enumerate(range(first, last + 1)):
            if glyph + offset:
                found.add(code)
    return found
