"""Instagram (Graph API with Facebook login): single-image posts through a media container."""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec
from publisher.textcount import Counting


class InstagramAdapter(Adapter):
    name = "instagram"
    label = "Instagram"
    max_chars = 2_200
    counting = Counting.CHARS
    max_hashtags = 30
    card = CardSpec(1080, 1350, "JPEG", 8_000_000)
    image_formats = ("JPEG",)  # the content publishing API accepts JPEG only
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True
    delete_note = "deletion works only for accounts connected with Facebook login"
    needs_public_media_url = True
