"""A rate limit per platform account shared by every worker: GCRA in one Lua script.

Celery's ``rate_limit`` counts per worker process, so two workers would post twice as fast as the platform
allows. Here the dispatcher asks Redis for ``n`` sends at once; the script grants as many as the account's rate
and burst allow right now and says when the next one would be allowed. The rest go back into the schedule.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import redis

from publisher import defaults
from publisher.infra.settings import Settings
from publisher.scheduler.keys import Keys

BURST_SECONDS = 10  # a burst of up to ten seconds' worth of posts (at least one)

# KEYS: the account's theoretical-arrival-time key. ARGV: now, interval, burst, n.
# Returns {granted, next allowed epoch}.
GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local granted = math.floor((now + interval * burst - tat) / interval)
if granted > wanted then granted = wanted end
if granted < 0 then granted = 0 end
if granted > 0 then
  tat = tat + granted * interval
  redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1)
end
return {granted, tostring(tat + interval - interval * burst)}
"""


@dataclass(frozen=True)
class Grant:
    granted: int
    next_at: float  # when one more send would be allowed


class RateLimiter:
    def __init__(self, client: redis.Redis, keys: Keys, settings: Settings):
        self.keys = keys
        self.settings = settings
        self._gcra = client.register_script(GCRA)

    def take(self, platform: str, wanted: int, now: float, *, bucket: str = "") -> Grant:
        """``bucket``: a separate count at the same rate (reads use ``":read"``, so they never slow a publication)."""
        per_minute = float(self.settings.rate_limits.get(platform, defaults.RATE_LIMIT_PER_MINUTE))
        interval = 60.0 / per_minute
        burst = max(1, math.ceil(per_minute * BURST_SECONDS / 60))
        key = self.keys.gcra(account_key(self.settings, platform) + bucket)
        granted, next_at = self._gcra(keys=[key], args=[now, interval, burst, wanted])
        return Grant(int(granted), float(next_at))


def account_key(settings: Settings, platform: str) -> str:
    """One limit per account: the platform plus a digest of where and as whom it posts (never the secret)."""
    config = settings.platform(platform)
    if config is None:
        return platform
    public = {k: v for k, v in config.__dict__.items() if isinstance(v, str)}
    digest = hashlib.sha256(repr(sorted(public.items())).encode()).hexdigest()[:8]
    return f"{platform}:{digest}"
