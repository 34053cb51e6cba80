"""How each platform counts the length of a caption. The adapters name one of these in ``counting``.

- ``chars``: Unicode code points after NFC (Instagram, Threads).
- ``chars_url23``: code points, every URL counted as 23 (Mastodon).
- ``utf16``: UTF-16 code units, as Telegram measures captions and entity offsets.
- ``graphemes``: user-perceived characters (Bluesky's 300).
- ``x_weighted``: twitter-text v3: code points in the Latin, general punctuation and a few other ranges weigh 1,
  everything else (CJK, emoji sequences) 2, every URL 23; the limit 280 is in those units.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import StrEnum

import regex

# The one URL pattern: Bluesky's link facets, X's and Mastodon's 23-unit links, the review site. Trailing punctuation
# belongs to the sentence, except a ")" that closes a "(" opened inside the URL (".../Imigrasi_(Indonesia)"), as
# Bluesky's own client and twitter-text (balanced parentheses) keep it.
URL_PATTERN = regex.compile(r"https?://[^\s<>\"]+(?:[^\s<>\".,;:!?)\]}'…]|(?<=\([^\s<>\"()]*\)))")
URL_WEIGHT = 23
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_GRAPHEME = regex.compile(r"\X")
# Outside Latin up to U+02FF and the general punctuation U+2010–U+205E (dashes, quotes, "…"): the code points that
# may join others into one grapheme (combining marks, ZWJ, variation selectors, emoji, scripts with clusters) or
# change under NFC. Text without any is counted without the grapheme walk.
_JOINS = regex.compile(r"[^\u0000-\u02FF\u2010-\u2027\u2030-\u205E]")


class Counting(StrEnum):
    CHARS = "chars"
    CHARS_URL23 = "chars_url23"
    UTF16 = "utf16"
    GRAPHEMES = "graphemes"
    X_WEIGHTED = "x_weighted"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _chars(text: str) -> int:
    return len(_nfc(text))


def _without_urls(text: str) -> tuple[str, int]:
    urls = URL_PATTERN.findall(text)
    return URL_PATTERN.sub("", text), len(urls)


def _chars_url23(text: str) -> int:
    rest, urls = _without_urls(_nfc(text))
    return len(rest) + urls * URL_WEIGHT


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _graphemes(text: str) -> int:
    if not _JOINS.search(text):  # each code point its own grapheme, but for CR LF (UAX #29, GB3); NFC changes none
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(_nfc(text)))


# Code points outside twitter-text's light ranges (0-4351, 8192-8205, 8208-8223, 8242-8247) weigh 2.
_X_HEAVY = regex.compile(r"[^\u0000-\u10FF\u2000-\u200D\u2010-\u201F\u2032-\u2037]")


def _x_plain_weight(text: str) -> int:
    return len(text) + len(_X_HEAVY.findall(text))


def _x_weighted(text: str) -> int:
    rest, urls = _without_urls(_nfc(text))
    total = urls * URL_WEIGHT
    if not _EMOJI.search(rest):  # the common case: no grapheme walk needed
        return total + _x_plain_weight(rest)
    for cluster in _GRAPHEME.findall(rest):
        total += 2 if _EMOJI.search(cluster) else _x_plain_weight(cluster)
    return total


COUNTERS: dict[Counting, Callable[[str], int]] = {
    Counting.CHARS: _chars,
    Counting.CHARS_URL23: _chars_url23,
    Counting.UTF16: _utf16,
    Counting.GRAPHEMES: _graphemes,
    Counting.X_WEIGHTED: _x_weighted,
}


def _ascii(text: str, counting: Counting) -> int:
    """The count of an ASCII text (most Indonesian and English captions), without normalising or walking it: NFC
    changes no ASCII character, each is one code point, one UTF-16 unit, one grapheme (but CR LF, UAX #29 GB3) and
    weighs 1 on X; only the links still need finding."""
    if counting == Counting.GRAPHEMES:
        return len(text) - text.count("\r\n")
    if counting in (Counting.CHARS, Counting.UTF16) or "://" not in text:
        return len(text)
    rest, urls = _without_urls(text)
    return len(rest) + urls * URL_WEIGHT


def count(text: str, counting: Counting) -> int:
    return _ascii(text, counting) if text.isascii() else COUNTERS[counting](text)
