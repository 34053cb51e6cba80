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

from publisher.cards.cache import cached_render_card
from publisher.cards.poster import render_poster
from publisher.cards.render import RENDERER_VERSION, RenderedCard, card_alt, compose_card, render_card

__all__ = [
    "RENDERER_VERSION",
    "RenderedCard",
    "cached_render_card",
    "card_alt",
    "compose_card",
    "render_card",
    "render_poster",
]
