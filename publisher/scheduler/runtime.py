"""Everything a dispatcher or a task needs, built once per process from the settings.

The publish step is taken from one place, :func:`publish_function`: ``publisher.publishing.step:publish_target``
unless ``PUBLISHER_PUBLISH_HOOK`` names another ``module:function`` with the same signature (tests plug a stand-in in
here, so the real worker processes run the very same code path around it).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import redis

from publisher.infra.redis import connect as store_connect
from publisher.infra.settings import Settings, load_settings
from publisher.publishing.ledger import DRY_RUN_SUFFIX, Ledger
from publisher.publishing.result import TargetResult
from publisher.scheduler.ratelimit import RateLimiter
from publisher.scheduler.schedule import Schedule

PUBLISH_HOOK_ENV = "PUBLISHER_PUBLISH_HOOK"
DEFAULT_PUBLISH = "publisher.publishing.step:publish_target"

PublishFunction = Callable[..., TargetResult]  # publish_target's signature (a hook must have the same)


def namespace_of(settings: Settings) -> str:
    """A dry run keeps its own schedule, ledger and queue, so it can never consume or block the real run."""
    return settings.namespace + (DRY_RUN_SUFFIX if settings.dry_run else "")


def connect(settings: Settings) -> redis.Redis:
    return store_connect(settings)


def publish_function() -> PublishFunction:
    module_name, _, name = os.environ.get(PUBLISH_HOOK_ENV, DEFAULT_PUBLISH).partition(":")
    return getattr(importlib.import_module(module_name), name)


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def redis(self) -> redis.Redis:
        return connect(self.settings)

    @cached_property
    def namespace(self) -> str:
        return namespace_of(self.settings)

    @cached_property
    def schedule(self) -> Schedule:
        return Schedule(
            self.redis,
            self.namespace,
            visibility_timeout=self.settings.visibility_timeout,
            task_time_limit=self.settings.task_time_limit,
        )

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.redis, self.namespace)

    @cached_property
    def limiter(self) -> RateLimiter:
        return RateLimiter(self.redis, self.schedule.keys, self.settings)

    @cached_property
    def publish(self) -> PublishFunction:
        return publish_function()


_runtimes: dict[int, Runtime] = {}


def current() -> Runtime:
    """This process's runtime (a forked pool child builds its own: Redis connections do not survive a fork)."""
    pid = os.getpid()
    if pid not in _runtimes:
        _runtimes.clear()
        _runtimes[pid] = Runtime(load_settings())
    return _runtimes[pid]
