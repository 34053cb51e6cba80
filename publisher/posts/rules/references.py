"""Rules about what a post names: the post it supersedes, and the platforms its ``text:`` overrides are for."""

from __future__ import annotations

from publisher.i18n import _
from publisher.posts.model import Post
from publisher.posts.problems import LoadResult, Problem, error, warning


def supersedes_itself(post: Post, result: LoadResult) -> list[Problem]:
    if post.supersedes is None or post.supersedes != post.id:
        return []
    message = _("supersedes names this post itself ({id!r})").format(id=post.id)
    return [error(result.display, result.line_of("supersedes"), message)]


def unused_text(post: Post, result: LoadResult) -> list[Problem]:
    return [
        warning(
            result.display,
            result.line_of(f"text.{platform}", "text"),
            _("text for {platform!r} is unused: {platform} is not in platforms").format(platform=platform),
        )
        for platform in post.text
        if platform not in post.platforms
    ]
