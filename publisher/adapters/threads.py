"""Threads (Threads API): an image container, then publish."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class ThreadsAdapter(Adapter):
    name = "threads"
    label = "Threads"
    max_chars = 500
    counting = Counting.CHARS
    card = CardSpec(1080, 1350, "JPEG", 8_000_000)
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True
    needs_public_media_url = True
