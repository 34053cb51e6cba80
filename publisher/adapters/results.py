"""What an adapter call comes back with. Adapters return these; they raise only for bugs and bad configuration.

Outcome tree (how the publish step and the worker treat each):

    PUBLISHED        remote_id (+ permalink): recorded, never sent again
    DUPLICATE        the platform says it already has this content: recorded as published when the remote id is
                     known, else flagged for a human — never retried
    RETRY_AFTER      rate limited; retry_after seconds to wait (from Retry-After, x-rate-limit-reset, Graph codes)
    TRANSIENT        the request was refused before any effect (connect error, 500/503 with an error body):
                     safe to retry with backoff
    AUTH             expired/invalid/insufficient credentials (HTTP 401/403, Graph 190/10/200-299): fail, tell the
                     operator to rotate the token; retrying cannot help
    INVALID          the platform refused the content (too long, bad image, policy block 368): fail, fix the post
    UNKNOWN_OUTCOME  the request was sent and the answer was lost (read timeout, reset after writing, 502/504):
                     never blindly retried; reconcile or flag for a human
    NOT_CONFIGURED   no adapter returns it: the publish step records it when the platform has no settings (or no
                     public media URL), before anything is sent; fail, the operator sets them
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PUBLISHED = "published"
    DUPLICATE = "duplicate"
    RETRY_AFTER = "retry_after"
    TRANSIENT = "transient"
    AUTH = "auth"
    INVALID = "invalid"
    UNKNOWN_OUTCOME = "unknown_outcome"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class PublishResult:
    outcome: Outcome
    remote_id: str | None = None
    permalink: str | None = None
    retry_after: float | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.PUBLISHED

    @property
    def retryable(self) -> bool:
        return self.outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT)

    @classmethod
    def published(cls, remote_id: str, permalink: str | None = None) -> PublishResult:
        return cls(Outcome.PUBLISHED, remote_id=remote_id, permalink=permalink)

    @classmethod
    def failed(cls, outcome: Outcome, message: str, *, retry_after: float | None = None) -> PublishResult:
        return cls(outcome, message=message, retry_after=retry_after)
