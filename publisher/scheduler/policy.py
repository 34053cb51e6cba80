"""What to do with a due target: send it, skip it (past its deadline), or hold it as missed (after an outage).

``valid_until`` and an event's start bound every publication: past them a target is skipped, never sent, however
it got late. A target more than ``missed_grace_minutes`` overdue (the office was paused, a blackout day, the
machine was off) is held as ``missed`` for a person to decide, rather than flooding the feed with stale posts.

Waiting for an approval is not an outage: a post approved after its due time is due from the approval (the
approver is the person who decided it should still go out), so its lateness counts from then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from publisher.scheduler.schedule import TargetMeta


class Verdict(StrEnum):
    SEND = "send"
    SKIP = "skip"  # past its deadline: never sent
    MISS = "miss"  # overdue beyond the grace period: held for a person
    WAIT = "wait"  # no approval of its current content yet: back into the schedule, never missed for it


@dataclass(frozen=True)
class Decision:
    action: Verdict
    reason: str = ""


def decide(
    meta: TargetMeta, now: float, *, grace_minutes: int, tz: ZoneInfo, approved_at: float | None = None
) -> Decision:
    """``approved_at``: when the approval it goes out under was given (lateness counts from the later of that and
    the due time)."""
    if meta.deadline is not None and now > meta.deadline:
        until = datetime.fromtimestamp(meta.deadline, tz).strftime("%Y-%m-%d %H:%M %Z")
        return Decision(Verdict.SKIP, f"past its deadline ({until}: valid_until or the event start); not published")
    late = now - max(meta.due, approved_at or meta.due)
    if late > grace_minutes * 60:
        return Decision(
            Verdict.MISS,
            f"{late / 60:.0f} min overdue (grace {grace_minutes} min): held for a person; "
            "`publisher publish` sends it by hand",
        )
    return Decision(Verdict.SEND)


def check_deadline(meta: TargetMeta, now: float, tz: ZoneInfo) -> Decision:
    """The last look right before sending: only the deadline, since time spent in the queue is not an outage."""
    return decide(meta, now, grace_minutes=10**9, tz=tz)


def is_blackout(now: float, blackout_dates: list[date], tz: ZoneInfo) -> bool:
    return datetime.fromtimestamp(now, UTC).astimezone(tz).date() in set(blackout_dates)
