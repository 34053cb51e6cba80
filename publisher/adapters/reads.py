"""What the read calls return: plain values a collection pass stores as they are.

    MetricSnapshot  one post's counters at one moment, under the platform's own metric names and API version
    Reply           one comment or reply from the public (or from the office itself) under a published post

A metric the platform did not return is ``None`` — missing, never 0 — so a renamed or withdrawn metric shows up as
a gap instead of a silent drop to zero. Read calls never make anything public; a failure is classified exactly
like a write's (``publisher.adapters.failures``) and raised as ``ReadFailed`` with what was read before it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.adapters.results import PublishResult


@dataclass(frozen=True)
class MetricSnapshot:
    platform: str
    remote_id: str
    metrics: Mapping[str, int | None]  # the platform's own names; None = not returned ("missing"), never 0
    api_version: str
    fetched_at: datetime

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name, value in self.metrics.items() if value is None)


@dataclass(frozen=True)
class Reply:
    platform: str
    remote_id: str  # the published post the reply is under
    reply_id: str
    author_handle: str | None
    text: str
    created_at: datetime | None
    permalink: str | None  # None where the platform gives comments no address of their own (Instagram)
    from_office: bool  # written by the office's own account: the thread counts as answered


class ReadFailed(Exception):
    """A read call failed; ``result`` carries the outcome (RETRY_AFTER, AUTH, TRANSIENT …) and a masked message,
    ``partial`` what earlier batches of the same call had already read."""

    def __init__(self, result: PublishResult, partial: Sequence[Any] = ()) -> None:
        super().__init__(result.message)
        self.result = result
        self.partial = list(partial)


def batched(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    """``ids`` cut into requests of at most ``size`` (the platform's documented maximum per call)."""
    step = max(1, size)
    for start in range(0, len(ids), step):
        yield list(ids[start : start + step])


def count_or_none(value: object) -> int | None:
    """A counter as the API gave it, or None when it is absent or not a number (never coerced to 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def parse_api_time(value: object) -> datetime | None:
    """ISO 8601 as the APIs write it: ``2026-12-01T09:00:00Z``, Graph's ``…+0000``, Mastodon's ``….000Z``."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # Graph: +0000 → +00:00
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
