"""What a card says, in its language: the one source for both the drawn card and its alt text.

Building the words once, apart from the drawing, keeps the alt text faithful to the card: it is generated from the
same title, subtitle, badges and event details the template draws.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from publisher.brand.identity import DEFAULT_BRAND, Brand, Look, card_look
from publisher.posts.model import Kind, Post
from publisher.text.dates import format_date_id, format_time_id

KIND_BADGES = {
    False: {Kind.SERVICE_UPDATE: "INFO LAYANAN", Kind.POLICY_CHANGE: "KEBIJAKAN", Kind.EVENT_REMINDER: "AGENDA"},
    True: {Kind.SERVICE_UPDATE: "SERVICE UPDATE", Kind.POLICY_CHANGE: "POLICY CHANGE", Kind.EVENT_REMINDER: "EVENT"},
}
CORRECTION = {False: "RALAT / PEMBARUAN", True: "CORRECTION / UPDATE"}
CORRECTION_NOTE = {False: "Menggantikan pengumuman sebelumnya", True: "Replaces an earlier notice"}

DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")  # fmt: skip
MARKUP = re.compile(r"(\*\*|__|\*|`|^#+\s*)", re.MULTILINE)


@dataclass(frozen=True)
class Detail:
    icon: str  # calendar | clock | place | link
    text: str


@dataclass(frozen=True)
class CardContent:
    kind: Kind
    english: bool
    badge: str
    title: str
    subtitle: str | None
    countdown: str | None  # a reminder's "3 hari lagi"
    correction: str | None  # "RALAT / PEMBARUAN" when the post supersedes another
    correction_note: str | None
    details: tuple[Detail, ...]
    footer_left: str
    footer_right: str | None
    body: str  # drawn on the printable poster only
    look: Look  # the office's words and colours in the header, and every colour drawn

    def pixel_key(self) -> dict[str, object]:
        """Everything here that reaches the pixels, for the render cache key."""
        return {
            "kind": self.kind.value,
            "badge": self.badge,
            "title": self.title,
            "subtitle": self.subtitle,
            "countdown": self.countdown,
            "correction": [self.correction, self.correction_note],
            "details": [[d.icon, d.text] for d in self.details],
            "footer": [self.footer_left, self.footer_right],
            "body": self.body,
            "look": repr(self.look),
        }


def format_date_en(moment: datetime) -> str:
    return f"{DAYS_EN[moment.weekday()]}, {moment.day} {MONTHS_EN[moment.month - 1]} {moment.year}"


def format_time_en(moment: datetime) -> str:
    return format_time_id(moment).replace(".", ":", 1)


def occurrence_label(occurrence: object, english: bool) -> str | None:
    """A reminder publication's countdown (``label``/``label_en``), or a plain string, or nothing."""
    if occurrence is None:
        return None
    if isinstance(occurrence, str):
        return occurrence or None
    label = getattr(occurrence, "label_en" if english else "label", None)
    return label or getattr(occurrence, "label", None)


def plain(text: str) -> str:
    """The caption's light Markdown without its marks (a poster prints words, not asterisks).

    Lines inside a paragraph are joined (post files wrap them for editing); paragraphs are kept apart by a blank line.
    """
    paragraphs = re.split(r"\n\s*\n", MARKUP.sub("", text).strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def build_content(
    post: Post,
    *,
    occurrence: object = None,
    english: bool = False,
    brand: Brand | None = None,
    look: Look | None = None,
) -> CardContent:
    """The card's words; ``brand`` (default: Kantor Imigrasi Bengkulu Selatan) names the office, ``look`` overrides
    the brand's card colours (the print poster's)."""
    brand = brand or DEFAULT_BRAND
    english = bool(english and post.en)
    title = post.en.title if english and post.en else post.title
    subtitle = (post.en.subtitle if english and post.en else post.subtitle) or None
    body = (post.en.body or "") if english and post.en else post.body
    details: list[Detail] = []
    event = post.event
    if event is not None and event.starts_at is not None:
        start = event.starts_at
        details.append(Detail("calendar", format_date_en(start) if english else format_date_id(start)))
        details.append(Detail("clock", format_time_en(start) if english else format_time_id(start)))
    if event is not None and event.location:
        details.append(Detail("place", event.location))
    if post.link and post.kind is not Kind.EVENT_REMINDER:
        details.append(Detail("link", link_host(post.link)))
    countdown = occurrence_label(occurrence, english)
    return CardContent(
        kind=post.kind,
        english=english,
        badge=KIND_BADGES[english][post.kind],
        title=title,
        subtitle=subtitle,
        countdown=countdown.upper() if countdown else None,
        correction=CORRECTION[english] if post.supersedes else None,
        correction_note=CORRECTION_NOTE[english] if post.supersedes else None,
        details=tuple(details),
        footer_left=brand.parent_en if english else brand.parent,
        footer_right=f"#{post.hashtags[0]}" if post.hashtags else None,
        body=plain(body),
        look=look or card_look(brand),
    )


def link_host(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return f"{parts.netloc}{path}" if len(path) <= 24 else parts.netloc
