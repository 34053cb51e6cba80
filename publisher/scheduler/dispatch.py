"""The one-second tick: claim what is due, apply policy, pause, blocks and rate limits, enqueue publish tasks.

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
from publisher.publishing.ledger import AUTO_SEND, State
from publisher.publishing.result import log_target_event
from publisher.scheduler import events, policy
from publisher.scheduler.runtime import Runtime

Enqueue = Callable[[Sequence[str]], None]


@dataclass
class TickReport:
    paused: str = ""  # why nothing was claimed
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # blocked platform or over the rate limit


def tick(runtime: Runtime, enqueue: Enqueue, *, now: float | None = None) -> TickReport:
    schedule, ledger, settings = runtime.schedule, runtime.ledger, runtime.settings
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
    metas = schedule.meta(claimed)
    by_platform: dict[str, list[str]] = defaultdict(list)
    for target_id in claimed:
        meta = metas.get(target_id)
        if meta is None:  # unscheduled between the claim and now
            schedule.finish(target_id)
            continue
        decision = policy.decide(meta, now, grace_minutes=settings.missed_grace_minutes, tz=settings.tz)
        if decision.action == policy.Verdict.SEND:
            by_platform[meta.platform].append(target_id)
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


def sweep(runtime: Runtime, *, now: float | None = None) -> list[str]:
    """Return expired leases (a lost message, a dead worker) to the schedule; the ledger makes a resend safe."""
    return runtime.schedule.sweep(time.time() if now is None else now)
