"""Rules about time: ``valid_until`` after ``publish_at``, and an event's start and reminders."""

from __future__ import annotations

from publisher.i18n import _
from publisher.posts.model import Kind, Post
from publisher.posts.problems import LoadResult, Problem, error, warning
from publisher.text.dates import format_local


def validity(post: Post, result: LoadResult) -> list[Problem]:
    if post.valid_until is None or post.valid_until >= post.publish_at:
        return []
    message = _("valid_until ({until}) is before publish_at ({at}): the post would never be valid").format(
        until=format_local(post.valid_until), at=format_local(post.publish_at)
    )
    return [error(result.display, result.line_of("valid_until"), message)]


def event_start(post: Post, result: LoadResult) -> list[Problem]:
    """An event reminder needs the event's start, and is published before it."""
    path, line = result.display, result.line_of
    starts_at = post.event.starts_at if post.event else None
    problems: list[Problem] = []
    if post.kind is Kind.EVENT_REMINDER and starts_at is None:
        problems.append(
            error(path, line("event.starts_at", "event", "kind"), _("an event-reminder needs event.starts_at"))
        )
    if post.event is not None and post.event.reminders and starts_at is None:
        problems.append(error(path, line("event.reminders", "event"), _("event.reminders need event.starts_at")))
    if starts_at is not None and post.publish_at >= starts_at:
        message = _("publish_at ({at}) is not before the event starts ({starts})").format(
            at=format_local(post.publish_at), starts=format_local(starts_at)
        )
        problems.append(error(path, line("publish_at"), message))
    return problems


def reminders(post: Post, result: LoadResult) -> list[Problem]:
    """A reminder that falls before ``publish_at`` or after ``valid_until`` is skipped: the author is told."""
    if post.event is None or post.event.starts_at is None:
        return []
    problems: list[Problem] = []
    for index, reminder in enumerate(post.event.reminders):
        due = post.event.starts_at - reminder.offset
        where = result.line_of(f"event.reminders.{index}", "event.reminders")
        if due < post.publish_at:
            message = _("reminder {label} ({due}) falls before publish_at; it will be skipped")
        elif post.valid_until is not None and due > post.valid_until:
            message = _("reminder {label} ({due}) falls after valid_until; it will be skipped")
        else:
            continue
        message = message.format(label=reminder.label, due=format_local(due))
        problems.append(warning(result.display, where, message))
    return problems
