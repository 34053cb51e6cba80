"""Celery configured from the publisher's settings; the broker is the same Redis as the schedule and ledger.

Why these settings (Celery's Redis caveats, kombu#337):

* No long ETA/countdown messages: with Redis, an unacknowledged message is redelivered after the visibility
  timeout, so a task parked for hours runs again and again. Posts wait in the schedule (a sorted set) instead; the
  only countdowns are short retries, capped at half the visibility timeout.
* ``task_acks_late`` + ``task_reject_on_worker_lost``: a task whose worker dies is delivered again, and the ledger
  (state ``sending``) makes that second delivery reconcile rather than post twice.
* ``worker_prefetch_multiplier = 1``: a worker holds one message per process (or thread), so a crash strands at most
  that one — a single target, or one small batch of ids (``worker.tasks.publish_targets``, at most
  ``worker.tasks.BATCH_MAX``), each id of which is still started, published and released on its own.
* One visibility timeout (``settings.visibility_timeout``) for the broker and the result backend; the hard time
  limit stays well below it, so a running task is never redelivered while it still runs.
* The queue and every broker key carry the namespace, so installations and tests sharing a server stay apart.
"""

from __future__ import annotations

import logging

from celery import Celery, signals
from kombu import Exchange, Queue

from publisher import defaults
from publisher.archive.database import after_fork
from publisher.archive.outcomes import catch_up_all, flush_write_behind, use_write_behind
from publisher.infra import logs
from publisher.infra.masking import Masker, install_log_masking
from publisher.infra.redis import redis_url
from publisher.infra.settings import Settings, load_settings
from publisher.scheduler.runtime import current as current_runtime
from publisher.scheduler.runtime import namespace_of

TICK_SECONDS = 1.0
SWEEP_SECONDS = 10.0
SYNC_SECONDS = 10.0  # the beat re-reads the posts folder this often (worker.beat.SyncingScheduler)
CONTROL_TASKS = ("worker.tasks.tick", "worker.tasks.sweep", "worker.tasks.sync_posts", "worker.tasks.archive_catch_up")


def celery_config(settings: Settings) -> dict:
    namespace = namespace_of(settings)
    visibility = {"visibility_timeout": settings.visibility_timeout}
    queue = f"{namespace}.publish"
    control = f"{namespace}.control"  # the tick and the sweeper never wait behind a backlog of publish tasks
    return {
        "broker_url": broker_url(settings),
        "broker_transport_options": {
            **visibility,
            "global_keyprefix": f"{namespace}:celery:",
            # look for lost unacknowledged messages often enough for a short visibility timeout
            "unacked_restore_interval": min(10, max(1, settings.visibility_timeout // 5)),
        },
        "result_backend": None,
        "result_backend_transport_options": visibility,
        "task_ignore_result": True,
        "task_default_queue": queue,
        "task_queues": [Queue(name, Exchange(name), routing_key=name) for name in (queue, control)],
        "task_routes": {name: {"queue": control} for name in CONTROL_TASKS},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": max(1, settings.task_time_limit - 5),
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "beat_scheduler": "worker.beat:SyncingScheduler",
        "beat_schedule": {
            # expires: a tick nobody ran in time is dropped, not run late in a pile
            "tick": {"task": "worker.tasks.tick", "schedule": TICK_SECONDS, "options": {"expires": 5}},
            "sweep": {"task": "worker.tasks.sweep", "schedule": SWEEP_SECONDS, "options": {"expires": 30}},
            # listening: due snapshots (+1 h, +24 h, +7 d, +30 d) and the purge of old replies; read-only
            "collect": {
                "task": "worker.tasks.collect_due",
                "schedule": defaults.COLLECT_SECONDS,
                "options": {"expires": defaults.COLLECT_SECONDS},
            },
            "archive": {
                "task": "worker.tasks.archive_catch_up",
                "schedule": settings.archive_catch_up_seconds,
                "options": {"expires": settings.archive_catch_up_seconds},
            },
        },
    }


def broker_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's socket (started by the worker or beat, not by importing)."""
    if settings.redis_url is not None:
        return settings.redis_url.get_secret_value()
    return f"redis+socket://{(settings.state_dir / 'redis.sock').resolve()}"


@signals.worker_init.connect
@signals.beat_init.connect
def _start_embedded_redis(**_: object) -> None:
    redis_url(load_settings())  # no-op with PUBLISHER_REDIS_URL; else starts (or reuses) the embedded server


@signals.worker_process_init.connect
def _own_database_connections(**_: object) -> None:
    """A prefork child must not use the pooled connections it inherited from the parent; it archives through a
    write-behind thread of its own (publisher.archive.writer)."""
    after_fork()
    use_write_behind()


@signals.worker_init.connect
def _archive_behind(**_: object) -> None:
    """The threads and solo pools publish in the main process: it archives through the write-behind too."""
    use_write_behind()


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def _archive_flush(**_: object) -> None:
    """A worker stopping writes what it still holds (what a killed one held, the catch-up writes)."""
    flush_write_behind(timeout=10.0)


@signals.worker_ready.connect
def _archive_catch_up_at_start(**_: object) -> None:
    """What settled while no worker ran (or the one before died between the ledger and the archive) is archived
    now, not at the first beat of the catch-up task a minute later. Never raises: the database may be down."""
    written = catch_up_all(current_runtime().settings, current_runtime().ledger)
    if written:
        logging.getLogger(__name__).info("archive caught up %d settled outcome(s) at start", written)


class QuietHousekeeping(logging.Filter):
    """Drops Celery's received/succeeded/sending lines for the one-second tick and the sweeper (the tasks log
    what they found themselves), so the log shows publishing, not a clock."""

    NOISE = (
        *("worker.tasks.tick", "worker.tasks.sweep", "worker.tasks.archive_catch_up"),
        *("due task tick", "due task sweep", "due task archive"),
    )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in self.NOISE)


@signals.after_setup_logger.connect
def _mask_secrets(**_: object) -> None:
    """The worker and the beat log through the same masker as the CLI: every record, whichever handler writes it
    (the record factory masks it when it is made, so Celery's handlers and a prefork child's records are covered)."""
    install_log_masking(Masker.from_settings(load_settings()))


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _quiet_housekeeping(logger: logging.Logger, **_: object) -> None:
    for handler in logger.handlers:
        handler.addFilter(QuietHousekeeping())


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _one_line_per_event(logger: logging.Logger, loglevel: int | str = logging.INFO, **_: object) -> None:
    """The worker's and the beat's lines read as the CLI's (``publisher.infra.logs``): one line per event, the same
    format, tracebacks only at DEBUG."""
    level = loglevel if isinstance(loglevel, int) else logging.getLevelName(str(loglevel).upper())
    for handler in logger.handlers:
        handler.setFormatter(logs.OneLineFormatter(verbose=level == logging.DEBUG))


def make_app(settings: Settings | None = None) -> Celery:
    celery = Celery("worker", include=["worker.tasks"])
    celery.conf.update(celery_config(settings or load_settings()))
    return celery


app = make_app()
