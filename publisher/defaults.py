"""Every default of the publisher in one module, each with the reason for its value.

Settings (:mod:`publisher.infra.settings`) take their defaults from here; so do the modules that need one of these
values without a settings object at hand (a post read in a test, a card's date line).
"""

from __future__ import annotations

from typing import Final

TIMEZONE = "Asia/Jakarta"
"""The office's IANA zone (WIB, UTC+7): times written without an offset are read in it, and shown in it."""

POSTS_DIR = "posts"
"""Where post files live, relative to the working directory."""

STATE_DIR = ".publisher"
"""Local state: the embedded Redis's data and the render cache."""

NAMESPACE = "publisher"
"""Prefix of every Redis key and the Celery queues, so installations (and tests) can share one Redis server."""

GRAPH_API_VERSION = "v24.0"
"""The Graph API version the Facebook and Instagram adapters are written against."""

GRAPH_API_BASE = f"https://graph.facebook.com/{GRAPH_API_VERSION}"
"""Facebook's and Instagram's ``__API_BASE``."""

HTTP_TIMEOUTS = (5.0, 30.0)
"""(connect, read) seconds for every platform request; uploads of a few MB fit well inside the read timeout."""

RETRY_AFTER_SECONDS = 60.0
"""How long to wait when a platform rate-limits without saying for how long (no ``Retry-After``)."""

RATE_LIMIT_PER_MINUTE = 30.0
"""Posts per minute per platform account when ``PUBLISHER_RATE_LIMITS`` names no limit for the platform."""

MISSED_GRACE_MINUTES = 60
"""A target overdue by more than this (an outage, a pause) is held as ``missed`` for a person, not sent late."""

VISIBILITY_TIMEOUT_SECONDS = 300
"""Seconds before Redis redelivers an unacknowledged task; leases are derived from it."""

TASK_TIME_LIMIT_SECONDS = 60
"""A publish task's hard time limit; the running lock and the in-flight window are derived from it."""

IN_FLIGHT_SECONDS = 120
"""The least time a ``sending`` record may belong to a send still in progress: longer than one send can take
(the HTTP timeouts, container polls of about 30 s). Older than this (and than the task time limit + 30 s) it is a
crash or a redelivery, and a person's ``publisher publish`` reconciles it instead of waiting."""

APPROVAL_RECHECK_SECONDS = 60
"""How often a target waiting for an approval (``PUBLISHER_REQUIRE_APPROVAL``) is looked at again: an approval
shows within a minute, and a waiting post costs one database read per minute, not per tick."""

ARCHIVE_CATCH_UP_SECONDS = 60.0
"""How often the worker archives what the ledger settled while the database was unreachable: rows show within a
minute of its return, and the usual pass (nothing missing) is one indexed read."""

MAX_ATTEMPTS = 8
"""Starts of one target by the worker, crashes included, before it gives up: a poison target cannot loop."""

SNAPSHOT_AGES = ("1h", "24h", "7d", "30d")
"""When after publication the beat takes a post's engagement snapshot: early reach, the first day, the week, the
month (the monthly report's figure). ``PUBLISHER_SNAPSHOT_AGES=1h,24h,7d,30d``."""

REPLY_RETENTION_DAYS = 365
"""How long the public's replies (people's words) are kept: a year covers the annual report, then they go."""

REPLY_WINDOW_DAYS = 31
"""``publisher collect`` reads the replies of posts published this recently (a month's conversation)."""

COLLECT_SECONDS = 300.0
"""How often the beat looks for due snapshots; a snapshot is taken within this long of its moment."""

LANGUAGE: Final = "id"
"""The language of every word a person reads (``PUBLISHER_LANGUAGE``): the comms team works in Indonesian; "en" gives
the source strings."""
