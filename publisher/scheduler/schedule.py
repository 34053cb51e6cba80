"""The schedule: due targets in a sorted set, claimed atomically into leases by Lua scripts.

A target lives in exactly one of two sorted sets while it is pending: ``due`` (score = when it may be tried) or
``leased`` (score = when the lease runs out). Every move between them is one Lua script, so two dispatchers, two
beats or a dispatcher racing the sweeper can never both own a target.

Lease numbers, all derived from the one visibility timeout (``settings.visibility_timeout``):

* lock   = task_time_limit + 5 s: the running task's own lock; outlives the hard time limit so a killed child's
           lock cannot expire while it still runs.
* lease  = visibility_timeout + task_time_limit: a claimed target whose task has not finished by then is returned
           to ``due`` by the sweeper. Kombu redelivers a lost unacked message after the visibility timeout, so the
           sweeper is the net for messages that are gone altogether (broker restart, purge).

Keys built inside the scripts from ids (``running:{id}``) assume a single Redis server, not a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

import redis

from publisher.infra.settings import Settings
from publisher.publishing.targets import parse_target_id
from publisher.scheduler.keys import Keys

CLAIM_BATCH = 1000  # ids per script call; Lua's unpack() has a stack limit of a few thousand values

# KEYS: due, leased. ARGV: now, lease_until, limit. Returns the claimed ids.
CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then return ids end
redis.call('ZREM', KEYS[1], unpack(ids))
local pairs_ = {}
for i, id in ipairs(ids) do
  pairs_[2 * i - 1] = ARGV[2]
  pairs_[2 * i] = id
end
redis.call('ZADD', KEYS[2], unpack(pairs_))
return ids
"""

# KEYS: leased, running lock, target hash, the platform's block, scheduled posts.
# ARGV: id, lease_until, lock_seconds, token, post id.
# Returns 'not-leased' / 'busy', or {the target hash with attempts counted, blocked-until or false, whether the
# post is still scheduled}: one round trip for everything a task needs to know before publishing.
START = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'not-leased' end
if not redis.call('SET', KEYS[2], ARGV[4], 'NX', 'EX', tonumber(ARGV[3])) then return 'busy' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('HINCRBY', KEYS[3], 'attempts', 1) end
return {redis.call('HGETALL', KEYS[3]), redis.call('GET', KEYS[4]), redis.call('HEXISTS', KEYS[5], ARGV[5])}
"""

# KEYS: due, leased, running lock. ARGV: id, token ('' = none), mode ('finish' | 'due' | 'hold'), score.
# finish: the target is settled, forget the lease; due: back into the schedule at score; hold: keep the lease
# until score (a short retry is on its way in the broker).
RELEASE = """
if ARGV[2] ~= '' and redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
if ARGV[3] == 'hold' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  return 1
end
local was_leased = redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] == 'due' then redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1]) end
return was_leased
"""

# KEYS: due, leased. ARGV: now, key prefix, limit. Expired leases go back to due unless their task still holds
# its lock (then the lease is extended to the lock's end). Returns the ids sent back.
SWEEP = """
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local returned = {}
for _, id in ipairs(ids) do
  local ttl = redis.call('PTTL', ARGV[2] .. 'running:' .. id)
  if ttl > 0 then
    redis.call('ZADD', KEYS[2], now + ttl / 1000 + 1, id)
  else
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZADD', KEYS[1], now, id)
    returned[#returned + 1] = id
  end
end
return returned
"""

# KEYS: due, leased, target hash. ARGV: id, score, field, value, ... Schedules or moves a target that is not
# in flight (leased); returns 0 and changes nothing when it is.
PUT = """
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], unpack(ARGV, 3))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""

# KEYS: due, leased, target hash. ARGV: id. Unschedules a target that is not in flight.
REMOVE = """
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
"""


@dataclass(frozen=True)
class TargetMeta:
    """What the schedule knows about a target (the ledger knows what happened to it)."""

    target_id: str
    post_id: str
    platform: str
    occurrence: str
    due: float
    deadline: float | None
    content_hash: str
    attempts: int
    note: str

    @classmethod
    def from_hash(cls, target_id: str, raw: dict[bytes, bytes]) -> TargetMeta | None:
        if not raw:
            return None
        data = {k.decode(): v.decode() for k, v in raw.items()}
        return cls(
            target_id=target_id,
            post_id=data.get("post", ""),
            platform=data.get("platform", ""),
            occurrence=data.get("occurrence", ""),
            due=float(data.get("due", 0)),
            deadline=float(data["deadline"]) if data.get("deadline") else None,
            content_hash=data.get("hash", ""),
            attempts=int(data.get("attempts", 0)),
            note=data.get("note", ""),
        )


class NotStarted(StrEnum):
    """Why :meth:`Schedule.start` did not hand the target over."""

    NOT_LEASED = "not-leased"  # no lease: already settled, or unscheduled meanwhile
    BUSY = "busy"  # another delivery of this target holds its running lock right now


@dataclass(frozen=True)
class Started:
    """A task holds the target: what the schedule knows of it (None when it was unscheduled meanwhile)."""

    meta: TargetMeta | None
    blocked_until: float | None
    post_scheduled: bool  # False: the post was removed, set to draft or superseded since

    @property
    def attempt(self) -> int:
        return self.meta.attempts if self.meta else 1


