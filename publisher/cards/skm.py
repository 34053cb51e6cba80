"""The card of an SKM results post (a post with ``skm:`` figures): the index, its category, a bar per unsur and
the number of respondents, in the cards' identity (header, footer and colours of :mod:`publisher.cards.templates`).

Wide cards put the index in a left column and the bars on the right; portrait and square cards stack them. Bars
start at 0 and end at the highest score, 4, so their lengths compare honestly. Every text is drawn on flat colour
with one of the pairs :mod:`publisher.brand.palette` declares, and reported as a ``TextBlock`` like any card's.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import ImageDraw

from publisher.brand import palette
from publisher.brand.identity import Brand, card_look
from publisher.cards.fonts import BOLD, EXTRABOLD, SEMIBOLD
from publisher.cards.layout import TextBlock, draw_line, measure
from publisher.cards.templates import _DRAWING, CAP_HEIGHT_EM, Composition, Frame, _base
from publisher.listening.skm import COLUMNS, HIGHEST_SCORE, Period, category_of
from publisher.posts.model import Kind, Post, SkmSummary

# Card-length names of the nine unsur (the post's body and alt text carry the regulation's full names).
SHORT_UNSUR = (
    "Persyaratan",
    "Prosedur",
    "Waktu penyelesaian",
    "Biaya/tarif",
    "Produk layanan",
    "Kompetensi petugas",
    "Perilaku petugas",
    "Penanganan pengaduan",
    "Sarana & prasarana",
)
BADGE = "SURVEI KEPUASAN MASYARAKAT"
TRACK = palette.NAVY_LINE  # the bar's empty part: never under text
BAR = palette.GOLD


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def decimal_comma(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def compose_skm_card(post: Post, width: int, height: int, brand: Brand | None = None) -> Composition:
    """The drawn SKM card of ``post`` (which must carry ``skm``) at ``width``×``height``, in ``brand``'s identity."""
    brand = brand or Brand()
    assert post.skm is not None, "compose_skm_card needs a post with skm figures"
    hashtag = f"#{post.hashtags[0]}" if post.hashtags else None
    with _DRAWING:
        base, base_blocks = _base(width, height, brand.parent, hashtag, card_look(brand))
        result = Composition(base.copy(), list(base_blocks))
        frame = Frame(width, height)
        index_box, bars_box = _regions(frame)
        _draw_index(result, frame, index_box, post.skm)
        _draw_bars(result, frame, bars_box, post.skm)
    return result


def _regions(frame: Frame) -> tuple[Box, Box]:
    u, m = frame.px, frame.margin
    top = frame.header_height + frame.rule + u(3) + u(44)
    bottom = frame.height - frame.footer_height - u(40)
    if frame.wide:
        split = m + round((frame.width - 2 * m) * 0.38)
        return Box(m, top, split, bottom), Box(split + u(48), top, frame.width - m, bottom)
    split = top + round((bottom - top) * 0.42)
    return Box(m, top, frame.width - m, split), Box(m, split + u(36), frame.width - m, bottom)


def _index_lines(skm: SkmSummary, scale: float, frame: Frame) -> list[tuple[str, str, int, int, int]]:
    """(kind, text, size, weight, gap before) for the index column, top to bottom, at ``scale``."""
    category = category_of(skm.ikm)
    s = lambda units: max(1, round(frame.px(units) * scale))  # noqa: E731
    return [
        ("badge", BADGE, s(24), EXTRABOLD, 0),
        ("period", _period_label(skm.period), s(34), BOLD, s(26)),
        ("caption", "Indeks Kepuasan Masyarakat", s(26), SEMIBOLD, s(18)),
        ("number", decimal_comma(skm.ikm), s(168), EXTRABOLD, s(14)),
        ("category", f"{category.value} · {category.mutu.upper()}", s(30), EXTRABOLD, s(10)),
        ("respondents", f"{skm.respondents} responden", s(28), SEMIBOLD, s(22)),
    ]


def _line_height(kind: str, size: int) -> int:
    """The height a line of the index column takes: pills get padding, the big number its cap height only."""
    if kind in ("badge", "category"):
        return round(size * 2.2)
    return round(size * (CAP_HEIGHT_EM + (0.05 if kind == "number" else 0.35)))


