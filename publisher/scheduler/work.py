"""One publish attempt for one claimed target: the body of the worker's publish task, outside Celery.

The task only passes the target id in and turns the returned :class:`Step` into ``retry``/return. Everything
else — the running lock, the last deadline check, the platform block, calling the publish step and reading its
classified result — is here, where it can be read and tested without a broker.

The publish step returns a ``TargetResult``: the ledger state it left the target in, and the adapter's outcome.

    published              lease finished; if the post supersedes another, its copy here is retracted
    failed, RETRY_AFTER    the platform is blocked until then for every worker; a short wait is a Celery retry
                           with that countdown, a wait longer than half the visibility timeout goes back into the
                           schedule instead (a long ETA message would be redelivered over and over, kombu#337)
    failed, TRANSIENT      retried with backoff, up to defaults.MAX_ATTEMPTS
    failed, other          finished (auth, invalid content, not configured): a person must act
    awaiting-approval      back into the schedule, looked at again in a minute (PUBLISHER_REQUIRE_APPROVAL)
    unknown                finished: never retried blindly, `publisher status` lists it first
    skipped, cancelled...  finished
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from publisher import defaults
from publisher.adapters.results import Outcome
from publisher.posts.model import Post
from publisher.publishing.ledger import AUTO_SEND, PseudoState, State
from publisher.publishing.result import TargetResult, Verdict, log_target_event
from publisher.scheduler import events, policy, supersede
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.schedule import NotStarted, Started
from publisher.scheduler.sync import load_stored_post


class Action(StrEnum):
    """What became of one attempt: the target's settled state, or what happens to it next."""

    # Settled: the ledger state the publish step left (or the refusal), and the lease is finished.
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    MISSED = "missed"
    CANCELLED = "cancelled"
    RETRACTED = "retracted"
    REFUSED = "refused"
    GAVE_UP = "gave-up"  # the attempt cap was reached
    # Not settled.
    RETRY = "retry"  # a Celery retry after ``retry_in`` seconds; the task keeps the lease
    RESCHEDULED = "rescheduled"  # back into the schedule, claimed again later
    AWAITING_APPROVAL = "awaiting-approval"  # back into the schedule until its current content is approved
    DROPPED = "dropped"  # not this task's to publish (not leased, or no longer scheduled)


ANNOUNCED = (Action.PUBLISHED, Action.FAILED, Action.UNKNOWN, Action.SKIPPED, Action.CANCELLED, Action.GAVE_UP)


@dataclass(frozen=True)
class Step:
    action: Action
    retry_in: float | None = None
    detail: str = ""
    news: bool = True  # settled by this attempt (not found settled by an earlier one): announced to watchers


def publish_one(runtime: Runtime, target_id: str, *, token: str, now: float | None = None) -> Step:
    schedule = runtime.schedule
    now = time.time() if now is None else now
    started = schedule.start(target_id, token, now)
    if started is NotStarted.NOT_LEASED:
        return Step(Action.DROPPED, detail="not claimed (already settled, or unscheduled)")
    if started is NotStarted.BUSY:
        # Another delivery of this target is running right now; look again once its lock must have gone.
        remaining = runtime.redis.pttl(schedule.keys.running(target_id)) / 1000
        return Step(Action.RETRY, retry_in=max(1.0, remaining + 0.5), detail="another task holds the target")
    try:
        step = _attempt(runtime, target_id, started, token, now)
    except BaseException:
        # A bug or a time limit: back into the schedule with backoff. The ledger (state `sending`) makes the next
        # attempt reconcile instead of sending twice; the attempt cap stops a poison target.
        schedule.reschedule(target_id, time.time() + _backoff(started.attempt), token)
        raise
    if step.action in ANNOUNCED and step.news:
        events.announce(runtime, [target_id], now=time.time())
    return step


@dataclass
class Batch:
    """What :func:`publish_batch` did: a step per target it took in turn, and the targets it did not reach."""

    steps: dict[str, Step] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)
    error: BaseException | None = None  # what stopped the batch (a bug, a time limit): re-raise after sending left


def publish_batch(
    runtime: Runtime,
    target_ids: Sequence[str],
    *,
    token: str,
    budget: float,
    clock: Callable[[], float] = time.monotonic,
) -> Batch:
    """Several claimed targets in one task message, one after the other, each exactly as :func:`publish_one`.

    Every target is started (its own running lock), published and released on its own, so a crash mid-batch
    leaves the finished ones settled, the one in hand locked and ``sending`` in the ledger, and the rest leased and
    untouched: a redelivery of the message drops the first, waits for (then reconciles) the second and publishes
    the rest; the sweeper is the net if the message is gone. Once ``budget`` seconds have passed no further
    target is started: the caller sends the ones left in a new message, well inside the task time limit.
    """
    batch = Batch()
    started_at = clock()
    for index, target_id in enumerate(target_ids):
        if index and clock() - started_at >= budget:
            batch.left = list(target_ids[index:])
            break
        try:
            batch.steps[target_id] = publish_one(runtime, target_id, token=token)
        except BaseException as error:  # handed to the caller, which re-raises it after sending the rest
            # This target is back in the schedule (publish_one); the untouched rest go on in a new message.
            batch.left = list(target_ids[index + 1 :])
            batch.error = error
            break
    return batch


