"""The idempotency ledger: one Redis hash per target, so a post is published to a platform at most once.

A target is one publication of one post on one platform, named ``post-id/platform/occurrence``
(:func:`publisher.publishing.targets.target_id`). Its record holds the state, the content hash it was (or is being)
sent with, the attempts, the platform's remote id and permalink, the last error and the times.

State machine (``absent`` = no record yet)::

    absent ─┬─► scheduled ──┬──► sending ──┬──► published ──► retracted
            │               │      ▲       ├──► failed ── retryable ─┐ (back to sending)
            │               │      └───────┼────────────────────────┘
            │               │              └──► unknown  (needs a person: `publisher resolve` → published
            │               │                                 or failed-retryable; a late definite answer too)
            │               ├──► skipped    (past its deadline, blackout, ...)
            │               ├──► missed     (not sent within the grace period)
            │               └──► cancelled  (removed from the post, post deleted, ...)
            └─► sending / failed / skipped (a manual `publisher publish`, or a platform that is not configured)

Rules the publish step relies on:

* Every move is a compare-and-set done by one Lua script (:meth:`Ledger.transition`): it names the states it may
  start from and does nothing (returns ``False``) when the record is in any other state, so two workers can never
  both move the same target.
* :meth:`Ledger.begin_send` is the only way into ``sending`` and counts the attempt in the same step. It starts
  from ``absent``, ``scheduled`` or a *retryable* ``failed`` (rate limit, transient error); a final failure
  (auth, invalid content) needs ``manual=True`` (a person ran ``publisher publish`` after fixing the cause), as
  does ``missed``. It never starts from ``published``, ``sending``, ``unknown``, ``skipped``, ``cancelled`` or
  ``retracted``.
* ``published`` is final for sending: a post edited after publishing is reported, never re-sent (a correction is a
  new post with ``supersedes``).
* ``sending`` found by anyone but the sender means a crash or a redelivery (or, for a person's ``publisher
  publish``, possibly a worker's send in progress): the request may have reached the platform, so it is
  reconciled with the platform or moved to ``unknown`` — never blindly sent again.
* Other fields: ``reason`` (why skipped/missed/cancelled/retracted), ``edited_content_hash`` (edited after
  publishing), ``caption``/``alt``/``image_sha256``/``image_bytes`` (what was sent), ``dry_run_requests`` (a dry
  run's would-be requests, masked), ``progress.*`` (an adapter's mid-send evidence, :meth:`Ledger.note_progress`).

Keys, under the namespace: ``{ns}:target:{target_id}`` (hash), ``{ns}:targets`` (set of every target id),
``{ns}:post:{post_id}`` (set of the post's target ids).

Dry runs use their own namespace (``<namespace>-dry-run``, :meth:`Ledger.for_dry_run`), so what a dry run
"publishes" never stops the real run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import redis

from publisher.i18n import N_
from publisher.i18n.labels import register
from publisher.infra.redis import connect
from publisher.publishing.targets import parse_target_id


class State(StrEnum):
    """A target's state, as written in its record (the diagram above)."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    MISSED = "missed"
    CANCELLED = "cancelled"
    RETRACTED = "retracted"


# The words a person reads for each state (docs/glossary.md); translated where they are shown.
register(
    {
        State.SCHEDULED: N_("scheduled"),
        State.SENDING: N_("sending"),
        State.PUBLISHED: N_("published"),
        State.FAILED: N_("failed"),
        State.UNKNOWN: N_("unknown"),
        State.SKIPPED: N_("skipped"),
        State.MISSED: N_("missed"),
        State.CANCELLED: N_("cancelled"),
        State.RETRACTED: N_("retracted"),
    }
)


class PseudoState(StrEnum):
    """What :meth:`Ledger.transition` may also start from; never written as a record's state."""

    ABSENT = "absent"  # no record yet
    FAILED_RETRYABLE = "failed:retryable"  # failed, and the failure may be retried (``retryable`` is set)


From = State | PseudoState  # a state a move may start from

# Named groups of states, each written once.
PRE_SEND = (PseudoState.ABSENT, State.SCHEDULED, State.FAILED, State.MISSED)  # nothing sent yet; a person may send
AUTO_SEND = (PseudoState.ABSENT, State.SCHEDULED, PseudoState.FAILED_RETRYABLE)  # the worker may (re)send from these
PENDING = (State.SCHEDULED, State.FAILED, State.MISSED)  # has a record, never published: retract just cancels it
IN_DOUBT = (State.SENDING, State.UNKNOWN)  # a definite answer (a late one, or a person's) settles these
SETTLED_UNSENT = (State.RETRACTED, State.SKIPPED, State.CANCELLED)  # final, and never to be sent

