"""The one-second tick: claim what is due, apply policy, pause, blocks and rate limits, enqueue publish tasks.

With ``PUBLISHER_REQUIRE_APPROVAL`` the tick asks the approval gate too: a target without an approval of its
current content goes back into the schedule (looked at again every ``APPROVAL_RECHECK_SECONDS``), so no task is
spent on it, it is never held as missed for the wait, and it stays ``scheduled`` in the ledger. The publish step
asks the same gate again right before sending (an approval revoked in between).

Any number of ticks may run at once (two beats, a beat and `publisher run`): the claim is one Lua script, so each
due target is claimed by one of them. Once claimed, a target belongs to this tick until it is enqueued or put back,
so the steps after the claim need no further locking.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from publisher import defaults
from publisher.archive.approvals import GateDecision, gate
from publisher.publishing.ledger import AUTO_SEND, State
from publisher.publishing.result import log_target_event
from publisher.scheduler import events, policy
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.schedule import TargetMeta
from publisher.scheduler.sync import load_stored_post

Enqueue = Callable[[Sequence[str]], None]


@dataclass
class TickReport:
    paused: str = ""  # why nothing was claimed
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # blocked platform or over the rate limit
    awaiting_approval: list[str] = field(default_factory=list)  # back in the schedule until approved


def tick(runtime: Runtime, enqueue: Enqueue, *, now: float | None = None) -> TickReport:
    schedule, settings = runtime.schedule, runtime.settings
    now = time.time() if now is None else now
    report = TickReport()
    if schedule.paused:
        report.paused = "paused (`publisher resume` restarts publishing)"
        return report
    if policy.is_blackout(now, settings.blackout_dates, settings.tz):
        report.paused = "a blackout date (settings.blackout_dates)"
        return report

    claimed = schedule.claim(now)
    if not claimed:
        return report
    by_platform = _triage(runtime, claimed, now, report)

    events.announce(runtime, [*report.skipped, *report.missed], now=now)
    blocked = schedule.blocked_until(by_platform)
    for platform, ids in by_platform.items():
        until = blocked.get(platform, 0.0)
        if until > now:
            for target_id in ids:
                schedule.reschedule(target_id, until)
            report.deferred += ids
            continue
        grant = runtime.limiter.take(platform, len(ids), now)
        report.sent += ids[: grant.granted]
        rest = ids[grant.granted :]
        # The rest wait for their turn, spaced by the rate, so the next ticks do not all retry at once.
        interval = 60.0 / float(settings.rate_limits.get(platform, defaults.RATE_LIMIT_PER_MINUTE))
        for position, target_id in enumerate(rest):
            schedule.reschedule(target_id, grant.next_at + position * interval)
        report.deferred += rest
    if report.sent:
        enqueue(report.sent)
    return report


def _triage(runtime: Runtime, claimed: list[str], now: float, report: TickReport) -> dict[str, list[str]]:
    """The claimed targets to send, by platform; the others skipped, held as missed or back in the schedule."""
    schedule, ledger = runtime.schedule, runtime.ledger
    metas = schedule.meta(claimed)
    by_platform: dict[str, list[str]] = defaultdict(list)
    approvals = ApprovalLookup(runtime)
    for target_id in claimed:
        meta = metas.get(target_id)
        if meta is None:  # unscheduled between the claim and now
            schedule.finish(target_id)
            continue
        decision = _decide(runtime, meta, now, approvals)
        if decision.action == policy.Verdict.SEND:
            by_platform[meta.platform].append(target_id)
            continue
        if decision.action == policy.Verdict.WAIT:
            schedule.reschedule(target_id, now + defaults.APPROVAL_RECHECK_SECONDS)
            report.awaiting_approval.append(target_id)
            continue
        state, bucket = (
            (State.SKIPPED, report.skipped) if decision.action == policy.Verdict.SKIP else (State.MISSED, report.missed)
        )
        ledger.transition(
            target_id,
            AUTO_SEND,
            state,
            reason=decision.reason,
        )
        schedule.finish(target_id)
        log_target_event(state, target_id, state, None, decision.reason)
        bucket.append(target_id)
    return by_platform


class ApprovalLookup:
    """The approval gate's answer per post for one tick (one database read per post, not per target)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.decisions: dict[tuple[str, str], GateDecision | None] = {}

    def __call__(self, meta: TargetMeta) -> GateDecision | None:
        """``None``: the stored post is gone; the worker drops the target (sync unscheduled it)."""
        key = (meta.post_id, meta.content_hash)
        if key not in self.decisions:
            post = load_stored_post(self.runtime, meta.post_id, meta.content_hash)
            self.decisions[key] = gate(post, self.runtime.settings) if post is not None else None
        return self.decisions[key]


def _decide(runtime: Runtime, meta: TargetMeta, now: float, approvals: ApprovalLookup) -> policy.Decision:
    """Past its deadline: skipped. Waiting for an approval: it waits, however late (never held as missed for it).
    Otherwise sent, or held as missed when overdue (counted from the approval when that came later)."""
    settings = runtime.settings
    deadline = policy.check_deadline(meta, now, settings.tz)
    if deadline.action == policy.Verdict.SKIP or not settings.require_approval:
        return policy.decide(meta, now, grace_minutes=settings.missed_grace_minutes, tz=settings.tz)
    decision = approvals(meta)
    if decision is not None and not decision.allowed:
        return policy.Decision(policy.Verdict.WAIT, decision.message)
    approved_at = decision.approval.approved_at.timestamp() if decision and decision.approval else None
    return policy.decide(
        meta, now, grace_minutes=settings.missed_grace_minutes, tz=settings.tz, approved_at=approved_at
    )


def sweep(runtime: Runtime, *, now: float | None = None) -> list[str]:
    """Return expired leases (a lost message, a dead worker) to the schedule; the ledger makes a resend safe."""
    return runtime.schedule.sweep(time.time() if now is None else now)
