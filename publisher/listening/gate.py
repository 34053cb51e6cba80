"""The gate every read request passes: the platform's rate, and its "wait".

``LimiterGate`` uses the publishing limiter's rate for the platform (``PUBLISHER_RATE_LIMITS``) in a bucket of
its own (``…:read``), so reading never spends what publishing needs; a "wait" the platform gave to a read blocks
reads (``blocked:{platform}:read``), and one it gave to a publication blocks reads too — an account told to slow
down is not read meanwhile. ``wait=True`` (``publisher collect``) sleeps until the next request is allowed;
``wait=False`` (the beat) defers the rest of the platform to the next pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from publisher.scheduler.runtime import Runtime

READ_BUCKET = ":read"
LONGEST_WAIT_SECONDS = 120.0  # a manual pass waits this long at most for one request, then leaves the rest


class ReadGate(Protocol):
    def admit(self, platform: str) -> bool: ...
    def hold(self, platform: str, seconds: float) -> None: ...


class OpenGate:
    """No limit: tests of the pass itself, and the benchmark (which counts requests, not time)."""

    def admit(self, platform: str) -> bool:
        return True

    def hold(self, platform: str, seconds: float) -> None:
        return None


OPEN = OpenGate()


class LimiterGate:
    def __init__(
        self,
        runtime: Runtime,
        *,
        wait: bool,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.runtime = runtime
        self.wait = wait
        self.clock = clock
        self.sleep = sleep

    def admit(self, platform: str) -> bool:
        deadline = self.clock() + LONGEST_WAIT_SECONDS
        while True:
            now = self.clock()
            blocked = self.runtime.schedule.blocked_until([platform, platform + READ_BUCKET])
            until = max(blocked.values(), default=0.0)
            if until <= now:
                grant = self.runtime.limiter.take(platform, 1, now, bucket=READ_BUCKET)
                if grant.granted:
                    return True
                until = grant.next_at
            if not self.wait or until > deadline:
                return False
            self.sleep(max(0.0, until - now))

    def hold(self, platform: str, seconds: float) -> None:
        now = self.clock()
        self.runtime.schedule.block(platform + READ_BUCKET, now + seconds, now)
