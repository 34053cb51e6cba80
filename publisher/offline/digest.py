"""The notice-board digest: one A4 page of an ISO week's ready posts, each with a QR code.

Which posts: every ready post announced that week (its publish time, a reminder or a repeat falls in it) or whose
event takes place that week. A correction (``supersedes``) is shown as replacing the old notice, whose title is
printed struck through beneath it; the old notice itself is then left out. Sections in the order a reader needs
them: policy changes, service updates, events (by start).

Readable at arm's length (about 60 cm): titles at least 18 pt and details 12 pt at 300 dpi. When the week holds
more than fits, the type stays that size and the page says how many more are at the office.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from publisher.brand.identity import Brand, Look, print_look
from publisher.cards.fonts import BOLD, EXTRABOLD, SEMIBOLD
from publisher.cards.layout import draw_line, draw_text, fit_or_truncate, measure
from publisher.i18n import _
from publisher.infra.settings import Settings
from publisher.offline.poster import encode_page
from publisher.offline.qr import mm_to_px, qr_image
from publisher.posts.check import check_paths
from publisher.posts.model import Kind, Post
from publisher.publishing.targets import publications
from publisher.text.dates import MONTHS, format_date_id, format_time_id

DPI = 300
PAGE = (mm_to_px(210, DPI), mm_to_px(297, DPI))
PT = DPI / 72  # pixels per typographic point
TITLE_PT, DETAIL_PT, HEAD_PT = 18, 12, 26
QR_MM = 30
ENTRY_HEIGHT = mm_to_px(QR_MM + 12, DPI)  # the QR code with its quiet zone, or title and three detail lines
SECTIONS = (
    (Kind.POLICY_CHANGE, "Perubahan Kebijakan"),
    (Kind.SERVICE_UPDATE, "Info Layanan"),
    (Kind.EVENT_REMINDER, "Agenda Kegiatan"),
)
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = WEEK.match(text.strip())
        if not match:
            raise ValueError(_("{text!r} is not an ISO week: write it as YYYY-Www, e.g. 2026-W50").format(text=text))
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(_("{text!r}: {year} has no week {week}").format(text=text, year=year, week=week)) from None
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Monday 00:00 to the next Monday 00:00 in the office's zone."""
        start = datetime.combine(date.fromisocalendar(self.year, self.week, 1), datetime.min.time(), tzinfo=tz)
        return start, start + timedelta(days=7)

    def label(self, tz: ZoneInfo) -> str:
        start, end = self.bounds(tz)
        last = end - timedelta(days=1)
        first = f"{start.day}" if start.month == last.month else f"{start.day} {MONTHS[start.month - 1]}"
        return f"Pekan ke-{self.week}, {first}–{last.day} {MONTHS[last.month - 1]} {last.year}"


@dataclass(frozen=True)
class Entry:
    post: Post
    replaces: Post | None  # the notice a correction replaces, when known


def week_posts(posts: list[Post], week: IsoWeek, tz: ZoneInfo) -> list[Entry]:
    """The week's ready posts in section order, a correction carrying the post it replaces (which is dropped)."""
    start, end = week.bounds(tz)
    by_id = {p.id: p for p in posts}

    def in_week(post: Post) -> bool:
        if post.event is not None and post.event.starts_at is not None and start <= post.event.starts_at < end:
            return True
        return any(start <= p.due_at < end for p in publications(post, now=start))

    chosen = [p for p in posts if p.is_ready and in_week(p)]
    replaced = {p.supersedes for p in chosen if p.supersedes}
    entries = [Entry(p, by_id.get(p.supersedes) if p.supersedes else None) for p in chosen if p.id not in replaced]
    order = [kind for kind, _ in SECTIONS]

    def key(entry: Entry) -> tuple:
        event = entry.post.event
        when = event.starts_at if event is not None and event.starts_at is not None else entry.post.publish_at
        return (order.index(entry.post.kind), when, entry.post.id)

    return sorted(entries, key=key)


def render_digest(week: IsoWeek, settings: Settings, *, fmt: str = "PDF") -> tuple[bytes, int]:
    """The page as PDF or PNG, and how many posts it shows."""
    posts = check_paths(None, settings).posts
    entries = week_posts(posts, week, settings.tz)
    image, shown = compose_digest(entries, week, settings.brand, settings.tz)
    return encode_page(image, DPI, fmt, title=f"Papan informasi {week}", author=settings.brand.office), shown


def compose_digest(entries: list[Entry], week: IsoWeek, brand: Brand, tz: ZoneInfo) -> tuple[Image.Image, int]:
    look = print_look(brand)
    height = PAGE[1]
    page = Image.new("RGB", PAGE, look.ground)
    draw = ImageDraw.Draw(page)
    margin = mm_to_px(14, DPI)
    y = _header(page, draw, look, brand, week, tz, margin)
    footer_top = height - mm_to_px(36, DPI)
    shown = 0
    for index, entry in enumerate(entries):
        needed = ENTRY_HEIGHT
        remaining = len(entries) - index
        reserve = round(DETAIL_PT * PT * 1.6) if remaining > 1 else 0
        if y + needed + reserve > footer_top:
            more = f"… dan {remaining} pengumuman lain: tanyakan di kantor atau pindai kode di bawah."
            draw_line(page, draw, margin, y + round(DETAIL_PT * PT), more, round(DETAIL_PT * PT), SEMIBOLD, look.body)
            break
        y = _entry(page, draw, look, entry, tz, margin, y, brand) + mm_to_px(5, DPI)
        shown += 1
    if not entries:
        note = "Tidak ada pengumuman baru pekan ini."
        draw_line(page, draw, margin, y + round(TITLE_PT * PT), note, round(TITLE_PT * PT), BOLD, look.body)
    _footer(page, draw, look, brand, footer_top, margin)
    return page, shown