def _draw_index(result: Composition, frame: Frame, box: Box, skm: SkmSummary) -> None:
    scale = 1.0
    while True:  # shrink the column as one, so its proportions stay, until it fits its box
        lines = _index_lines(skm, scale, frame)
        fits_height = sum(gap + _line_height(kind, size) for kind, _, size, _, gap in lines) <= box.height
        widest = max(measure(text, size, weight) + (size * 2 if kind in ("badge", "category") else 0)
                     for kind, text, size, weight, _ in lines)  # fmt: skip
        if (fits_height and widest <= box.width) or scale < 0.3:
            break
        scale *= 0.92
    draw = ImageDraw.Draw(result.image)
    theme = palette.THEMES[Kind.SERVICE_UPDATE]
    y = box.top
    for kind, text, size, weight, gap in lines:
        y += gap
        line_height = _line_height(kind, size)
        if kind in ("badge", "category"):
            fill, ink = (theme.badge_fill, theme.badge_text) if kind == "badge" else (palette.GOLD, palette.INK)
            _pill(result, draw, box.left, y, line_height, text, size, weight, fill, ink, kind)
        else:
            pair = palette.TITLE if kind == "number" else palette.SUBTITLE
            _text(result, draw, box.left, y + round(size * CAP_HEIGHT_EM), text, size, weight, pair, kind)
        y += line_height


def _draw_bars(result: Composition, frame: Frame, box: Box, skm: SkmSummary) -> None:
    u = frame.px
    draw = ImageDraw.Draw(result.image)
    heading = "Nilai rata-rata per unsur (skala 1–4)"
    rows = len(COLUMNS) + 1  # the heading takes one row's height
    pitch = box.height // rows
    labels = [f"{column}  {name}" for column, name in zip(COLUMNS, SHORT_UNSUR, strict=True)]
    label_room = round(box.width * (0.46 if frame.wide else 0.42))
    size = min(u(30), round(pitch * 0.46))
    widest = max(measure(label, size, SEMIBOLD) for label in labels)
    if widest > label_room:
        size = max(1, int(size * label_room / widest))
    value_room = round(measure("4,00", size, BOLD)) + u(14)
    heading_size = min(size, u(26))
    _text(result, draw, box.left, box.top + round(heading_size * CAP_HEIGHT_EM), heading, heading_size, BOLD,
          palette.SUBTITLE, "bars-heading")  # fmt: skip
    bar_left, bar_right = box.left + label_room + u(16), box.right - value_room
    thickness = max(2, round(pitch * 0.34))
    for index, (label, value) in enumerate(zip(labels, skm.nrr, strict=True)):
        middle = box.top + pitch * (index + 1) + pitch // 2
        baseline = middle + round(size * CAP_HEIGHT_EM) // 2
        _text(result, draw, box.left, baseline, label, size, SEMIBOLD, palette.SUBTITLE, "bar-label")
        top, bottom = middle - thickness // 2, middle + thickness - thickness // 2
        draw.rectangle((bar_left, top, bar_right, bottom), fill=TRACK)
        filled = bar_left + round((bar_right - bar_left) * min(value, HIGHEST_SCORE) / HIGHEST_SCORE)
        draw.rectangle((bar_left, top, filled, bottom), fill=BAR)
        number = decimal_comma(value)
        x = box.right - round(measure(number, size, BOLD))
        _text(result, draw, x, baseline, number, size, BOLD, palette.TITLE, "bar-value")


def _text(result: Composition, draw: ImageDraw.ImageDraw, x: int, baseline: int, text: str, size: int, weight: int,
          pair: tuple[palette.RGB, palette.RGB], role: str) -> None:  # fmt: skip
    end = draw_line(result.image, draw, x, baseline, text, size, weight, pair[0])
    box = (x, baseline - round(size * CAP_HEIGHT_EM), round(end), baseline + round(size * 0.25))
    result.blocks.append(TextBlock(role, text, box, size, pair[0], pair[1]))


def _pill(result: Composition, draw: ImageDraw.ImageDraw, x: int, top: int, height: int, text: str, size: int,
          weight: int, fill: palette.RGB, ink: palette.RGB, role: str) -> None:  # fmt: skip
    pad = round(size * 0.9)
    width = round(measure(text, size, weight)) + 2 * pad
    draw.rounded_rectangle((x, top, x + width, top + height), radius=height // 2, fill=fill)
    baseline = top + (height + round(size * CAP_HEIGHT_EM)) // 2
    draw_line(result.image, draw, x + pad, baseline, text, size, weight, ink)
    result.blocks.append(TextBlock(role, text, (x, top, x + width, top + height), size, ink, fill))


def _period_label(period: str) -> str:
    try:
        return Period.parse(period).label
    except ValueError:
        return period  # a period typed by hand in another form is shown as written
