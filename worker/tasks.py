"""Thin tasks: ids in, the scheduler's functions do the work (publisher.scheduler), the result decides retry.

A burst of due targets travels in small batches (``publish_targets``): each message costs the worker a broker
round trip, an unacked-index write and an ack, more than the scheduler's own work for one target. Inside a batch
every id is started, published and released on its own (:func:`publisher.scheduler.work.publish_batch`), so the
guarantees are those of ``publish_target``; a retry is sent as that id's own ``publish_target`` message.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import Counter
from collections.abc import Sequence

from publisher.archive.outcomes import catch_up_all
from publisher.listening import passes
from publisher.scheduler import dispatch, runtime, sync, work
from worker.celery_app import app

log = logging.getLogger(__name__)


BATCH_MAX = 10  # ids per message: amortises the per-message cost while a batch stays a few round trips long
SPREAD = 16  # a tick of fewer than SPREAD * BATCH_MAX ids is spread over up to this many messages, for parallelism


def batches(target_ids: Sequence[str]) -> list[list[str]]:
    """Split ids into at most ``BATCH_MAX`` per message, and into at least ``SPREAD`` messages when there are that
    many ids, so a small tick still runs on every worker thread at once."""
    ids = list(target_ids)
    if not ids:
        return []
    count = max(math.ceil(len(ids) / BATCH_MAX), min(len(ids), SPREAD))
    bounds = [len(ids) * i // count for i in range(count + 1)]  # sizes differ by one at most
    return [ids[start:end] for start, end in itertools.pairwise(bounds)]


def enqueue_publish(target_ids: Sequence[str]) -> None:
    """Batches of claimed ids (a single id as ``publish_target``), sent over one producer connection."""
    with app.producer_or_acquire() as producer:
        for batch in batches(target_ids):
            if len(batch) == 1:
                publish_target.apply_async(args=[batch[0]], producer=producer)
            else:
                publish_targets.apply_async(args=[batch], producer=producer)


@app.task(ignore_result=True)
def tick() -> dict:
    report = dispatch.tick(runtime.current(), enqueue_publish)
    if report.sent or report.deferred:
        log.info("dispatched %d, deferred %d (rate limit or block)", len(report.sent), len(report.deferred))
    return {"sent": len(report.sent), "deferred": len(report.deferred), "paused": report.paused}


@app.task(ignore_result=True)
def sweep() -> list[str]:
    returned = dispatch.sweep(runtime.current())
    if returned:
        log.warning("leases expired, back in the schedule: %s", returned)
    return returned


@app.task(ignore_result=True)
def archive_catch_up() -> int:
    """Archive what the ledger settled while the database was unreachable (real and dry-run namespaces)."""
    current = runtime.current()
    written = catch_up_all(current.settings, current.ledger)
    if written:
        log.info("archive caught up %d settled outcome(s)", written)
    return written


@app.task(ignore_result=True)
def sync_posts() -> str:
    """Reads the posts folder of the machine that runs it; the beat does this itself (worker.beat)."""
    return sync.sync_posts(runtime.current()).summary()


@app.task(bind=True, ignore_result=True, max_retries=None)
def publish_target(self, target_id: str) -> str:
    step = work.publish_one(runtime.current(), target_id, token=self.request.id or target_id)
    if step.retry_in is not None:
        raise self.retry(countdown=step.retry_in)
    return step.action  # its outcome was logged where it was decided, as one event line


@app.task(bind=True, ignore_result=True)
def publish_targets(self, target_ids: list[str]) -> dict[str, int]:
    """A batch: each id as ``publish_target`` would do it; retries and the ids not reached go out as new messages
    before this one is acknowledged (a crash in between only duplicates messages, which the leases absorb)."""
    budget = max(1.0, self.app.conf.task_time_limit / 4) if self.app.conf.task_time_limit else 15.0
    batch = work.publish_batch(runtime.current(), target_ids, token=self.request.id or target_ids[0], budget=budget)
    with app.producer_or_acquire() as producer:
        for target_id, step in batch.steps.items():
            if step.retry_in is not None:
                publish_target.apply_async(args=[target_id], countdown=step.retry_in, producer=producer)
        if batch.left:
            publish_targets.apply_async(args=[batch.left], producer=producer)
    if batch.error is not None:
        raise batch.error
    # Counts, not ids: Celery logs a task's return value, and each target's outcome already has its one line.
    return dict(Counter(step.action.value for step in batch.steps.values()))


@app.task(ignore_result=True, time_limit=passes.PASS_TIME_LIMIT_SECONDS, soft_time_limit=passes.PASS_SOFT_LIMIT_SECONDS)
def collect_due() -> dict:
    """The beat's collection pass: the snapshots due now, read-only; what the rate limit does not allow now is
    left for the next pass. One pass at a time (a slow platform must not stack passes up)."""
    report = passes.scheduled_pass(runtime.current())
    if report is None:
        return {"not run": "another pass is running"}
    for line in passes.report_lines(report):
        (log.warning if "FAILED" in line else log.info)("collect: %s", line)
    return {name: result.snapshots for name, result in report.platforms.items()}
