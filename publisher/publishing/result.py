"""What became of one target in one call (:class:`TargetResult`), how it reads to a person, and its log line."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from publisher.adapters.results import Outcome
from publisher.i18n import N_, _
from publisher.i18n.labels import label, register
from publisher.infra.logs import event
from publisher.posts.limits import one_line
from publisher.publishing.ledger import State, TargetRecord
from publisher.publishing.targets import parse_target_id

log = logging.getLogger("publisher.publish")


class Verdict(StrEnum):
    """What a call says of a target when no ledger state does: the ledger was not moved."""

    REFUSED = "refused"  # the target was not touched (a draft, a platform no longer listed)
    RETRACT_FAILED = "retract-failed"  # still published: the platform would not delete it, or it must be done by hand
    AWAITING_APPROVAL = "awaiting-approval"  # not sent: waits for an approval of the current content


register({Verdict.REFUSED: N_("refused"), Verdict.RETRACT_FAILED: N_("retract-failed")})


@dataclass(frozen=True)
class TargetResult:
    """What became of one target in this call, in the ledger's terms."""

    target_id: str
    platform: str
    state: State | Verdict  # the ledger state after the call, or REFUSED
    message: str = ""
    outcome: Outcome | None = None  # the adapter's outcome when it was asked (or NOT_CONFIGURED)
    remote_id: str | None = None
    permalink: str | None = None
    retry_after: float | None = None
    attempts: int = 0
    already: bool = False  # was published before this call; nothing was sent
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.state == State.PUBLISHED

    @property
    def retryable(self) -> bool:
        return self.state == State.FAILED and self.outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT)

    def line(self) -> str:
        """One line for a person: ``facebook: published https://...``, ``telegram: failed (auth): ...``; a
        platform's multi-line error page is folded onto it, control characters escaped."""
        return one_line(self._line())

    def _line(self) -> str:
        where = self.permalink or self.remote_id or ""
        dry = " " + _("(dry run)") if self.dry_run else ""
        if self.state == State.PUBLISHED:
            state = _("already published") if self.already else label(self.state)
            text = f"{self.platform}: {state}{dry} {where}".rstrip()
            return f"{text}; {self.message}" if self.already and self.message else text
        if self.state == State.FAILED:
            return f"{self.platform}: {label(self.state)} ({self.outcome or 'error'}){dry}: {self.message}"
        if self.state == State.UNKNOWN:
            return f"{self.platform}: {label(self.state).upper()}{dry}: {self.message}"
        return f"{self.platform}: {label(self.state)}{dry}: {self.message}".rstrip(": ")

    @classmethod
    def from_record(cls, record: TargetRecord, *, message: str | None = None, **extra: Any) -> TargetResult:
        return cls(
            target_id=record.target_id,
            platform=record.platform,
            state=record.state,
            message=(record.error or record.reason or "") if message is None else message,
            outcome=Outcome(record.outcome) if record.outcome else None,
            remote_id=record.remote_id,
            permalink=record.permalink,
            retry_after=record.retry_after,
            attempts=record.attempts,
            **extra,
        )


UNKNOWN_ADVICE = N_(
    " — may or may not have been published; check the account and resolve with "
    "`publisher resolve {target} --published URL` or `publisher resolve {target} --not-published`"
)


def unknown_message(target: str, why: str) -> str:
    for said in (UNKNOWN_ADVICE, _(UNKNOWN_ADVICE)):  # already loud (in either language): do not repeat the advice
        why = why.split(said.split(";")[0])[0]
    return why + _(UNKNOWN_ADVICE).format(target=target)


def log_target_event(
    name: str, target: str, state: State | Verdict, attempt: int | None, message: str = "", permalink: str | None = None
) -> None:
    """One line per event: ``event=published post=... platform=... occurrence=... state=... attempt=...``."""
    post_id, platform, occurrence = parse_target_id(target)
    level = logging.WARNING if state in (State.FAILED, State.UNKNOWN, Verdict.RETRACT_FAILED) else logging.INFO
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
