"""Text measuring, word wrapping, fitting text to a box, and drawing it with mixed text/emoji runs.

Fitting is a binary search over the font size: the largest size at which the text, wrapped at word boundaries,
fits the box's width and height. To keep it fast each word is measured once at a reference size and scaled
(advances are almost linear in size); the chosen size is then re-checked with exact measurements and stepped
down if hinting made a line a pixel wider, so the result never overflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from publisher.cards.emoji import GRAPHEME, emoji_advance, paste_emoji, split_runs
from publisher.cards.fonts import arabic_font, text_font

RGB = tuple[int, int, int]
REFERENCE_SIZE = 200
# Vertical extent of a line around its baseline, in font-size units: room for accented capitals above and for
# descenders below, so nothing drawn can leave the box the layout reserved.
ASCENT_EM = 0.98
DESCENT_EM = 0.26
ELLIPSIS = "…"
LONGEST_WORD = 400  # characters; wider than any card at any size the fitting tries


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    size: int
    weight: int
    line_height: float  # baseline to baseline, in font-size units

    @property
    def pitch(self) -> int:
        return round(self.size * self.line_height)

    @property
    def height(self) -> int:
        return text_height(len(self.lines), self.size, self.line_height)

    @property
    def width(self) -> int:
        return max((round(measure(line, self.size, self.weight)) for line in self.lines), default=0)


@dataclass(frozen=True)
class TextBlock:
    """What was drawn where, for tests and the contrast check: every text on the card is one of these."""

    role: str
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom: the reserved box of the drawn lines
    size: int
    fill: RGB
    background: RGB


def text_height(lines: int, size: int, line_height: float) -> int:
    if lines <= 0:
        return 0
    return (lines - 1) * round(size * line_height) + round(size * (ASCENT_EM + DESCENT_EM))


@lru_cache(maxsize=16384)
def measure(text: str, size: int, weight: int) -> float:
    """Advance width of ``text`` at ``size`` px, emoji included, as :func:`draw_line` lays it out.

    Memoized: fitting, balancing, drawing and the text blocks measure the same lines again and again (raqm
    shaping is most of a card's layout time)."""
    width = 0.0
    for run in split_runs(text):
        width += emoji_advance(size) if run.emoji else _run_length(run.text, size, weight, run.face)
    return width


@lru_cache(maxsize=16384)
def _run_length(text: str, size: int, weight: int, face: str = "text") -> float:
    return _face_font(face, size, weight).getlength(text)


def _face_font(face: str, size: int, weight: int):  # -> ImageFont.FreeTypeFont
    return arabic_font(size, weight) if face == "arabic" else text_font(size, weight)


@lru_cache(maxsize=8192)
def _reference_width(text: str, weight: int) -> float:
    return measure(text, REFERENCE_SIZE, weight)


def _break_word(word: str, width: float, size: int, weight: int) -> list[str]:
    """Last resort for a word wider than the box (a long URL): cut it between grapheme clusters.

    Each piece is found by galloping then bisecting over its length, so a piece costs a few measurements of at
    most twice its own length: linear-ish in the word, where growing one cluster at a time was quadratic."""
    clusters = GRAPHEME.findall(word)
    pieces: list[str] = []
    start, total = 0, len(clusters)
    while start < total:
        good, bad, span = start + 1, total + 1, 2  # at least one cluster per piece, even one wider than the box
        while good < total and bad > total:
            probe = min(total, start + span)
            if measure("".join(clusters[start:probe]), size, weight) > width:
                bad = probe
            else:
                good = probe
            span *= 2
        while bad <= total and bad - good > 1:
            middle = (good + bad) // 2
            if measure("".join(clusters[start:middle]), size, weight) <= width:
                good = middle
            else:
                bad = middle
        pieces.append("".join(clusters[start:good]))
        start = good
    return pieces


def wrap(text: str, width: float, size: int, weight: int) -> list[str]:
    """Greedy word wrap on estimated widths (callers confirm with :func:`measure`); newlines are kept."""
    scale = size / REFERENCE_SIZE
    space = _reference_width(" ", weight) * scale
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():  # a blank line between paragraphs stays a blank line
            lines.append("")
            continue
        current: list[str] = []
        current_width = 0.0
        for word in paragraph.split():
            # A word longer than any line is not shaped whole (raqm on 300 KB takes minutes): it is broken below.
            word_width = _reference_width(word, weight) * scale if len(word) <= LONGEST_WORD else float("inf")
            if current and current_width + space + word_width <= width:
                current.append(word)
                current_width += space + word_width
                continue
            if current:
                lines.append(" ".join(current))
            if word_width <= width:
                current, current_width = [word], word_width
            else:
                *whole, last = _break_word(word, width, size, weight)
                lines.extend(whole)
                current, current_width = [last], measure(last, size, weight)
        if current:
            lines.append(" ".join(current))
    return lines


def _fits(text: str, width: int, height: int, size: int, weight: int, line_height: float, max_lines: int | None,
          *, exact: bool) -> list[str] | None:  # fmt: skip
    lines = wrap(text, width, size, weight)
    if max_lines is not None and len(lines) > max_lines:
        return None
    if text_height(len(lines), size, line_height) > height:
        return None
    if exact and not _all_within(lines, width, size, weight):
        return None
    return lines


def _all_within(lines: list[str], width: float, size: int, weight: int) -> bool:
    return all(measure(line, size, weight) <= width for line in lines)


def fit(
    text: str,
    width: int,
    height: int,
    *,
    weight: int,
    max_size: int,
    min_size: int,
    line_height: float = 1.15,
    max_lines: int | None = None,
) -> FittedText | None:
    """The largest size in [min_size, max_size] at which ``text`` fits the box; ``None`` if not even min_size."""
    low, high, best = min_size, max_size, None
    while low <= high:
        middle = (low + high) // 2
        if _fits(text, width, height, middle, weight, line_height, max_lines, exact=False) is not None:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    start = best if best is not None else min_size
    # The estimate can be off by a pixel or two either way: confirm with exact widths, stepping down if needed.
    for size in range(start, min_size - 1, -1):
        lines = _fits(text, width, height, size, weight, line_height, max_lines, exact=True)
        if lines is not None:
            return FittedText(tuple(balance(text, lines, width, size, weight)), size, weight, line_height)
    return None


def balance(text: str, lines: list[str], width: int, size: int, weight: int) -> list[str]:
    """The same number of lines at the narrowest width that still allows it, so the last line is no orphan."""
    if len(lines) < 2 or "\n" in text:
        return lines
    low, high, best = width // 2, width, lines
    while high - low > 4:
        middle = (low + high) // 2
        candidate = wrap(text, middle, size, weight)
        if len(candidate) == len(lines):
            best, high = candidate, middle
        else:
            low = middle
    return best if best is lines or _all_within(best, width, size, weight) else lines


def fit_or_truncate(
    text: str, width: int, height: int, *, weight: int, max_size: int, min_size: int, line_height: float = 1.15
) -> FittedText:
    """Like :func:`fit`, but at ``min_size`` keeps the lines that fit and ends the last with … instead of failing.

    One wrap and one trim, so the cost stays linear in the text (dropping words one by one and refitting each
    time made a 30 KB title take half a minute). A single word longer than the box is cut between graphemes by
    :func:`wrap`, so there is always at least one line to draw.
    """
    fitted = fit(text, width, height, weight=weight, max_size=max_size, min_size=min_size, line_height=line_height)
    if fitted is not None:
        return fitted
    pitch = round(min_size * line_height)
    room = max(1, 1 + (height - text_height(1, min_size, line_height)) // pitch)
    lines = [line for line in wrap(text, width, min_size, weight) if line.strip()][:room]
    if not lines:
        return FittedText((), min_size, weight, line_height)
    lines[-1] = _with_ellipsis(lines[-1], width, min_size, weight)
    return FittedText(tuple(lines), min_size, weight, line_height)


def _with_ellipsis(line: str, width: float, size: int, weight: int) -> str:
    """``line`` shortened by whole graphemes until it and a closing … fit ``width``."""
    clusters = GRAPHEME.findall(line.rstrip(",.;: "))
    while clusters and measure("".join(clusters) + ELLIPSIS, size, weight) > width:
        clusters.pop()
    return "".join(clusters).rstrip(",.;: ") + ELLIPSIS


def draw_line(canvas: Image.Image, draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, size: int,
              weight: int, fill: RGB) -> float:  # fmt: skip
    """Draws one line of mixed runs starting at ``x`` on ``baseline``; returns the x after it."""
    for run in split_runs(text):
        if run.emoji:
            paste_emoji(canvas, run.text, x, baseline, size)
            x += emoji_advance(size)
        else:
            draw.text((x, baseline), run.text, font=_face_font(run.face, size, weight), fill=fill, anchor="ls")
            x += _run_length(run.text, size, weight, run.face)
    return x


def draw_text(
    canvas: Image.Image,
    draw: ImageDraw.ImageDraw,
    fitted: FittedText,
    left: int,
    top: int,
    *,
    fill: RGB,
    background: RGB,
    role: str,
    align: str = "left",
    box_width: int | None = None,
) -> TextBlock:
    """Draws fitted lines with their top at ``top``; ``align`` is ``left`` or ``center`` within ``box_width``."""
    baseline = top + round(fitted.size * ASCENT_EM)
    lefts, rights = [left], [left]
    for line in fitted.lines:
        width = measure(line, fitted.size, fitted.weight)
        x = left + (box_width - width) / 2 if align == "center" and box_width else left
        draw_line(canvas, draw, x, baseline, line, fitted.size, fitted.weight, fill)
        lefts.append(int(x))
        rights.append(round(x + width))
        baseline += fitted.pitch
    box = (min(lefts), top, max(rights), top + fitted.height)
    return TextBlock(role, " ".join(fitted.lines), box, fitted.size, fill, background)
