"""One card: a ``Post`` and a platform's ``CardSpec`` → image bytes and alt text (:class:`RenderedCard`)."""

from __future__ import annotations

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


def compose_card(
    post: Post, spec: CardSpec, *, occurrence: object = None, english: bool = False, brand: Brand | None = None
) -> Composition:
    """The drawn card before encoding, with every text block it drew (what the tests inspect)."""
    content = build_content(post, occurrence=occurrence, english=english, brand=brand)
    return compose(content, spec.width, spec.height)  # drawn under the one drawing lock (cards.templates)


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
