"""Mastodon: media upload with a description, then a status."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class MastodonAdapter(Adapter):
    name = "mastodon"
    label = "Mastodon"
    max_chars = 500
    counting = Counting.CHARS_URL23
    card = CardSpec(1200, 675, "PNG", 8_000_000)
    supports_alt_text = True
    max_alt_chars = 1500
    can_delete = True
