"""Thin tasks: ids in, the scheduler's functions do the work (publisher.scheduler), the result decides retry."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from publisher.scheduler import dispatch, runtime, sync, work
from worker.celery_app import app

log = logging.getLogger(__name__)


def enqueue_publish(target_ids: Sequence[str]) -> None:
    """One message per target, sent over one producer connection."""
    with app.producer_or_acquire() as producer:
        for target_id in target_ids:
            publish_target.apply_async(args=[target_id], producer=producer)


@app.task(ignore_result=True)
def tick() -> dict:
    report = dispatch.tick(runtime.current(), enqueue_publish)
    if report.sent or report.deferred:
        log.info("dispatched %d, deferred %d (rate limit or block)", len(report.sent), len(report.deferred))
    if report.skipped or report.missed:
        log.warning("skipped %s; held as missed %s", report.skipped, report.missed)
    return {"sent": len(report.sent), "deferred": len(report.deferred), "paused": report.paused}


@app.task(ignore_result=True)
def sweep() -> list[str]:
    returned = dispatch.sweep(runtime.current())
    if returned:
        log.warning("leases expired, back in the schedule: %s", returned)
    return returned


@app.task(ignore_result=True)
def sync_posts() -> str:
    """Reads the posts folder of the machine that runs it; the beat does this itself (worker.beat)."""
    return sync.sync_posts(runtime.current()).summary()


@app.task(bind=True, ignore_result=True, max_retries=None)
def publish_target(self, target_id: str) -> str:
    step = work.publish_one(runtime.current(), target_id, token=self.request.id or target_id)
    if step.retry_in is not None:
        raise self.retry(countdown=step.retry_in)
    if step.action in ("unknown", "failed", "gave-up"):
        log.warning("%s: %s %s", target_id, step.action, step.detail)
    return step.action