class Schedule:
    def __init__(self, client: redis.Redis, namespace: str, *, visibility_timeout: int, task_time_limit: int):
        self.redis = client
        self.keys = Keys(namespace)
        self.lock_seconds = task_time_limit + 5
        self.lease_seconds = visibility_timeout + task_time_limit
        self._claim = client.register_script(CLAIM)
        self._start = client.register_script(START)
        self._release = client.register_script(RELEASE)
        self._sweep = client.register_script(SWEEP)
        self._put = client.register_script(PUT)
        self._remove = client.register_script(REMOVE)

    @classmethod
    def from_settings(cls, client: redis.Redis, settings: Settings) -> Schedule:
        return cls(
            client,
            settings.namespace,
            visibility_timeout=settings.visibility_timeout,
            task_time_limit=settings.task_time_limit,
        )

    # --- sync's side ----------------------------------------------------------------------------------------

    def put(self, target_id: str, *, due: float, fields: dict[str, str | float | int]) -> bool:
        """Schedule (or re-time) a target; False when it is in flight and was left alone."""
        flat: list[str | float | int] = []
        for name, value in {**fields, "due": due, "attempts": 0}.items():
            flat += [name, value]
        keys = [self.keys.due, self.keys.leased, self.keys.target(target_id)]
        return bool(self._put(keys=keys, args=[target_id, due, *flat]))

    def remove(self, target_id: str) -> bool:
        keys = [self.keys.due, self.keys.leased, self.keys.target(target_id)]
        return bool(self._remove(keys=keys, args=[target_id]))

    # --- the dispatcher's side ------------------------------------------------------------------------------

    def claim(self, now: float, *, limit: int = 10_000) -> list[str]:
        """Move every target due by ``now`` (up to ``limit``) into a lease; each id is returned to one caller only."""
        claimed: list[str] = []
        while len(claimed) < limit:
            batch = min(CLAIM_BATCH, limit - len(claimed))
            ids = self._claim(keys=[self.keys.due, self.keys.leased], args=[now, now + self.lease_seconds, batch])
            claimed += [i.decode() for i in ids]
            if len(ids) < batch:
                break
        return claimed

    def sweep(self, now: float, *, limit: int = 1000) -> list[str]:
        ids = self._sweep(keys=[self.keys.due, self.keys.leased], args=[now, self.keys.prefix, limit])
        return [i.decode() for i in ids]

    # --- the task's side ------------------------------------------------------------------------------------

    def start(self, target_id: str, token: str, now: float) -> Started | NotStarted:
        """Take the target's running lock (counting the attempt), or say why not."""
        post_id, platform, _ = parse_target_id(target_id)
        keys = [
            *(self.keys.leased, self.keys.running(target_id), self.keys.target(target_id)),
            *(self.keys.blocked(platform), self.keys.posts),
        ]
        answer = self._start(keys=keys, args=[target_id, now + self.lease_seconds, self.lock_seconds, token, post_id])
        if isinstance(answer, bytes):
            return NotStarted(answer.decode())
        flat, blocked, post_scheduled = answer
        meta = TargetMeta.from_hash(target_id, dict(zip(flat[::2], flat[1::2], strict=True)))
        return Started(meta, float(blocked) if blocked else None, bool(post_scheduled))

    def finish(self, target_id: str, token: str = "") -> None:
        self._release_as(target_id, token, "finish", 0)

    def reschedule(self, target_id: str, at: float, token: str = "") -> None:
        """Back into the schedule, to be claimed again at ``at``."""
        self._release_as(target_id, token, "due", at)

    def hold(self, target_id: str, until: float, token: str = "") -> None:
        """Keep the lease (a retry message is on its way) until ``until`` plus the usual lease."""
        self._release_as(target_id, token, "hold", until + self.lease_seconds)

    def _release_as(self, target_id: str, token: str, mode: str, score: float) -> None:
        keys = [self.keys.due, self.keys.leased, self.keys.running(target_id)]
        self._release(keys=keys, args=[target_id, token, mode, score])

    # --- reading --------------------------------------------------------------------------------------------

    def meta(self, target_ids: Iterable[str]) -> dict[str, TargetMeta]:
        ids = list(target_ids)
        pipe = self.redis.pipeline(transaction=False)
        for target_id in ids:
            pipe.hgetall(self.keys.target(target_id))
        found = {}
        for target_id, raw in zip(ids, pipe.execute(), strict=True):
            meta = TargetMeta.from_hash(target_id, raw)
            if meta is not None:
                found[target_id] = meta
        return found

    def note(self, target_id: str, text: str) -> None:
        self.redis.hset(self.keys.target(target_id), "note", text)

    def due_ids(self) -> dict[str, float]:
        return self._scored(self.keys.due)

    def leased_ids(self) -> dict[str, float]:
        return self._scored(self.keys.leased)

    def _scored(self, key: str) -> dict[str, float]:
        rows = cast(list[tuple[bytes, float]], self.redis.zrange(key, 0, -1, withscores=True))
        return {member.decode(): score for member, score in rows}

    # --- pause and platform blocks --------------------------------------------------------------------------

    def pause(self) -> None:
        self.redis.set(self.keys.paused, "1")

    def resume(self) -> None:
        self.redis.delete(self.keys.paused)

    @property
    def paused(self) -> bool:
        return bool(self.redis.exists(self.keys.paused))

    def block(self, platform: str, until: float, now: float) -> None:
        """The platform said "wait": nothing for it is claimed before ``until`` (keeps the later of two blocks)."""
        key = self.keys.blocked(platform)
        current = self.redis.get(key)
        if current is None or float(current) < until:
            self.redis.set(key, until, ex=max(1, int(until - now) + 1))

    def blocked_until(self, platforms: Iterable[str]) -> dict[str, float]:
        names = list(platforms)
        values = self.redis.mget([self.keys.blocked(p) for p in names]) if names else []
        return {p: float(v) for p, v in zip(names, values, strict=True) if v is not None}
