"""Telegram channel through a bot (Bot API ``sendPhoto``)."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class TelegramAdapter(Adapter):
    name = "telegram"
    label = "Telegram"
    max_chars = 1_024  # a photo caption, after entity parsing
    counting = Counting.UTF16
    card = CardSpec(1280, 1280, "PNG", 10_000_000)
    supports_alt_text = False
    can_delete = True
    delete_note = "a bot can delete a channel message only within 48 hours of sending it"
