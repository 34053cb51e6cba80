"""The rules behind "what `check` accepts renders, schedules and publishes once" (issue 11): each problem names
the line of the key at fault. The numbers are in :mod:`publisher.posts.limits`."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from croniter import CroniterError, croniter

from publisher.cards.emoji import GRAPHEME, font_for_cluster, text_font_draws
from publisher.posts import limits
from publisher.posts.model import Post
from publisher.posts.problems import LoadResult, Problem, error, warning

# The keys whose text is drawn on every card (the body only on the poster; the first hashtag in the footer).
_CARD_TEXTS = ("title", "subtitle", "event.location", "en.title", "en.subtitle")


def check_bounds(post: Post, result: LoadResult) -> list[Problem]:
    return [*_text_problems(post, result), *_reminder_problems(post, result), *_repeat_problems(post, result)]


def _texts(post: Post) -> dict[str, str]:
    found = {
        "title": post.title,
        "subtitle": post.subtitle or "",
        "event.location": (post.event.location or "") if post.event else "",
        "en.title": post.en.title if post.en else "",
        "en.subtitle": (post.en.subtitle or "") if post.en else "",
        "en.body": (post.en.body or "") if post.en else "",
        "body": post.body,
        "hashtags": post.hashtags[0] if post.hashtags else "",
    }
    return {key: text for key, text in found.items() if text}


_MAX_CHARS = {
    "title": limits.MAX_TITLE_CHARS,
    "en.title": limits.MAX_TITLE_CHARS,
    "subtitle": limits.MAX_SUBTITLE_CHARS,
    "en.subtitle": limits.MAX_SUBTITLE_CHARS,
    "body": limits.MAX_BODY_CHARS,
    "en.body": limits.MAX_BODY_CHARS,
}


def _text_problems(post: Post, result: LoadResult) -> list[Problem]:
    problems = []
    for key, text in _texts(post).items():
        line = result.line_of(key, key.split(".")[0])
        multiline = key in ("body", "en.body")
        controls = limits.control_characters(text, limits.BODY_CONTROLS_ALLOWED if multiline else frozenset())
        if controls:
            first = next(i for i, char in enumerate(text) if limits.escaped(char) in controls)
            at = line + text[:first].count("\n")
            problems.append(error(result.display, at if multiline else line,
                                  f"{key} holds control characters ({', '.join(controls)}): remove them"))  # fmt: skip
        limit = _MAX_CHARS.get(key)
        if limit is not None and len(text) > limit:
            problems.append(error(result.display, line, f"{key} is {len(text):,} characters; at most {limit:,}"))
            continue
        if key in ("title", "en.title") and all(limits.invisible(char) for char in text):
            problems.append(error(result.display, line, f"{key} has no visible characters"))
            continue
        missing = undrawable(text)
        if missing and key in (*_CARD_TEXTS, "hashtags"):
            problems.append(error(result.display, line, f"{key}: the card fonts cannot draw {missing} (they "
                                  "cover Latin, Arabic and emoji); write it in Indonesian or English"))  # fmt: skip
        elif missing:
            problems.append(warning(result.display, line, f"{key}: the poster will leave out {missing}, which "
                                    "its fonts cannot draw"))  # fmt: skip
    return problems


@cache
def _drawn_whole() -> frozenset[str]:
    """The characters of a text that draws whole, told without cutting it into clusters (most posts): the text
    font's, and the control characters (a line break is a cluster of its own, drawn as nothing)."""
    return text_font_draws() | limits.CONTROL_CHARACTERS


def undrawable(text: str) -> str:
    """The first few characters no card font draws (Chinese, Japanese, ...), quoted; empty when all can be."""
    if _drawn_whole().issuperset(text):
        return ""
    found: list[str] = []
    for cluster in GRAPHEME.findall(text):
        if font_for_cluster(cluster) is None and not all(limits.invisible(char) for char in cluster):
            if cluster not in found:
                found.append(cluster)
            if len(found) == 5:
                break
    return f"{limits.escaped(''.join(found))!r}" if found else ""


def _reminder_problems(post: Post, result: LoadResult) -> list[Problem]:
    if post.event is None or post.event.starts_at is None:
        return []
    problems: list[Problem] = []
    seen: dict[timedelta, str] = {}
    for index, reminder in enumerate(post.event.reminders):
        line = result.line_of(f"event.reminders.{index}", "event.reminders", "event")
        if reminder.offset in seen:
            problems.append(error(result.display, line, f"reminder {reminder.label} falls at the same time as "
                                  f"{seen[reminder.offset]}: each reminder must be its own moment"))  # fmt: skip
        seen.setdefault(reminder.offset, reminder.label)
        due = post.event.starts_at - reminder.offset
        if not limits.year_in_range(due):
            problems.append(error(result.display, line, f"reminder {reminder.label} falls before the year "
                                  f"{limits.EARLIEST_YEAR}"))  # fmt: skip
    return problems


def _repeat_problems(post: Post, result: LoadResult) -> list[Problem]:
    if not post.repeat:
        return []
    line = result.line_of("repeat")
    try:
        first = croniter(post.repeat, post.publish_at).get_next(datetime)
    except (CroniterError, ValueError, OverflowError):
        first = None
    if first is None or first - post.publish_at > limits.REPEAT_MUST_FIRE_WITHIN:
        days = limits.REPEAT_MUST_FIRE_WITHIN.days
        why = f"repeat {post.repeat!r} does not fire within {days} days of publish_at (a date that does not exist?)"
        return [error(result.display, line, why)]
    return []


def supersede_cycles(results: list[LoadResult], context: list[LoadResult]) -> None:
    """A post that supersedes (through others) itself: each would cancel the other, and none is published.

    Reads each result's ``supersession`` only, never its post: a cached result's post stays pickled."""
    replaces = dict(s for r in [*results, *context] if (s := r.supersession) is not None)
    for result in results:
        supersession = result.supersession
        if supersession is None:
            continue
        own, first = supersession
        chain: list[str] = [own]
        current: str | None = first
        while current is not None and current not in chain and len(chain) <= len(replaces):
            chain.append(current)
            current = replaces.get(current)
        if current == own and len(chain) > 1:
            cycle = " → ".join([*chain, current])
            result.problems.append(
                error(result.display, result.line_of("supersedes"), f"supersedes forms a cycle: {cycle}")
            )
