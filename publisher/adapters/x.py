"""X (API v2): a post with one image."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class XAdapter(Adapter):
    name = "x"
    label = "X"
    max_chars = 280
    counting = Counting.X_WEIGHTED
    card = CardSpec(1600, 900, "PNG", 5_000_000)
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True
