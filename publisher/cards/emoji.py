"""Splitting text into font runs, and drawing colour emoji.

Pillow draws a whole string with one font and shows a missing glyph as a box ("tofu"). So text is cut into
grapheme clusters (``regex``'s ``\\X``, which keeps ZWJ sequences, flags, keycaps and skin tones whole) and each
cluster goes to the font that has every one of its code points: Plus Jakarta Sans for text, Noto Sans Arabic for
Arabic, Noto Color Emoji for emoji, none → the cluster is dropped (never drawn as tofu; `check` refuses such
titles). Adjacent clusters of the same font form one run so
raqm still shapes and kerns words as wholes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import regex
from PIL import Image, ImageDraw

from publisher.cards.fonts import arabic_coverage, emoji_coverage, emoji_font, text_coverage

GRAPHEME = regex.compile(r"\X")
ZWJ = 0x200D
VARIATION_SELECTORS = {0xFE0E, 0xFE0F}
EMOJI_PRESENTATION = 0xFE0F
# Joiners and selectors steer shaping; a font need not map them to a glyph of their own.
IGNORABLE = {ZWJ, *VARIATION_SELECTORS}
# An emoji is drawn this many font-size units high and advances this far: close to a capital letter's weight.
EMOJI_HEIGHT_EM = 0.98
EMOJI_ADVANCE_EM = 1.16
# Where the emoji's top sits above the baseline, in font-size units (its bottom dips slightly, like a descender).
EMOJI_RISE_EM = 0.84


@dataclass(frozen=True)
class Run:
    text: str
    emoji: bool
    face: str = "text"  # "text" | "arabic" | "emoji": the font that draws the run


def font_for_cluster(cluster: str) -> str | None:
    """``"text"``, ``"arabic"``, ``"emoji"`` or ``None`` (no font can draw it: drop it)."""
    codes = [ord(c) for c in cluster if ord(c) not in IGNORABLE]
    if not codes:
        return None
    in_text = all(c in text_coverage() for c in codes)
    in_emoji = all(c in emoji_coverage() for c in codes)
    wants_emoji = EMOJI_PRESENTATION in map(ord, cluster) or ZWJ in map(ord, cluster)
    if in_emoji and (wants_emoji or not in_text):
        return "emoji"
    if in_text:
        return "text"
    if all(c in arabic_coverage() for c in codes):
        return "arabic"
    return None


@cache
def text_font_draws() -> frozenset[str]:
    """Every character the text font draws, and the joiners and selectors no font needs."""
    return frozenset(map(chr, text_coverage() | IGNORABLE))


def _covers(face: str, cluster: str) -> bool:
    table = arabic_coverage() if face == "arabic" else text_coverage()
    return all(ord(c) in table for c in cluster if ord(c) not in IGNORABLE)


@lru_cache(maxsize=4096)
def split_runs(text: str) -> tuple[Run, ...]:
    runs: list[Run] = []
    for cluster in GRAPHEME.findall(text):
        face = font_for_cluster(cluster)
        if face is None:
            continue
        previous = runs[-1] if runs else None
        if previous is not None and face == "text" and previous.face == "arabic" and _covers("arabic", cluster):
            face = "arabic"  # spaces and digits between Arabic words stay in its run, so bidi orders the words
        if previous is not None and previous.face == face and face != "emoji":
            runs[-1] = Run(previous.text + cluster, False, face)
        else:
            runs.append(Run(cluster, face == "emoji", face))  # each emoji stays its own run: drawn as an image
    return tuple(runs)


def drawable(text: str) -> str:
    """``text`` without the clusters no font can draw (what the card actually shows)."""
    return "".join(run.text for run in split_runs(text))


def emoji_advance(size: int) -> int:
    return round(size * EMOJI_ADVANCE_EM)


@lru_cache(maxsize=256)
def _emoji_strike(cluster: str) -> Image.Image:
    """The emoji at the font's native bitmap size, RGBA, cropped to its ink."""
    font = emoji_font()
    left, top, right, bottom = (round(v) for v in font.getbbox(cluster))
    image = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((-left, -top), cluster, font=font, embedded_color=True)
    return image


@lru_cache(maxsize=1024)
def emoji_image(cluster: str, size: int) -> Image.Image:
    """The emoji scaled for text of ``size`` px (cached: the same emoji recurs across cards and platforms)."""
    strike = _emoji_strike(cluster)
    height = max(1, round(size * EMOJI_HEIGHT_EM))
    width = max(1, round(strike.width * height / strike.height))
    return strike.resize((width, height), Image.Resampling.LANCZOS)


def paste_emoji(canvas: Image.Image, cluster: str, x: float, baseline: float, size: int) -> None:
    image = emoji_image(cluster, size)
    left = round(x + (emoji_advance(size) - image.width) / 2)
    top = round(baseline - size * EMOJI_RISE_EM)
    canvas.paste(image, (left, top), image)
