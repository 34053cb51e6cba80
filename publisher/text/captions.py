"""Caption building, in one place: what each platform is sent as text.

Order of preference: the post's own override for the platform (``text: {x: "..."}``), used verbatim and an error
at ``check`` time when over the limit; otherwise title + body + link + hashtags, shortened when needed by
dropping hashtags first, then cutting the body at a word boundary with "…" — the title and the link are always
kept: the title says what the notice is, the link is where the reader finds all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from publisher.posts.model import Post

ELLIPSIS = "…"


class CaptionRules(Protocol):
    """What a caption needs to know of a platform: an adapter class (its limits are class attributes) is one."""

    @property
    def name(self) -> str: ...
    @property
    def max_chars(self) -> int: ...
    @property
    def max_hashtags(self) -> int | None: ...
    def count(self, text: str) -> int: ...


@dataclass(frozen=True)
class Caption:
    platform: str
    text: str
    length: int
    limit: int
    overridden: bool = False
    shortened: bool = False
    dropped_hashtags: int = 0

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def build_caption(post: Post, adapter: CaptionRules, *, english: bool = False) -> Caption:
    """The caption the platform is sent: :func:`measure_caption`'s, with the words cut to fit when they must be."""
    measured = measure_caption(post, adapter, english=english)
    if measured.fits or measured.overridden:  # an override is sent word for word (check refuses one too long)
        return measured
    title, body = _title_and_body(post, english=english)
    limit = measured.limit

    def fits_body(candidate: str) -> bool:
        return adapter.count(_join(title, candidate, post.link, [])) <= limit

    def fits_title(candidate: str) -> bool:  # only when the title and the link alone are over the limit
        return adapter.count(_join(candidate, "", post.link, [])) <= limit

    if title and not fits_body(""):
        text = _join(_shorten(title, fits_title, may_vanish=False), "", post.link, [])
    else:
        text = _join(title, _shorten(body, fits_body, may_vanish=bool(title)), post.link, [])
    return replace(measured, text=text, length=adapter.count(text))


def measure_caption(post: Post, adapter: CaptionRules, *, english: bool = False) -> Caption:
    """The caption before any cut of words (what ``check`` needs to know, without the cost of cutting): the
    override as written, or the derived text with as many hashtags as fit. When even without hashtags it does not
    fit, that text is returned ``shortened`` and not ``fits``: :func:`build_caption` cuts it."""
    limit = adapter.max_chars
    if not english and adapter.name in post.text:
        text = post.text[adapter.name]
        return Caption(adapter.name, text, adapter.count(text), limit, overridden=True)
    title, body = _title_and_body(post, english=english)
    tags = list(post.hashtags)
    dropped = 0
    if adapter.max_hashtags is not None and len(tags) > adapter.max_hashtags:
        dropped = len(tags) - adapter.max_hashtags
        tags = tags[: adapter.max_hashtags]
    text = _join(title, body, post.link, tags)
    length = adapter.count(text)
    if length <= limit:  # the platform's own hashtag cap is not a shortening
        return Caption(adapter.name, text, length, limit, dropped_hashtags=dropped)
    bare = _join(title, body, post.link, [])
    bare_length = adapter.count(bare) if tags else length
    if bare_length > limit:  # the words themselves must be cut: no hashtag stays
        return Caption(adapter.name, bare, bare_length, limit, shortened=True, dropped_hashtags=dropped + len(tags))
    while length > limit:  # dropping hashtags is enough: keep as many as fit
        tags.pop()
        dropped += 1
        text = _join(title, body, post.link, tags)
        length = adapter.count(text)
    return Caption(adapter.name, text, length, limit, shortened=True, dropped_hashtags=dropped)


def _title_and_body(post: Post, *, english: bool) -> tuple[str, str]:
    title, body = (post.en.title, post.en.body or "") if english and post.en else (post.title, post.body)
    return _lead(title, body)


@lru_cache(maxsize=64)  # the same post's words for each of its platforms
def _lead(title: str, body: str) -> tuple[str, str]:
    """(title line, body): the caption leads with the card's title — readers of a text-only client or a screen
    reader, and a search of the account, see it — unless the body already opens with it."""
    body = body.strip()
    if not body:
        return "", title.strip()
    opening, wanted = " ".join(body.split()).casefold(), " ".join(title.split()).casefold()
    if opening.startswith(wanted) and not opening[len(wanted) : len(wanted) + 1].isalnum():  # a whole-word match
        return "", body
    return title.strip(), body


def _join(title: str, body: str, link: str | None, tags: list[str]) -> str:
    parts = [title, body.strip(), link or "", " ".join(f"#{tag}" for tag in tags)]
    return "\n\n".join(p for p in parts if p)


def _shorten(text: str, fits: Callable[[str], bool], *, may_vanish: bool) -> str:
    """The longest prefix of ``text`` ending at a word boundary that ``fits`` with "…". When not even one word
    fits: nothing if the text may vanish (the title still says what it is about), else a cut inside the word."""
    words = text.split(" ")
    lo, hi = 0, len(words)  # binary search on the number of words kept
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(" ".join(words[:mid]).rstrip(" ,.;:-—") + ELLIPSIS):
            lo = mid
        else:
            hi = mid - 1
    if lo > 0:
        return " ".join(words[:lo]).rstrip(" ,.;:-—") + ELLIPSIS
    if may_vanish:
        return ""
    cut = words[0]
    while cut and not fits(cut + ELLIPSIS):
        cut = cut[:-1]
    return cut + ELLIPSIS
