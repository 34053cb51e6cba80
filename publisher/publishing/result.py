"""What became of one target in one call (:class:`TargetResult`), how it reads to a person, and its log line."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from publisher.adapters.results import Outcome
from publisher.infra.logs import event
from publisher.publishing.ledger import FAILED, PUBLISHED, UNKNOWN, TargetRecord
from publisher.publishing.targets import parse_target_id

log = logging.getLogger("publisher.publish")
REFUSED = "refused"  # not a ledger state: the target was not touched (a draft, a platform no longer listed)
NOT_CONFIGURED = "not_configured"  # recorded as the outcome of a target whose platform has no settings


@dataclass(frozen=True)
class TargetResult:
    """What became of one target in this call, in the ledger's terms."""

    target_id: str
    platform: str
    state: str  # the ledger state after the call, or REFUSED
    message: str = ""
    outcome: Outcome | str | None = None  # the adapter's outcome when it was asked
    remote_id: str | None = None
    permalink: str | None = None
    retry_after: float | None = None
    attempts: int = 0
    already: bool = False  # was published before this call; nothing was sent
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.state == PUBLISHED

    @property
    def retryable(self) -> bool:
        return self.state == FAILED and self.outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT)

    def line(self) -> str:
        """One line for a person: ``facebook: published https://...``, ``telegram: failed (auth): ...``."""
        where = self.permalink or self.remote_id or ""
        dry = " (dry run)" if self.dry_run else ""
        if self.state == PUBLISHED:
            head = "already published" if self.already else "published"
            text = f"{self.platform}: {head}{dry} {where}".rstrip()
            return f"{text}; {self.message}" if self.already and self.message else text
        if self.state == FAILED:
            return f"{self.platform}: failed ({self.outcome or 'error'}){dry}: {self.message}"
        if self.state == UNKNOWN:
            return f"{self.platform}: UNKNOWN{dry}: {self.message}"
        return f"{self.platform}: {self.state}{dry}: {self.message}".rstrip(": ")

    @classmethod
    def from_record(cls, record: TargetRecord, *, message: str | None = None, **extra: Any) -> TargetResult:
        return cls(
            target_id=record.target_id,
            platform=record.platform,
            state=record.state,
            message=(record.error or record.reason or "") if message is None else message,
            outcome=_outcome(record.outcome),
            remote_id=record.remote_id,
            permalink=record.permalink,
            retry_after=record.retry_after,
            attempts=record.attempts,
            **extra,
        )


def _outcome(value: str | None) -> Outcome | str | None:
    try:
        return Outcome(value) if value else None
    except ValueError:
        return value  # e.g. NOT_CONFIGURED


def unknown_message(target: str, why: str) -> str:
    why = why.split(" — may or may not")[0]  # already loud: do not repeat the advice
    return (
        f"{why} — may or may not have been published; check the account and resolve with "
        f"`publisher resolve {target} --published URL` or `publisher resolve {target} --not-published`"
    )


def log_target_event(
    name: str, target: str, state: str, attempt: int | None, message: str = "", permalink: str | None = None
) -> None:
    """One line per event: ``event=published post=... platform=... occurrence=... state=... attempt=...``."""
    post_id, platform, occurrence = parse_target_id(target)
    level = logging.WARNING if state in (FAILED, UNKNOWN, "retract-failed") else logging.INFO
    event(
        log,
        name,
        post_id=post_id,
        platform=platform,
        state=state,
        attempt=attempt,
        level=level,
        occurrence=occurrence,
        permalink=permalink,
        message=message or None,
    )
