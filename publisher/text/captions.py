"""Caption building, in one place: what each platform is sent as text.

Order of preference: the post's own override for the platform (``text: {x: "..."}``), used verbatim and an error
at ``check`` time when over the limit; otherwise body + link + hashtags, shortened when needed by dropping
hashtags first, then cutting the body at a word boundary with "…" — the link is always kept, because it is where
the reader finds the full notice.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    limit = adapter.max_chars
    if not english and adapter.name in post.text:
        text = post.text[adapter.name]
        return Caption(adapter.name, text, adapter.count(text), limit, overridden=True)

    body = (post.en.body or post.en.title) if english and post.en else post.body or post.title
    tags = list(post.hashtags)
    dropped = 0
    if adapter.max_hashtags is not None and len(tags) > adapter.max_hashtags:
        dropped = len(tags) - adapter.max_hashtags
        tags = tags[: adapter.max_hashtags]

    text = _join(body, post.link, tags)
    if adapter.count(text) <= limit:
        return Caption(adapter.name, text, adapter.count(text), limit, dropped_hashtags=dropped)

    while tags:
        tags.pop()
        dropped += 1
        text = _join(body, post.link, tags)
        if adapter.count(text) <= limit:
            return Caption(adapter.name, text, adapter.count(text), limit, shortened=True, dropped_hashtags=dropped)

    text = _join(_shorten(body, post.link, adapter), post.link, [])
    return Caption(adapter.name, text, adapter.count(text), limit, shortened=True, dropped_hashtags=dropped)


def _join(body: str, link: str | None, tags: list[str]) -> str:
    parts = [body.strip()]
    if link:
        parts.append(link)
    if tags:
        parts.append(" ".join(f"#{tag}" for tag in tags))
    return "\n\n".join(p for p in parts if p)


def _shorten(body: str, link: str | None, adapter: CaptionRules) -> str:
    """The longest prefix of ``body`` ending at a word boundary that fits with "…" and the link."""

    def fits(candidate: str) -> bool:
        return adapter.count(_join(candidate, link, [])) <= adapter.max_chars

    words = body.split(" ")
    lo, hi = 0, len(words)  # binary search on the number of words kept
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(" ".join(words[:mid]).rstrip(" ,.;:-—") + ELLIPSIS):
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:  # not even one word fits: cut inside the first word rather than send nothing
        text = words[0]
        while text and not fits(text + ELLIPSIS):
            text = text[:-1]
        return text + ELLIPSIS
    return " ".join(words[:lo]).rstrip(" ,.;:-—") + ELLIPSIS