DRY_RUN_SUFFIX = "-dry-run"
PROGRESS_PREFIX = "progress."  # hash fields holding an adapter's mid-send evidence (``Outgoing.progress``)

# One script for every move, so the check of the current state and the write are one atomic step in Redis.
_TRANSITION = """
local current = redis.call('HGET', KEYS[1], 'state') or 'absent'
local allowed = false
for state in string.gmatch(ARGV[1], '[^,]+') do
  if state == current then
    allowed = true
  elseif state == 'failed:retryable' and current == 'failed'
      and redis.call('HGET', KEYS[1], 'retryable') == '1' then
    allowed = true
  end
end
if not allowed then
  return 0
end
if current == 'absent' then
  redis.call('HSET', KEYS[1], 'target_id', ARGV[5], 'created_at', ARGV[3], 'attempts', 0)
end
for name, value in pairs(cjson.decode(ARGV[6])) do
  redis.call('HSET', KEYS[1], name, value)
end
for _, name in ipairs(cjson.decode(ARGV[7])) do
  redis.call('HDEL', KEYS[1], name)
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updated_at', ARGV[3])
if ARGV[4] == '1' then
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[5])
return 1
"""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TargetRecord:
    """One ledger entry as read back; times are aware UTC datetimes, absent fields are ``None``."""

    target_id: str
    state: State
    post_id: str = ""
    platform: str = ""
    occurrence: str = ""
    content_hash: str | None = None
    attempts: int = 0
    remote_id: str | None = None
    permalink: str | None = None
    outcome: str | None = None  # the adapter's last Outcome value
    error: str | None = None  # the last failure, for people
    retryable: bool = False
    retry_after: float | None = None
    reason: str | None = None  # why skipped / missed / cancelled / retracted, or a note such as an edit
    edited_content_hash: str | None = None  # the post changed after publishing (reported, not re-sent)
    caption: str | None = None  # what was (or, in a dry run, would have been) sent
    alt: str | None = None
    image_sha256: str | None = None
    image_bytes: int | None = None
    dry_run_requests: str | None = None  # JSON: the requests a dry run would have made (secrets masked)
    due_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None
    published_at: datetime | None = None
    retracted_at: datetime | None = None
    progress: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_redis(cls, raw: Mapping[bytes | str, bytes | str]) -> TargetRecord:
        values: dict[str, Any] = {"progress": {}}
        for key, value in raw.items():  # bytes, or str from a decode_responses client
            name, text = _text(key), _text(value)
            parse = _FIELD_PARSERS.get(name)
            if parse is not None:
                values[name] = parse(text)
            elif name.startswith(PROGRESS_PREFIX):
                values["progress"][name.removeprefix(PROGRESS_PREFIX)] = text
            # else: a field written by a newer version: ignore rather than fail
        return cls(**values)

    @property
    def is_published(self) -> bool:
        return self.state == State.PUBLISHED


def _field_parser(name: str, kind: str) -> Callable[[str], Any]:
    if name == "state":
        return State
    if name.endswith("_at"):
        return datetime.fromisoformat
    if kind.startswith("int"):
        return int
    if kind.startswith("float"):
        return float
    if kind == "bool":
        return _flag
    return str


def _flag(text: str) -> bool:
    return text == "1"


# How each stored field is read back, worked out once from the record's fields (the ledger's hot path reads many).
_FIELD_PARSERS: dict[str, Callable[[str], Any]] = {
    f.name: _field_parser(f.name, str(f.type)) for f in fields(TargetRecord) if f.name != "progress"
}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


