"""Rules that relate several fields of one post; each problem points at the line of the key it is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from publisher.post import Kind, Post
from publisher.posts.bounds import check_bounds
from publisher.posts.bounds import format_local as format_wib  # the post's own zone, not always WIB
from publisher.problems import Problem, error, warning

if TYPE_CHECKING:
    from publisher.loader import LoadResult


def check_post(post: Post, result: LoadResult) -> list[Problem]:
    path = result.display
    line = result.line_of
    problems: list[Problem] = []

    if post.valid_until is not None and post.valid_until < post.publish_at:
        problems.append(
            error(
                path,
                line("valid_until"),
                f"valid_until ({format_wib(post.valid_until)}) is before publish_at "
                f"({format_wib(post.publish_at)}): the post would never be valid",
            )
        )

    if post.supersedes is not None and post.supersedes == post.id:
        problems.append(error(path, line("supersedes"), f"supersedes names this post itself ({post.id!r})"))

    starts_at = post.event.starts_at if post.event else None
    if post.kind is Kind.EVENT_REMINDER and starts_at is None:
        problems.append(
            error(path, line("event.starts_at", "event", "kind"), "an event-reminder needs event.starts_at")
        )
    if post.event is not None and post.event.reminders and starts_at is None:
        problems.append(error(path, line("event.reminders", "event"), "event.reminders need event.starts_at"))

    if starts_at is not None:
        if post.publish_at >= starts_at:
            problems.append(
                error(
                    path,
                    line("publish_at"),
                    f"publish_at ({format_wib(post.publish_at)}) is not before the "
                    f"event starts ({format_wib(starts_at)})",
                )
            )
        for index, reminder in enumerate(post.event.reminders if post.event else ()):
            due = starts_at - reminder.offset
            where = line(f"event.reminders.{index}", "event.reminders")
            if due < post.publish_at:
                problems.append(
                    warning(
                        path,
                        where,
                        f"reminder {reminder.label} ({format_wib(due)}) falls before publish_at; it will be skipped",
                    )
                )
            elif post.valid_until is not None and due > post.valid_until:
                problems.append(
                    warning(
                        path,
                        where,
                        f"reminder {reminder.label} ({format_wib(due)}) falls after valid_until; it will be skipped",
                    )
                )

    for platform in post.text:
        if platform not in post.platforms:
            problems.append(
                warning(
                    path,
                    line(f"text.{platform}", "text"),
                    f"text for {platform!r} is unused: {platform} is not in platforms",
                )
            )
    problems.extend(check_bounds(post, result))
    return problems
