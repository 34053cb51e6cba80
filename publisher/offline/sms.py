"""SMS length as a phone counts it: GSM-7 septets or UCS-2 code units, and how many segments a text takes.

GSM 03.38: a text made only of the basic set's characters goes as GSM-7, 160 septets in one SMS or 153 per
segment of a concatenated one (the user data header takes 7); a character of the extension table (``€ [ ] { }
\\ ^ ~ |`` and form feed) is an escape plus the character, two septets, and a phone never splits the pair across
segments. One character outside both tables sends the whole text as UCS-2: 70 UTF-16 code units alone, 67 per
segment, a character outside the BMP (most emoji) taking two units that are never split.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from publisher.i18n import _

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "^{}\\[~]|€\f"
BASIC_SET = frozenset(BASIC)
EXTENSION_SET = frozenset(EXTENSION)

# Common typography with a plain GSM-7 stand-in, for the transliterated form.
REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "−": "-", "…": "...",
    "•": "-", "·": "-", "×": "x", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "→": "->", "©": "(c)",
}  # fmt: skip


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


# (single message, per segment of a concatenated message), in the encoding's units
LIMITS = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


@dataclass(frozen=True)
class SmsCount:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    outside_gsm: tuple[str, ...]  # the characters that forced UCS-2, in order of appearance

    def line(self) -> str:
        text = _("{encoding}, {units} units, {segments} segment(s)").format(
            encoding=self.encoding.value, units=self.units, segments=self.segments
        )
        if self.outside_gsm:
            text += " " + _("(outside GSM-7: {chars})").format(chars=" ".join(repr(c) for c in self.outside_gsm))
        return text


def is_gsm7(text: str) -> bool:
    return all(c in BASIC_SET or c in EXTENSION_SET for c in text)


def _units(text: str, encoding: Encoding) -> list[int]:
    """Each character's size in the encoding's units."""
    if encoding is Encoding.GSM7:
        return [2 if c in EXTENSION_SET else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count_sms(text: str) -> SmsCount:
    outside = tuple(dict.fromkeys(c for c in text if c not in BASIC_SET and c not in EXTENSION_SET))
    encoding = Encoding.UCS2 if outside else Encoding.GSM7
    sizes = _units(text, encoding)
    single, per_segment = LIMITS[encoding]
    total = sum(sizes)
    if total <= single:
        return SmsCount(encoding, total, 1 if text else 0, outside)
    segments, used = 1, 0
    for size in sizes:  # greedy, as a phone fills segments: a 2-unit character never straddles two
        if used + size > per_segment:
            segments, used = segments + 1, 0
        used += size
    return SmsCount(encoding, total, segments, outside)


def to_gsm7(text: str) -> str:
    """The nearest GSM-7 text: typography replaced, accents dropped where the bare letter is GSM-7 (``ê`` →
    ``e``; ``é`` stays, it is in the basic set), anything else (emoji) removed."""
    out = []
    for c in text:
        if c in BASIC_SET or c in EXTENSION_SET:
            out.append(c)
        elif c in REPLACEMENTS:
            out.append(REPLACEMENTS[c])
        else:
            bare = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
            out.append(bare if bare and is_gsm7(bare) else "")
    return re.sub(r" {2,}", " ", "".join(out))