def _attempt(runtime: Runtime, target_id: str, started: Started, token: str, now: float) -> Step:
    schedule, ledger, settings = runtime.schedule, runtime.ledger, runtime.settings
    meta, attempt = started.meta, started.attempt
    if attempt > defaults.MAX_ATTEMPTS:
        reason = f"gave up after {defaults.MAX_ATTEMPTS} attempts"
        state = State.FAILED
        if not ledger.transition(
            target_id,
            AUTO_SEND,
            State.FAILED,
            error=reason,
            retryable=False,
        ):
            # It crashed while sending: the post may be up. A person decides (`publisher resolve`).
            state, reason = State.UNKNOWN, f"{reason}, the last one while sending"
            ledger.transition(target_id, [State.SENDING], State.UNKNOWN, error=reason)
        schedule.finish(target_id, token)
        log_target_event(Action.GAVE_UP, target_id, state, defaults.MAX_ATTEMPTS, reason)
        return Step(Action.GAVE_UP, detail=reason)
    post = load_stored_post(runtime, meta.post_id, meta.content_hash) if meta else None
    if meta is None or post is None:
        schedule.finish(target_id, token)
        return Step(Action.DROPPED, detail="no longer scheduled")
    if not started.post_scheduled:
        # Sync unscheduled the post while this target was in flight (or waiting for a retry): it must not go out.
        reason = "the post was removed, set to draft or superseded before this went out"
        ledger.transition(target_id, [State.SCHEDULED, PseudoState.FAILED_RETRYABLE], State.CANCELLED, reason=reason)
        schedule.finish(target_id, token)
        log_target_event(Action.CANCELLED, target_id, State.CANCELLED, None, reason)
        return Step(Action.CANCELLED, detail=reason)
    decision = policy.check_deadline(meta, now, settings.tz)
    if decision.action == policy.Verdict.SKIP:
        ledger.transition(
            target_id,
            AUTO_SEND,
            State.SKIPPED,
            reason=decision.reason,
        )
        schedule.finish(target_id, token)
        log_target_event(Action.SKIPPED, target_id, State.SKIPPED, None, decision.reason)
        return Step(Action.SKIPPED, detail=decision.reason)
    if started.blocked_until is not None and started.blocked_until > now:
        schedule.reschedule(target_id, started.blocked_until, token)
        return Step(Action.RESCHEDULED, detail=f"{meta.platform} asked to wait")

    result = runtime.publish(target_id, settings=settings, ledger=ledger, post=post, dry_run=None)
    return _follow_up(runtime, target_id, meta.platform, post, attempt, token, result)


def _follow_up(
    runtime: Runtime, target_id: str, platform: str, post: Post, attempt: int, token: str, result: TargetResult
) -> Step:
    """Turn the publish step's answer (the ledger state it left, and the adapter's outcome) into the next move."""
    schedule, settings = runtime.schedule, runtime.settings
    now = time.time()
    if result.state == State.PUBLISHED:
        schedule.finish(target_id, token)
        if post.supersedes and not result.already:
            note = supersede.retract_superseded(runtime, post.supersedes, platform, by=post.id)
            return Step(Action.PUBLISHED, detail=note)
        return Step(Action.PUBLISHED, detail=result.permalink or result.remote_id or "", news=not result.already)
    if result.state == State.FAILED and result.outcome == Outcome.RETRY_AFTER:
        wait = max(1.0, float(result.retry_after or defaults.RETRY_AFTER_SECONDS))
        schedule.block(platform, now + wait, now)
        if wait <= settings.visibility_timeout / 2:
            schedule.hold(target_id, now + wait, token)
            return Step(Action.RETRY, retry_in=wait, detail=result.message)
        schedule.reschedule(target_id, now + wait, token)
        return Step(Action.RESCHEDULED, detail=result.message)
    if result.state == State.FAILED and result.outcome == Outcome.TRANSIENT:
        if attempt < defaults.MAX_ATTEMPTS:
            wait = _backoff(attempt)
            schedule.hold(target_id, now + wait, token)
            return Step(Action.RETRY, retry_in=wait, detail=result.message)
        runtime.ledger.transition(target_id, [PseudoState.FAILED_RETRYABLE], State.FAILED, retryable=False)
        schedule.finish(target_id, token)
        return Step(Action.FAILED, detail=f"gave up after {attempt} attempts: {result.message}")
    if result.state == Verdict.AWAITING_APPROVAL:  # approval revoked or content edited since the tick looked
        schedule.reschedule(target_id, now + defaults.APPROVAL_RECHECK_SECONDS, token)
        return Step(Action.AWAITING_APPROVAL, detail=result.message)
    if result.state == State.SENDING:  # a person's `publisher publish` is sending it right now
        schedule.hold(target_id, now + schedule.lock_seconds, token)
        return Step(Action.RETRY, retry_in=float(schedule.lock_seconds), detail=result.message)
    schedule.finish(target_id, token)
    if result.state == State.UNKNOWN:  # the publish step logged it: one event, one line
        return Step(Action.UNKNOWN, detail=result.message)
    # failed for good (auth, invalid, not configured), skipped, cancelled, or refused (a draft): settled.
    return Step(Action(result.state), detail=result.message)


def _backoff(attempt: int) -> float:
    """5 s, 10 s, 20 s, ... capped at two minutes, with jitter so retries of a burst do not land together."""
    return min(120.0, 5.0 * 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)
