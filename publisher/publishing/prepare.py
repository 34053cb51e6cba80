"""What is sent for one target: the card (through the render cache) and the caption, as an ``Outgoing``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from publisher.adapters.base import Adapter, Outgoing
from publisher.cards.cache import cached_render_card
from publisher.cards.render import RenderedCard
from publisher.infra.settings import Settings
from publisher.posts.model import Post
from publisher.publishing.targets import Publication
from publisher.text.captions import build_caption


def _render(
    post: Post, adapter_cls: type[Adapter], publication: Publication, settings: Settings | None
) -> RenderedCard:
    """The card through the shared on-disk render cache (``state_dir/cards``)."""
    cache_dir = Path(settings.state_dir) / "cards" if settings is not None else None
    brand = settings.brand if settings is not None else None
    return cached_render_card(post, adapter_cls, occurrence=publication, cache_dir=cache_dir, brand=brand)


def idempotency_key(target: str, content_hash: str) -> str:
    return hashlib.sha256(f"{target}{content_hash}".encode()).hexdigest()[:32]


def build_outgoing(
    post: Post,
    adapter_cls: type[Adapter],
    publication: Publication,
    content_hash: str,
    progress: dict | None = None,
    *,
    settings: Settings | None = None,
) -> Outgoing:
    card = _render(post, adapter_cls, publication, settings)
    # A post with an English version is still published in Indonesian (the office's language); the English text
    # is for the platforms and cards that show it alongside.
    caption = build_caption(post, adapter_cls)
    target = publication.target_id(adapter_cls.name)
    return Outgoing(
        target_id=target,
        post_id=post.id,
        platform=adapter_cls.name,
        caption=caption.text,
        image=card.data,
        image_format=card.format,
        alt=card.alt if adapter_cls.supports_alt_text else None,
        idempotency_key=idempotency_key(target, content_hash),
        link=post.link,
        progress=dict(progress or {}),
    )
