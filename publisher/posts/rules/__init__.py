"""Rules that relate several fields of one post, by family; each problem points at the line of the key it is about.

Single-field rules are the model's validators (:mod:`publisher.posts.model`); rules across files, settings and
captions are in :mod:`publisher.posts.check`. Families: ``events`` (validity, an event's start, its reminders),
``references`` (``supersedes``, ``text:`` overrides), ``image`` (a post's own picture; run by the loader, which
resolves its path).
"""

from __future__ import annotations

from collections.abc import Callable

from publisher.posts.bounds import check_bounds
from publisher.posts.model import Post
from publisher.posts.problems import LoadResult, Problem
from publisher.posts.rules import events, references

Rule = Callable[[Post, LoadResult], list[Problem]]

RULES: tuple[Rule, ...] = (
    events.validity,
    references.supersedes_itself,
    events.event_start,
    events.reminders,
    references.unused_text,
    check_bounds,  # every limit in publisher.posts.limits: sizes, depths, dates, scripts, cron horizons
)


def check_post(post: Post, result: LoadResult) -> list[Problem]:
    """Every rule's problems, in the order the rules are listed."""
    return [problem for rule in RULES for problem in rule(post, result)]
