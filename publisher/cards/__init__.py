"""Image cards: a ``Post`` and a platform's ``CardSpec`` → image bytes and alt text.

    render_card(post, adapter_cls, *, occurrence=None, english=False) -> RenderedCard
    cached_render_card(post, adapter_cls, *, occurrence=None, english=False, cache_dir=None) -> RenderedCard
    render_poster(post, *, english=False, fmt="PDF") -> bytes          (A4 portrait, 300 dpi)

A post with its own ``image`` gets that photo fitted to the platform; otherwise a card is drawn from the post's
words by :mod:`publisher.cards.templates`. ``occurrence`` is a reminder
:class:`~publisher.publishing.targets.Publication` (its ``label`` becomes the card's countdown badge) or ``None``.
Modules: ``fonts`` (font files and coverage), ``emoji`` (font runs, colour emoji), ``layout`` (wrapping and
fitting), ``palette``, ``emblem``, ``content`` (the card's words), ``alt``, ``templates`` (drawing), ``encode``,
``poster``, ``cache``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from publisher.adapters.base import Adapter, CardSpec
from publisher.adapters.media import extension, mime_type
from publisher.brand.identity import Brand
from publisher.cards.alt import alt_text, shorten
from publisher.cards.content import build_content
from publisher.cards.encode import encode, fit_photo
from publisher.cards.skm import compose_skm_card
from publisher.cards.templates import Composition, compose
from publisher.posts.model import Post

# Bump whenever a change to the templates, layout or encoding changes the pixels: it invalidates the render cache.
RENDERER_VERSION = "cards-2"


@dataclass(frozen=True)
class RenderedCard:
    data: bytes
    format: str  # "JPEG" | "PNG"
    width: int
    height: int
    alt: str

    @property
    def extension(self) -> str:
        return extension(self.format)

    @property
    def mime_type(self) -> str:
        return mime_type(self.format)


# FreeType font objects and the drawing caches are shared by the whole process and are not thread-safe; a worker
# running a thread pool draws one card at a time (encoding, the larger cost, runs outside the lock).
_DRAWING = threading.Lock()


def compose_card(
    post: Post, spec: CardSpec, *, occurrence: object = None, english: bool = False, brand: Brand | None = None
) -> Composition:
    """The drawn card before encoding, with every text block it drew (what the tests inspect)."""
    content = build_content(post, occurrence=occurrence, english=english, brand=brand)
    with _DRAWING:
        return compose(content, spec.width, spec.height)


def card_alt(
    post: Post, adapter: type[Adapter], *, occurrence: object = None, english: bool = False, brand: Brand | None = None
) -> str:
    """The post's own ``alt`` when given (its English card: generated, since ``alt`` is Indonesian), else the
    card's words as sentences, within the platform's alt-text limit."""
    limit = adapter.max_alt_chars
    if post.alt and not (english and post.en):
        return shorten(post.alt, limit)
    return alt_text(build_content(post, occurrence=occurrence, english=english, brand=brand), limit=limit)


def render_card(
    post: Post, adapter: type[Adapter], *, occurrence: object = None, english: bool = False, brand: Brand | None = None
) -> RenderedCard:
    """The card for one platform; ``brand`` defaults to Kantor Imigrasi Bengkulu Selatan's (settings pass theirs)."""
    spec = adapter.card
    if post.image is not None:
        image = fit_photo(post.image, spec.size)
    elif post.skm is not None:  # an SKM results post: the index and a bar per unsur (publisher.cards.skm)
        image = compose_skm_card(post, spec.width, spec.height, brand).image
    else:
        image = compose_card(post, spec, occurrence=occurrence, english=english, brand=brand).image
    # A drawn card is flat colour and text: see publisher.cards.encode for why its PNG is written unfiltered.
    data = encode(image, spec.format, spec.max_bytes, flat=post.image is None)
    alt = card_alt(post, adapter, occurrence=occurrence, english=english, brand=brand)
    return RenderedCard(data, spec.format, spec.width, spec.height, alt)


def __getattr__(name: str):  # the cache and poster import settings/IO; load them only when asked for
    if name == "cached_render_card":
        from publisher.cards.cache import cached_render_card

        return cached_render_card
    if name == "render_poster":
        from publisher.cards.poster import render_poster

        return render_poster
    raise AttributeError(name)


__all__ = [
    "RENDERER_VERSION",
    "RenderedCard",
    "cached_render_card",
    "card_alt",
    "compose_card",
    "render_card",
    "render_poster",
]
