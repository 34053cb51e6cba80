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
                     never blindly retried; reconciled at once (below), and ``unknown`` for a human only when
                     the platform offers no check that can tell
    NOT_CONFIGURED   no adapter returns it: the publish step records it when the platform has no settings (or no
                     public media URL), before anything is sent; fail, the operator sets them

When a post's fate is unknown (issue 10): the publish step hands an UNKNOWN_OUTCOME to ``adapter.reconcile`` with
the evidence the send noted (``Outgoing.progress``), and every guarantee the platform offers is used before a
person is asked. "Made" is a lost answer after the platform made the post, "not made" one before it did:

    platform   made                          not made                      still ends ``unknown`` when …
    ---------  ----------------------------  ----------------------------  ------------------------------------------
    Mastodon   the POST is repeated with     the repeat makes it, once     every repeat (3) is lost or refused and
               the same Idempotency-Key:                                   the text is not among the 20 recent
               the same status comes back                                  statuses; or the send is older than 50 min
                                                                           (the key is kept 1 h) and not found by text
    Bluesky    getRecord for our record key  created again under the same  getRecord itself fails (the check cannot
               finds it                      key, which a repo holds once  run); when every create is lost it ends
                                             (every create lost: failed-   failed-retryable instead — a retry reuses
                                             retryable, the retry reuses   the key, so it is never a second post
                                             the key)
    Instagram  the container says PUBLISHED; the container says FINISHED:  the container cannot be read; every publish
    Threads    its post is found among the   it is published now, once     is lost (bounded); PUBLISHED but no recent
               recent media by caption                                     media has the caption (the post id is
                                                                           unknown, not whether it went out)
    Facebook   found in /{page}/posts by     unknown                       always when not made: /photos has no
               its message                                                 idempotency key, and not finding a post
                                                                           among the recent ones proves nothing; and
                                                                           when the token cannot read /{page}/posts
    X          found in the user timeline    unknown                       always when not made (POST /2/tweets has no
               (links compared without their                               idempotency key; the duplicate-content 403
               t.co rewriting)                                             is no documented guarantee); and when the
                                                                           access level cannot read the timeline
                                                                           (403 client-not-enrolled)
    Telegram   unknown                       unknown                       always: sendPhoto has no idempotency and
                                                                           the Bot API cannot read a channel's history

A crash mid-send (the target found ``sending`` later) goes through the same reconcile. tests/test_heal.py proves
each row against the loopback fake, counting the posts it made.
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
