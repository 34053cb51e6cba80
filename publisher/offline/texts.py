"""A post for people without a feed: a script read aloud, a WhatsApp text to forward, an SMS.

    radio_script(post, brand, tz) -> str      spoken Indonesian, ≈ 130 words (about a minute at a calm pace)
    whatsapp_text(post, brand, tz) -> str     WhatsApp's own *bold*, the link, the office's number, ≤ 1,000 chars
    sms_text(post, brand, tz) -> SmsText      ≤ 2 segments as a phone counts them, with the office's number

Each keeps the facts (title, event date, time and place, the office's number) and cuts the body first, sentence
by sentence, to stay within its limit. The radio script reads no link: a listener cannot click, so it says where
to ask instead (the office's address, hours and number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from publisher.brand.identity import Brand
from publisher.cards.content import plain
from publisher.offline.sms import Encoding, SmsCount, count_sms, to_gsm7
from publisher.offline.spoken import digits_words, moment_words, speakable
from publisher.posts.model import Kind, Post
from publisher.text.dates import format_date_id, format_time_id

RADIO_WORDS = 130
WHATSAPP_CHARS = 1000
SMS_SEGMENTS = 2
SMS_ELLIPSIS = "..."  # "…" is outside GSM-7: it alone would make an SMS UCS-2
SENTENCE = re.compile(r"(?<=[.!?])\s+")


class TextFormat(StrEnum):
    RADIO = "radio"
    WHATSAPP = "whatsapp"
    SMS = "sms"


# What the announcer says before the title, by kind.
RADIO_LEAD = {
    Kind.SERVICE_UPDATE: "Informasi layanan",
    Kind.POLICY_CHANGE: "Informasi perubahan kebijakan",
    Kind.EVENT_REMINDER: "Undangan kegiatan",
}


def _words(text: str) -> int:
    return len(text.split())


def _sentences(body: str) -> list[str]:
    return [s for s in SENTENCE.split(" ".join(plain(body).split())) if s]


def radio_script(post: Post, brand: Brand, tz: ZoneInfo) -> str:
    """The script, one paragraph per breath: opening, the notice, where and when, where to ask, closing."""
    opening = f"Perhatian, perhatian. Berikut pengumuman dari {speakable(brand.office)}."
    notice = f"{RADIO_LEAD[post.kind]}: {speakable(post.title).rstrip('.')}."
    if post.supersedes:
        notice += " Pengumuman ini menggantikan pengumuman sebelumnya."
    event = post.event
    when = ""
    if event is not None and event.starts_at is not None:
        when = f"Kegiatan ini diadakan pada hari {moment_words(event.starts_at.astimezone(tz))}"
        when += f", bertempat di {speakable(event.location)}." if event.location else "."
    ask = (
        f"Informasi lebih lanjut dapat ditanyakan langsung di {speakable(brand.office)}, "
        f"{speakable(brand.address)}, {speakable(brand.hours)}, atau melalui telepon dan WhatsApp "
        f"{digits_words(brand.contact_number)}."
    )
    closing = "Demikian pengumuman ini. Atas perhatiannya, kami ucapkan terima kasih."
    fixed = [opening, notice, when, ask, closing]
    budget = RADIO_WORDS - sum(_words(p) for p in fixed)
    body: list[str] = []
    for sentence in (speakable(s) for s in _sentences(post.body)):
        if not sentence or _words(sentence) > budget:
            break
        body.append(sentence)
        budget -= _words(sentence)
    if post.subtitle and budget >= _words(speakable(post.subtitle)) and not body:
        body.append(speakable(post.subtitle).rstrip(".") + ".")
    parts = [opening, notice, when, " ".join(body), ask, closing]
    return "\n\n".join(p for p in parts if p)


def whatsapp_text(post: Post, brand: Brand, tz: ZoneInfo) -> str:
    """A message to forward in a village's group: bold title, the facts on their own lines, the link, the number."""
    title = f"*{_unmarked(post.title)}*"
    head = [title] + ([f"_{_unmarked(post.subtitle)}_"] if post.subtitle else [])
    facts = []
    event = post.event
    if event is not None and event.starts_at is not None:
        start = event.starts_at.astimezone(tz)
        facts.append(f"🗓️ {format_date_id(start)}, pukul {format_time_id(start)}")
    if event is not None and event.location:
        facts.append(f"📍 {event.location}")
    if post.supersedes:
        facts.insert(0, "⚠️ RALAT: menggantikan pengumuman sebelumnya.")
    facts.append(f"🔗 {post.link or brand.site_url}")
    contact = [
        f"☎️ Info: {brand.phone}" + (f" · WhatsApp {brand.whatsapp}" if brand.whatsapp else ""),
        f"🏢 {brand.office}, {brand.address} ({brand.hours})",
    ]

    def assemble(body: str) -> str:
        blocks = ["\n".join(head), body, "\n".join(facts), "\n".join(contact)]
        return "\n\n".join(b for b in blocks if b)

    sentences = _sentences(post.body)
    while sentences and len(assemble(" ".join(sentences))) > WHATSAPP_CHARS:
        sentences.pop()
    return assemble(" ".join(sentences))


def _unmarked(text: str) -> str:
    """Without WhatsApp's own marks, which would break the bold around it."""
    return re.sub(r"[*_~`]", "", text).strip()


@dataclass(frozen=True)
class SmsText:
    text: str
    count: SmsCount

    @property
    def gsm7(self) -> str | None:
        """The transliterated GSM-7 form, offered when the text would go as UCS-2."""
        return to_gsm7(self.text) if self.count.encoding is Encoding.UCS2 else None


def sms_text(post: Post, brand: Brand, tz: ZoneInfo) -> SmsText:
    """``OFFICE: title. date time, place. Info: number link`` within two segments; the body's first sentences are
    added while they fit, then the link is dropped, then the title is cut, until it fits."""
    event = post.event
    when = ""
    if event is not None and event.starts_at is not None:
        start = event.starts_at.astimezone(tz)
        when = f"{format_date_id(start)} {format_time_id(start)}"
        when += f", {event.location}." if event.location else "."
    contact = f"Info: {brand.contact_number}"
    link = post.link or brand.site_url
    title = _unmarked(post.title).rstrip(".") + "."
    prefix = "RALAT. " if post.supersedes and not title.lower().startswith("ralat") else ""

    def assemble(title: str, body: str, with_link: bool, when: str = when) -> str:
        parts = [f"{brand.office}: {prefix}{title}", when, body, contact + (f" {link}" if with_link else "")]
        return " ".join(p for p in parts if p)

    def fits(text: str) -> bool:
        return count_sms(text).segments <= SMS_SEGMENTS

    body = ""
    for sentence in _sentences(post.body):
        candidate = f"{body} {sentence}".strip()
        if not fits(assemble(title, candidate, True)):
            break
        body = candidate
    for with_link in (True, False):
        if fits(assemble(title, body, with_link)):
            text = assemble(title, body, with_link)
            return SmsText(text, count_sms(text))
    # Still too long (a title of many words, or UCS-2's 67 per segment): cut the title at a word, and as a last
    # resort the place, keeping the date and the number.
    for place in (when, when.split(", ")[0] + "." if when else ""):
        words = title.split()
        while len(words) > 1 and not fits(assemble(" ".join(words) + SMS_ELLIPSIS, "", False, place)):
            words.pop()
        text = assemble(" ".join(words) + SMS_ELLIPSIS, "", False, place)
        if fits(text):
            break
    return SmsText(text, count_sms(text))
