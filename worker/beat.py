"""The beat's scheduler: Celery's in-memory scheduler, plus a sync of the posts folder every few seconds.

Sync runs here, in the beat process, because the beat runs where the posts folder is; workers read posts from
Redis. In-memory (not the shelve-backed default) because the beat's only entries are fixed-interval ones.
"""

from __future__ import annotations

import logging
import time

from celery.beat import Scheduler

from publisher.scheduler import runtime, sync
from worker.celery_app import SYNC_SECONDS

log = logging.getLogger(__name__)


class SyncingScheduler(Scheduler):
    _last_sync = 0.0

    def tick(self, *args, **kwargs):
        if time.monotonic() - self._last_sync >= SYNC_SECONDS:
            self._last_sync = time.monotonic()
            try:
                report = sync.sync_posts(runtime.current())
                if report.scheduled or report.rescheduled or report.cancelled or report.invalid_posts:
                    log.info("sync: %s", report.summary())
            except Exception:  # a bad moment in the posts folder must not stop the beat
                log.exception("sync of the posts folder failed")
        return min(super().tick(*args, **kwargs), SYNC_SECONDS)