class Ledger:
    """The ledger of one namespace on one Redis server. Cheap to create; holds no state besides the connection."""

    def __init__(self, client: redis.Redis, namespace: str = "publisher") -> None:
        self.redis = client
        self.namespace = namespace
        self._transition = client.register_script(_TRANSITION)

    @classmethod
    def from_settings(cls, settings: Any, *, dry_run: bool = False) -> Ledger:
        """The installation's ledger (``settings.namespace``); its dry-run twin when ``dry_run``."""
        ledger = cls(connect(settings), settings.namespace)
        return ledger.for_dry_run() if dry_run else ledger

    @property
    def dry_run(self) -> bool:
        return self.namespace.endswith(DRY_RUN_SUFFIX)

    def for_dry_run(self) -> Ledger:
        """The ledger a dry run writes to: same server, its own namespace, so real targets stay unpublished."""
        return self if self.dry_run else Ledger(self.redis, self.namespace + DRY_RUN_SUFFIX)

    # --- keys -----------------------------------------------------------------------------------------------

    def _key(self, target_id: str) -> str:
        return f"{self.namespace}:target:{target_id}"

    def _index_key(self) -> str:
        return f"{self.namespace}:targets"

    def _post_key(self, post_id: str) -> str:
        return f"{self.namespace}:post:{post_id}"

    # --- moves ----------------------------------------------------------------------------------------------

    def transition(
        self,
        target_id: str,
        from_states: Iterable[From],
        to_state: State,
        *,
        count_attempt: bool = False,
        clear: Iterable[str] = (),
        **values: object,
    ) -> bool:
        """Move ``target_id`` to ``to_state`` if it is now in one of ``from_states``; ``True`` when it moved.

        ``from_states`` may include :class:`PseudoState` members. ``values`` are written with the move (``None``
        values are skipped); ``clear`` names fields to remove (a previous error).
        """
        if to_state not in set(State):
            raise ValueError(f"unknown ledger state {to_state!r}")
        post_id, platform, occurrence = parse_target_id(target_id)
        now = utc_now()
        written = {name: _encode(value) for name, value in values.items() if value is not None}
        if PseudoState.ABSENT in from_states:
            written.update(post_id=post_id, platform=platform, occurrence=occurrence)
        moved = self._transition(
            keys=[self._key(target_id), self._index_key(), self._post_key(post_id)],
            args=[
                ",".join(from_states),
                to_state,
                _encode(now),
                "1" if count_attempt else "0",
                target_id,
                json.dumps(written),
                json.dumps(list(clear)),
            ],
        )
        return bool(moved)

    def begin_send(self, target_id: str, content_hash: str, *, manual: bool = False, **values: object) -> bool:
        """Claim ``target_id`` for one send attempt (→ ``sending``, attempts + 1). ``False``: not ours to send."""
        allowed: list[From] = [*AUTO_SEND, State.FAILED, State.MISSED] if manual else list(AUTO_SEND)
        return self.transition(
            target_id,
            allowed,
            State.SENDING,
            count_attempt=True,
            clear=("error", "outcome", "retry_after", "retryable", "reason"),
            content_hash=content_hash,
            sent_at=utc_now(),
            **values,
        )

    def schedule(self, target_id: str, content_hash: str, due_at: datetime) -> bool:
        """Record a target as ``scheduled`` unless it already has a record."""
        return self.transition(
            target_id, [PseudoState.ABSENT], State.SCHEDULED, content_hash=content_hash, due_at=due_at
        )

    # --- reads ----------------------------------------------------------------------------------------------

    def get(self, target_id: str) -> TargetRecord | None:
        raw = self.redis.hgetall(self._key(target_id))
        return TargetRecord.from_redis(raw) if raw else None

    def _read(self, target_ids: Iterable[bytes | str]) -> list[TargetRecord]:
        ids = sorted(_text(t) for t in target_ids)
        pipe = self.redis.pipeline(transaction=False)
        for target_id in ids:
            pipe.hgetall(self._key(target_id))
        return [TargetRecord.from_redis(raw) for raw in pipe.execute() if raw]

    def get_many(self, target_ids: Iterable[str]) -> list[TargetRecord]:
        """The records of these targets (one round trip), ordered by target id; unknown ids are left out."""
        return self._read(target_ids)

    def all(self) -> list[TargetRecord]:
        """Every target of this namespace, ordered by target id."""
        return self._read(self.redis.smembers(self._index_key()))

    def for_post(self, post_id: str) -> list[TargetRecord]:
        return self._read(self.redis.smembers(self._post_key(post_id)))

    def purge(self) -> int:
        """Delete this namespace's ledger keys (tests; clearing a dry run's record). The scheduler's keys, which
        share the namespace, are left alone. Returns how many keys were deleted."""
        keys = [self._index_key()]
        for pattern in (self._key("*"), self._post_key("*")):
            keys.extend(self.redis.scan_iter(match=pattern, count=500))
        return self.redis.delete(*keys)

    def note_progress(self, target_id: str, key: str, value: str) -> bool:
        """Keep evidence an adapter reports mid-send (a container id) so a later ``reconcile`` can use it."""
        values: dict[str, Any] = {PROGRESS_PREFIX + key: value}
        return self.transition(target_id, [State.SENDING], State.SENDING, **values)
