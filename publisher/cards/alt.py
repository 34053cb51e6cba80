"""Alt text for a card, generated from the card's own words (see :mod:`publisher.cards.content`).

Screen readers read it aloud, so it is written as sentences in the card's language, not as a list of fields.
"""

from __future__ import annotations

from publisher.cards.content import CardContent

PHRASES = {
    False: {
        "card": "Kartu informasi {office}",
        "countdown": "Pengingat: {value}",
        "calendar": "Tanggal: {value}",
        "clock": "Pukul {value}",
        "place": "Tempat: {value}",
        "link": "Info lengkap: {value}",
    },
    True: {
        "card": "Information card from {office}",
        "countdown": "Reminder: {value}",
        "calendar": "Date: {value}",
        "clock": "Time: {value}",
        "place": "Venue: {value}",
        "link": "More information: {value}",
    },
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def alt_text(content: CardContent, *, limit: int | None = None) -> str:
    phrases = PHRASES[content.english]
    parts = [phrases["card"].format(office=content.look.office)]
    if content.correction:
        parts.append(f"{content.correction}: {content.correction_note}")
    parts.append(f"{content.badge.capitalize()}: {content.title}")
    if content.subtitle:
        parts.append(content.subtitle)
    if content.countdown:
        parts.append(phrases["countdown"].format(value=content.countdown.lower()))
    for detail in content.details:
        parts.append(phrases[detail.icon].format(value=detail.text))
    text = " ".join(_sentence(p) for p in parts)
    return shorten(text, limit) if limit else text


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary to at most ``limit`` characters (platforms refuse longer alt text)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"
