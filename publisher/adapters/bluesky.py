"""Bluesky (AT Protocol): blob upload, then an ``app.bsky.feed.post`` record."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class BlueskyAdapter(Adapter):
    name = "bluesky"
    label = "Bluesky"
    max_chars = 300
    counting = Counting.GRAPHEMES
    card = CardSpec(1200, 675, "JPEG", 1_000_000)  # uploadBlob refuses images over 1,000,000 bytes
    image_formats = ("JPEG", "PNG")
    supports_alt_text = True
    max_alt_chars = 2000
    can_delete = True
