"""The card templates: one visual identity, three kinds, any size.

Layout, top to bottom: a deep-navy header band with the emblem and the office name; a red "RALAT / PEMBARUAN"
band when the post corrects another; the kind badge (and a reminder's countdown); the title, auto-sized to its box;
the subtitle; the highlight panel (event date, time and place, or the link); a footer band. Wide cards move the
panel into a right-hand column. Every length is a multiple of ``u``, the card's scale unit, so one layout serves
1080×1350 as well as 1600×900 or an A4 poster.

Text is only ever drawn on flat colour (no gradient or photo underneath), so its contrast is exactly the pair that
:mod:`publisher.brand.palette` declares, and every drawn text is reported as a :class:`TextBlock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache

from PIL import Image, ImageDraw

from publisher.brand import palette
from publisher.brand.identity import DEFAULT_LOOK, Look
from publisher.cards.content import CardContent, Detail
from publisher.cards.emblem import emblem, icon, logo
from publisher.cards.fonts import BOLD, EXTRABOLD, REGULAR, SEMIBOLD
from publisher.cards.layout import (
    FittedText,
    TextBlock,
    draw_line,
    draw_text,
    fit,
    fit_or_truncate,
    measure,
    text_height,
)
from publisher.posts.model import Kind

# Below this share of the card's width a title stops being readable on a phone (≈ 12 pt on a 360 pt screen).
LEGIBILITY_FLOOR = 0.034
CAP_HEIGHT_EM = 0.72  # Plus Jakarta Sans' capitals, for centring a line in a pill


@dataclass(frozen=True)
class Frame:
    width: int
    height: int

    @property
    def wide(self) -> bool:
        return self.width / self.height > 1.25

    @property
    def u(self) -> float:
        """The scale unit: 1.0 on a 1080-px-wide portrait card."""
        base = min(self.width, self.height) / 1080
        return base * 1.15 if self.wide else base

    def px(self, units: float) -> int:
        return max(1, round(units * self.u))

    @property
    def margin(self) -> int:
        return self.px(64)

    @property
    def header_height(self) -> int:
        return self.px(150)

    @property
    def footer_height(self) -> int:
        return self.px(88)

    @property
    def rule(self) -> int:
        return self.px(6)


def legibility_floor(width: int) -> int:
    return round(LEGIBILITY_FLOOR * width)


@dataclass
class Composition:
    image: Image.Image
    blocks: list[TextBlock] = field(default_factory=list)
    title: FittedText | None = None
    title_floor: int = 0


def _pill_text(canvas, draw, frame: Frame, x: int, top: int, height: int, text: str, size: int, weight: int,
               fill: palette.RGB, text_color: palette.RGB, role: str) -> tuple[int, TextBlock]:  # fmt: skip
    """A rounded badge with ``text`` centred; returns its right edge and what was drawn."""
    pad = frame.px(24)
    width = round(measure(text, size, weight)) + 2 * pad
    draw.rounded_rectangle((x, top, x + width, top + height), radius=height // 2, fill=fill)
    baseline = top + (height + round(size * CAP_HEIGHT_EM)) // 2
    draw_line(canvas, draw, x + pad, baseline, text, size, weight, text_color)
    return x + width, TextBlock(role, text, (x, top, x + width, top + height), size, text_color, fill)


@lru_cache(maxsize=64)
def _base(width: int, height: int, footer_left: str, footer_right: str | None, look: Look) -> tuple[Image.Image, tuple]:
    """The parts cards of this size share: ground, header with emblem and office name, footer band and texts.

    Cached per size, language and hashtag (most posts share the office's), so a card starts as a copy of it
    instead of redrawing it. It starts as a copy of :func:`_chrome`, the same for every language and hashtag.
    """
    chrome, header_blocks = _chrome(width, height, look)
    image = chrome.copy()
    frame = Frame(width, height)
    return _footer_texts(image, ImageDraw.Draw(image), frame, footer_left, footer_right, list(header_blocks), look)


@lru_cache(maxsize=16)
def _chrome(width: int, height: int, look: Look) -> tuple[Image.Image, tuple[TextBlock, ...]]:
    """Ground, header band with its rings, emblem and office name, and the footer band without its texts: the
    dearest part of :func:`_base` (the emblem and rings are drawn supersampled), shared by every language and
    hashtag, and built by :func:`warm_up` in the preview's workers before the first card."""
    frame = Frame(width, height)
    image = Image.new("RGB", (width, height), look.ground)
    draw = ImageDraw.Draw(image)
    m, header = frame.margin, frame.header_height
    # Concentric rings at the header's right, a quiet nod to a passport stamp: drawn on the header band alone
    # so that no text anywhere sits on them.
    band = Image.new("RGB", (width, header), look.band)
    band_draw = ImageDraw.Draw(band)
    cx, cy = width - frame.px(40), header // 2
    for radius in range(frame.px(50), frame.px(330), frame.px(34)):
        band_draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=look.rings,
                          width=frame.px(3))  # fmt: skip
    image.paste(band, (0, 0))
    draw.rectangle((0, header, width, header + frame.rule), fill=look.rule)
    draw.rectangle((0, header + frame.rule, width, header + frame.rule + frame.px(3)), fill=look.ground)

    mark_size = frame.px(96)
    mark = logo(look.logo, mark_size) if look.logo else emblem(mark_size)
    image.paste(mark, (m, (header - mark_size) // 2), mark)
    text_x = m + mark_size + frame.px(26)
    kicker_size, name_size = frame.px(24), frame.px(42)
    room = width - text_x - m
    while name_size > kicker_size and measure(look.name, name_size, EXTRABOLD) > room:  # a long office name
        name_size -= 1
    gap = frame.px(10)
    block = round(kicker_size * CAP_HEIGHT_EM) + gap + round(name_size * CAP_HEIGHT_EM)
    kicker_base = (header - block) // 2 + round(kicker_size * CAP_HEIGHT_EM)
    name_base = kicker_base + gap + round(name_size * CAP_HEIGHT_EM)
    blocks = []
    for text, size, weight, base, pair, role in (
        (look.kicker, kicker_size, BOLD, kicker_base, (look.office_kicker, look.band), "office-kicker"),
        (look.name, name_size, EXTRABOLD, name_base, (look.office_name, look.band), "office-name"),
    ):
        end = draw_line(image, draw, text_x, base, text, size, weight, pair[0])
        box = (text_x, base - round(size * CAP_HEIGHT_EM), round(end), base + round(size * 0.25))
        blocks.append(TextBlock(role, text, box, size, *pair))

    footer_top = height - frame.footer_height
    draw.rectangle((0, footer_top, width, height), fill=look.band)
    draw.rectangle((0, footer_top, width, footer_top + frame.rule), fill=look.rule)
    return image, tuple(blocks)


def _footer_texts(image: Image.Image, draw, frame: Frame, footer_left: str, footer_right: str | None,
                  blocks: list[TextBlock], look: Look) -> tuple[Image.Image, tuple]:  # fmt: skip
    width, height, m = frame.width, frame.height, frame.margin
    footer_top = height - frame.footer_height
    size = frame.px(24)
    baseline = footer_top + frame.rule + (frame.footer_height - frame.rule + round(size * CAP_HEIGHT_EM)) // 2
    end = draw_line(image, draw, m, baseline, footer_left, size, SEMIBOLD, look.footer)
    box = (m, baseline - round(size * CAP_HEIGHT_EM), round(end), baseline + round(size * 0.25))
    blocks.append(TextBlock("footer", footer_left, box, size, look.footer, look.band))
    if footer_right:
        text_width = round(measure(footer_right, size, BOLD))
        x = width - m - text_width
        draw_line(image, draw, x, baseline, footer_right, size, BOLD, look.footer_accent)
        box = (x, baseline - round(size * CAP_HEIGHT_EM), x + text_width, baseline + round(size * 0.25))
        blocks.append(TextBlock("footer-accent", footer_right, box, size, look.footer_accent, look.band))
    return image, tuple(blocks)


def _theme(look: Look, kind: Kind) -> palette.Theme:
    """The kind's badge colours and title bar from the look (service, policy and event badges in that order)."""
    text, fill = look.badges[list(Kind).index(kind)]
    return palette.Theme(badge_fill=fill, badge_text=text, accent=look.bar)


def warm_up(width: int, height: int) -> None:
    """Builds what every card of this size draws first (header chrome, emblem, the fonts of the office name)."""
    with _DRAWING:
        _chrome(width, height, DEFAULT_LOOK)


# The cached FreeType faces are shared process-wide and FreeType faces are not safe to use from two threads at
# once; cards are drawn one at a time per process (processes, as the preview's pool uses, are unaffected).
_DRAWING = threading.Lock()


def compose(content: CardContent, width: int, height: int, *, with_body: bool = False) -> Composition:
    """Draws the card for ``content`` at ``width``×``height``; ``with_body`` adds the caption (posters)."""
    with _DRAWING:
        if with_body:
            return _compose(content, width, height, with_body=True)
        return _from_stem(content, width, height)


@dataclass(frozen=True)
class _Stem:
    """A drawn card without its countdown badge: what a post's card and its reminder cards on one platform share."""

    image: Image.Image
    blocks: tuple[TextBlock, ...]
    title: FittedText | None
    title_floor: int
    countdown_at: tuple[int, int, int, int]  # left, top, badge height, index in ``blocks`` after the kind badge


def _from_stem(content: CardContent, width: int, height: int) -> Composition:
    """The card, drawn as its stem (cached: a reminder differs from the post's card by the countdown alone) plus
    the countdown badge.

    The countdown pill sits in the badge row, clear of everything else drawn (the title starts ``after_badges``
    below the row's top), so drawing it last gives the same pixels as drawing it between the badge and the title;
    ``tests/test_cards.py`` checks this against :func:`_compose`."""
    stem = _stem(replace(content, countdown=None), width, height)
    result = Composition(stem.image.copy(), list(stem.blocks), stem.title, stem.title_floor)
    if content.countdown:
        left, top, badge_height, index = stem.countdown_at
        frame = Frame(width, height)
        text, fill = content.look.countdown
        _, block = _pill_text(result.image, ImageDraw.Draw(result.image), frame, left, top, badge_height,
                              content.countdown, frame.px(28), EXTRABOLD, fill, text, "countdown")  # fmt: skip
        result.blocks.insert(index, block)
    return result


@lru_cache(maxsize=8)
def _stem(content: CardContent, width: int, height: int) -> _Stem:
    # The post's cards are rendered platform by platform, each followed by its reminders: a few entries suffice.
    where: list[tuple[int, int, int, int]] = []
    result = _compose(content, width, height, with_body=False, countdown_at=where)
    return _Stem(result.image, tuple(result.blocks), result.title, result.title_floor, where[0])


def _compose(content: CardContent, width: int, height: int, *, with_body: bool,
             countdown_at: list[tuple[int, int, int, int]] | None = None) -> Composition:  # fmt: skip
    """See :func:`compose`.

    The layout is planned before anything is drawn: first with generous spacing, then, if the title would not
    fit at the legibility floor, with compact spacing (tighter gaps, a narrower panel column) before the subtitle
    is given up and, for titles far beyond any realistic length, the title ends in "…".
    ``countdown_at`` receives where the countdown badge goes (see :class:`_Stem`).
    """
    frame = Frame(width, height)
    base, base_blocks = _base(width, height, content.footer_left, content.footer_right, content.look)
    image = base.copy()
    draw = ImageDraw.Draw(image)
    result = Composition(image, list(base_blocks), title_floor=legibility_floor(width))
    theme = _theme(content.look, content.kind)

    top = frame.header_height + frame.rule + frame.px(3)
    if content.correction:
        top = _correction_band(result, draw, frame, top, content)
    for compact in (False, True):
        plan = _plan(content, frame, top, with_body, result.title_floor, compact=compact)
        if plan.title_whole and (plan.subtitle is not None or not content.subtitle):
            break
    if plan.panel is not None:
        _draw_panel(result, draw, frame, plan.panel, theme, content.look)
    _draw_text_stack(result, draw, frame, plan, content, theme, countdown_at)
    return result


@dataclass(frozen=True)
class PanelPlan:
    left: int
    top: int
    width: int
    rows: tuple[tuple[Detail, FittedText], ...]
    pad: int
    gap: int
    icon_size: int
    height: int


@dataclass(frozen=True)
class TextPlan:
    left: int
    top: int
    bar: int
    text_left: int
    badge_height: int
    after_badges: int
    sub_gap: int
    body_gap: int
    title: FittedText
    subtitle: FittedText | None
    body: FittedText | None
    title_whole: bool
    panel: PanelPlan | None


def _correction_band(result: Composition, draw, frame: Frame, top: int, content: CardContent) -> int:
    u, m, width = frame.px, frame.margin, frame.width
    band = u(84)
    draw.rectangle((0, top, width, top + band), fill=content.look.correction[1])
    size = u(36)
    baseline = top + (band + round(size * CAP_HEIGHT_EM)) // 2
    assert content.correction is not None
    end = draw_line(result.image, draw, m, baseline, content.correction, size, EXTRABOLD, content.look.correction[0])
    box = (m, top, round(end), top + band)
    result.blocks.append(TextBlock("correction", content.correction, box, size, *content.look.correction))
    note, note_size = content.correction_note, u(24)
    if note:
        note_width = round(measure(note, note_size, SEMIBOLD))
        if end + u(40) + note_width <= width - m:  # only when there is room beside the mark
            x = width - m - note_width
            note_base = top + (band + round(note_size * CAP_HEIGHT_EM)) // 2
            draw_line(result.image, draw, x, note_base, note, note_size, SEMIBOLD, content.look.correction[0])
            result.blocks.append(
                TextBlock("correction", note, (x, top, x + note_width, top + band), note_size, *content.look.correction)
            )
    return top + band


def _plan_panel(content: CardContent, frame: Frame, left: int, width: int) -> tuple[tuple, int, int, int, int]:
    u = frame.px
    pad, gap, icon_size = u(30), u(20), u(40)
    text_width = width - (pad + icon_size + u(22)) - pad
    rows = []
    for detail in content.details:
        fitted = fit(detail.text, text_width, text_height(2, u(32), 1.2), weight=BOLD, max_size=u(32),
                     min_size=u(22), line_height=1.2, max_lines=2)  # fmt: skip
        if fitted is None:
            fitted = fit_or_truncate(detail.text, text_width, text_height(2, u(22), 1.2), weight=BOLD,
                                     max_size=u(22), min_size=u(22), line_height=1.2)  # fmt: skip
        rows.append((detail, fitted))
    inner = sum(max(icon_size, f.height) for _, f in rows) + gap * (len(rows) - 1)
    return tuple(rows), pad, gap, icon_size, inner + 2 * pad


def _place_panel(
    content: CardContent, frame: Frame, top: int, bottom: int, *, compact: bool
) -> tuple[PanelPlan | None, int, int]:
    """Where the details panel goes; returns it with the bottom and right edges left for the text."""
    u, m = frame.px, frame.margin
    spacing = 0.5 if compact else 1.0
    right = frame.width - m
    if not content.details:
        return None, bottom, right
    # Wide cards: a panel of several rows is a right-hand column; otherwise it sits under the text (a lone
    # link row in a column would leave most of that column empty and squeeze the title).
    if frame.wide and len(content.details) > 1:
        panel_width = round((frame.width - 2 * m) * (0.30 if compact else 0.36))
        left = frame.width - m - panel_width
        rows, pad, gap, icon_size, height = _plan_panel(content, frame, left, panel_width)
        panel_top = top + max(0, (bottom - top - height) // 2)
        right = left - u(48 * spacing)
    else:
        left, panel_width = m, frame.width - 2 * m
        rows, pad, gap, icon_size, height = _plan_panel(content, frame, left, panel_width)
        if len(rows) == 1:  # a lone row (a link) hugs its text rather than spanning the card
            panel_width = min(panel_width, 2 * pad + icon_size + u(22) + rows[0][1].width + u(12))
        panel_top = bottom - height
        bottom = panel_top - u(44 * spacing)
    return PanelPlan(left, panel_top, panel_width, rows, pad, gap, icon_size, height), bottom, right


def _plan(content: CardContent, frame: Frame, top: int, with_body: bool, floor: int, *, compact: bool) -> TextPlan:
    u, m = frame.px, frame.margin
    spacing = 0.5 if compact else 1.0
    top += u(48 * spacing)
    bottom = frame.height - frame.footer_height - u(48 * spacing)
    panel, bottom, right = _place_panel(content, frame, top, bottom, compact=compact)

    badge_height = u(60)
    after_badges = badge_height + u(40 * spacing)
    bar = u(10)
    text_left = m + bar + u(26)
    width = right - text_left
    room = bottom - top - after_badges
    title_max = u(92) if frame.wide else u(100)
    sub_gap, body_gap = u(28 * spacing), u(40 * spacing)
    line_height = 1.08 if compact else 1.12

    body_fit, body_share = None, 0
    if with_body and content.body:
        body_floor = max(u(22), round(floor * 0.7))
        body_fit = fit_or_truncate(content.body, width, round(room * 0.45) - body_gap, weight=REGULAR,
                                   max_size=u(34), min_size=body_floor, line_height=1.45)  # fmt: skip
        body_share = body_fit.height + body_gap
    title_room = room - body_share

    subtitle_fit = None
    if content.subtitle:
        subtitle_fit = fit(content.subtitle, width, round(title_room * 0.34), weight=REGULAR, max_size=u(40),
                           min_size=max(u(26), round(floor * 0.75)), line_height=1.3, max_lines=3)  # fmt: skip
    title_fit = None
    for subtitle in (subtitle_fit, None) if subtitle_fit else (None,):
        spare = title_room - (subtitle.height + sub_gap if subtitle else 0)
        title_fit = fit(content.title, width, spare, weight=EXTRABOLD, max_size=title_max, min_size=floor,
                        line_height=line_height)  # fmt: skip
        if title_fit is not None:
            subtitle_fit = subtitle
            break
    whole = title_fit is not None
    if title_fit is None:  # a title far beyond any realistic length: keep it legible, end it with …
        subtitle_fit = None
        title_fit = fit_or_truncate(content.title, width, title_room, weight=EXTRABOLD, max_size=floor,
                                    min_size=floor, line_height=line_height)  # fmt: skip

    stack = after_badges + title_fit.height + (subtitle_fit.height + sub_gap if subtitle_fit else 0) + body_share
    # Centred a little above the middle of the free space (posters start at the top: the body follows).
    y = top + max(0, round((bottom - top - stack) * (0.0 if with_body else 0.42)))
    return TextPlan(m, y, bar, text_left, badge_height, after_badges, sub_gap, body_gap, title_fit, subtitle_fit,
                    body_fit, whole, panel)  # fmt: skip


def _draw_panel(result: Composition, draw, frame: Frame, panel: PanelPlan, theme: palette.Theme, look: Look) -> None:
    u = frame.px
    left, top = panel.left, panel.top
    draw.rounded_rectangle((left, top, left + panel.width, top + panel.height), radius=u(22), fill=look.panel[1])
    draw.rectangle((left, top + u(22), left + u(10), top + panel.height - u(22)), fill=theme.accent)
    text_left = left + panel.pad + panel.icon_size + u(22)
    y = top + panel.pad
    for detail, fitted in panel.rows:
        row_height = max(panel.icon_size, fitted.height)
        mark = icon(detail.icon, panel.icon_size, look.panel_icon)
        result.image.paste(mark, (left + panel.pad, y + (row_height - panel.icon_size) // 2), mark)
        block = draw_text(result.image, draw, fitted, text_left, y + (row_height - fitted.height) // 2,
                          fill=look.panel[0], background=look.panel[1], role="panel")  # fmt: skip
        result.blocks.append(block)
        y += row_height + panel.gap


def _draw_text_stack(result: Composition, draw, frame: Frame, plan: TextPlan, content: CardContent,
                     theme: palette.Theme, countdown_at: list | None = None) -> None:  # fmt: skip
    """Badges, title with its accent bar, subtitle and (posters) body, as planned."""
    u = frame.px
    result.title = plan.title
    y = plan.top
    x, block = _pill_text(result.image, draw, frame, plan.left, y, plan.badge_height, content.badge, u(26),
                          EXTRABOLD, theme.badge_fill, theme.badge_text, "badge")  # fmt: skip
    result.blocks.append(block)
    if countdown_at is not None:
        countdown_at.append((x + u(16), y, plan.badge_height, len(result.blocks)))
    if content.countdown:
        _, block = _pill_text(result.image, draw, frame, x + u(16), y, plan.badge_height, content.countdown, u(28),
                              EXTRABOLD, content.look.countdown[1], content.look.countdown[0], "countdown")  # fmt: skip
        result.blocks.append(block)
    y += plan.after_badges

    if plan.title.height > 2 * u(8):  # a title of nothing drawable has no lines, and so no accent bar
        draw.rectangle((plan.left, y + u(8), plan.left + plan.bar, y + plan.title.height - u(8)), fill=theme.accent)
    sections = [
        (plan.title, 0, (content.look.title, content.look.ground), "title"),
        (plan.subtitle, plan.sub_gap, (content.look.subtitle, content.look.ground), "subtitle"),
        (plan.body, plan.body_gap, (content.look.body, content.look.ground), "body"),
    ]
    for fitted, gap, (fill, ground), role in sections:
        if fitted is None:
            continue
        y += gap
        result.blocks.append(
            draw_text(result.image, draw, fitted, plan.text_left, y, fill=fill, background=ground, role=role)
        )
        y += fitted.height