def _header(page, draw, look: Look, brand: Brand, week: IsoWeek, tz: ZoneInfo, margin: int) -> int:
    y = margin + round(HEAD_PT * PT)
    draw_line(page, draw, margin, y, "PAPAN INFORMASI", round(HEAD_PT * PT), EXTRABOLD, look.title)
    y += round(TITLE_PT * PT * 1.5)
    draw_line(page, draw, margin, y, brand.office, round(TITLE_PT * PT), BOLD, look.office_name)
    y += round(DETAIL_PT * PT * 1.6)
    draw_line(page, draw, margin, y, week.label(tz), round(DETAIL_PT * PT), SEMIBOLD, look.subtitle)
    y += round(DETAIL_PT * PT * 0.9)
    draw.rectangle((margin, y, page.width - margin, y + mm_to_px(1.2, DPI)), fill=look.rule)
    return y + mm_to_px(6, DPI)


def _entry(page, draw, look: Look, entry: Entry, tz: ZoneInfo, margin: int, top: int, brand: Brand) -> int:
    """One post: its section's label, title, details and, for a correction, the replaced title struck through;
    the QR code at the right."""
    post = entry.post
    code = qr_image(post.link or brand.site_url, mm_to_px(QR_MM, DPI))
    x_code = page.width - margin - code.width
    page.paste(code, (x_code, top))
    text_width = x_code - margin - mm_to_px(4, DPI)
    detail = round(DETAIL_PT * PT)
    label = dict(SECTIONS)[post.kind].upper() + ("  ·  RALAT" if post.supersedes else "")
    y = top + detail
    if post.supersedes:
        draw_line(page, draw, margin, y, label, detail, EXTRABOLD, look.correction[0])
    else:
        draw_line(page, draw, margin, y, label, detail, EXTRABOLD, look.footer_accent)
    y += round(detail * 0.5)
    title = fit_or_truncate(post.title, text_width, round(TITLE_PT * PT * 2.5), weight=EXTRABOLD,
                            max_size=round(TITLE_PT * PT), min_size=round(TITLE_PT * PT), line_height=1.15)  # fmt: skip
    block = draw_text(page, draw, title, margin, y, fill=look.title, background=look.ground, role="title")
    y = block.box[3] + round(detail * 0.3)
    for line in _details(entry, tz):
        y += detail
        draw_line(page, draw, margin, y, _fit(line, text_width, detail), detail, SEMIBOLD, look.body)
        y += round(detail * 0.45)
    if entry.replaces is not None or post.supersedes:
        old = entry.replaces.title if entry.replaces is not None else post.supersedes or ""
        y += detail
        prefix = "Menggantikan: "
        end = draw_line(page, draw, margin, y, prefix, detail, SEMIBOLD, look.body)
        old_text = _fit(old, text_width - round(end - margin), detail)
        stop = draw_line(page, draw, end, y, old_text, detail, SEMIBOLD, look.body)
        strike = y - round(detail * 0.3)
        draw.rectangle((round(end), strike, round(stop), strike + max(2, detail // 14)), fill=look.body)
    return max(y + round(detail * 0.5), top + code.width)


def _details(entry: Entry, tz: ZoneInfo) -> list[str]:
    post = entry.post
    lines = []
    event = post.event
    if event is not None and event.starts_at is not None:
        start = event.starts_at.astimezone(tz)
        lines.append(f"{format_date_id(start)}, pukul {format_time_id(start)}")
    if event is not None and event.location:
        lines.append(f"Tempat: {event.location}")
    if not lines and post.subtitle:
        lines.append(post.subtitle)
    return lines


def _fit(text: str, width: int, size: int) -> str:
    """The text, cut at a word with "…" when wider than ``width``."""
    if measure(text, size, SEMIBOLD) <= width:
        return text
    words = text.split()
    while len(words) > 1 and measure(" ".join(words) + "…", size, SEMIBOLD) > width:
        words.pop()
    return " ".join(words) + "…"


def _footer(page, draw, look: Look, brand: Brand, top: int, margin: int) -> None:
    draw.rectangle((margin, top, page.width - margin, top + mm_to_px(0.8, DPI)), fill=look.rule)
    detail = round(DETAIL_PT * PT)
    y = top + mm_to_px(3, DPI) + detail
    lines = [
        (f"{brand.office} · {brand.parent}", BOLD, look.office_name),
        (f"Alamat: {brand.address}", SEMIBOLD, look.footer),
        (f"Jam layanan: {brand.hours}", SEMIBOLD, look.footer),
        (f"Telepon/WhatsApp: {brand.contact_number} · {brand.site_url}", BOLD, look.footer_accent),
    ]
    for text, weight, colour in lines:
        draw_line(page, draw, margin, y, _fit(text, page.width - 2 * margin, detail), detail, weight, colour)
        y += round(detail * 1.45)
