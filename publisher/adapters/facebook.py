"""Facebook Page (Graph API): photo posts to a Page."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class FacebookAdapter(Adapter):
    name = "facebook"
    label = "Facebook"
    max_chars = 63_206
    counting = Counting.CHARS
    card = CardSpec(1200, 630, "PNG", 4_000_000)
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True
