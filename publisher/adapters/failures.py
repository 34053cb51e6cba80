"""Turning an HTTP answer that is not a success into an outcome (the tree is drawn in ``publisher.adapters.results``).

One generic rule set, used by every adapter after it has read its own platform's error body:

    no answer at all         NothingSent -> TRANSIENT; AnswerLost -> UNKNOWN_OUTCOME (on the publishing request)
    429                      RETRY_AFTER (Retry-After seconds or HTTP date; platform headers; else a default)
    502, 504, other 5xx      UNKNOWN_OUTCOME: a gateway gave up, the backend may have finished the work
    500, 503 with a body     TRANSIENT: the application itself answered that it did not do it
    401, 403                 AUTH
    other 4xx                INVALID

On a request that does not make anything public (upload, status poll, read), "maybe done" is harmless, so
UNKNOWN_OUTCOME is lowered to TRANSIENT there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from publisher import defaults
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpResponse


def retry_after_header(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds from now: either delta-seconds or an HTTP date."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def seconds_until_epoch(value: str | None) -> float | None:
    """Headers such as X's ``x-rate-limit-reset`` and Bluesky's ``ratelimit-reset``: epoch seconds."""
    if not value or not value.strip().isdigit():
        return None
    return max(1.0, float(value.strip()) - time.time())


def short_detail(response: HttpResponse, limit: int = 200) -> str:
    text = " ".join(response.text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def classify_status(
    response: HttpResponse,
    label: str,
    *,
    publishing: bool,
    detail: str = "",
    retry_after: float | None = None,
) -> PublishResult:
    status = response.status
    detail = detail or short_detail(response) or "no body"
    maybe_done = Outcome.UNKNOWN_OUTCOME if publishing else Outcome.TRANSIENT

    if status == 429:
        wait = retry_after or retry_after_header(response.headers) or defaults.RETRY_AFTER_SECONDS
        return PublishResult.failed(
            Outcome.RETRY_AFTER, f"{label}: rate limited, retry after {wait:.0f} s ({detail})", retry_after=wait
        )
    if status in (500, 503):
        if response.body or not publishing:
            return PublishResult.failed(Outcome.TRANSIENT, f"{label}: server error {status} ({detail})")
        return PublishResult.failed(maybe_done, f"{label}: server error {status} without a body, outcome unknown")
    if status >= 500:
        return PublishResult.failed(maybe_done, f"{label}: gateway error {status}, the post may or may not be up")
    if status in (401, 403):
        return PublishResult.failed(
            Outcome.AUTH, f"{label}: credentials refused (HTTP {status}, auth) — check or rotate the token: {detail}"
        )
    if status >= 400:
        return PublishResult.failed(Outcome.INVALID, f"{label}: request refused (HTTP {status}): {detail}")
    return PublishResult.failed(maybe_done, f"{label}: unexpected HTTP {status}")
