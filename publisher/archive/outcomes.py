"""The archive of settled outcomes: one row per thing that became of a target, kept after post files change.

The Redis ledger stays the hot path for exactly-once; the archive copies each settled record out of it.

Idempotency key: ``(dry_run, target_id, state, attempts)``. A redelivered task, a replay or a catch-up finds the
row there and writes nothing. Why not the ledger's ``updated_at``: every annotation of a settled record moves it
(an edit noticed after publishing, a failed retract, an adapter's progress note), so a redelivery that only
re-reads a published target would archive it a second time. ``attempts`` is what separates two real outcomes of
the same target in the same state: a retry that fails again counts one more attempt. Two outcomes the key folds
into one: repeating the same attempt-less failure (``publisher publish`` of a platform still not configured) —
the first is kept, which is the one that tells the story. ``dry_run`` is in the key because a dry run's ledger
uses the same target ids in its own namespace.

States: the ledger's settled states, plus ``resolved`` — a person settled an ``unknown`` target with
``publisher resolve`` (the ledger then says ``published`` or ``failed`` with a "resolved by hand" note, and the
archived row keeps which in ``detail`` and ``remote_id``). ``scheduled`` and ``sending`` are not outcomes.

What catch-up can recover: the ledger keeps each target's *current* record only, so after the database was down
the latest settled outcome of every target is archived; an intermediate one overwritten meanwhile (a failed
attempt followed by a successful retry, both during the outage) is not in the ledger any more.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, Row, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from publisher.archive.cards import CardLookup, CardStore, render_cache_lookup
from publisher.archive.database import open_engine
from publisher.archive.tables import approvals, outcomes
from publisher.archive.writer import WriteBehind
from publisher.infra.settings import Settings
from publisher.publishing.ledger import Ledger, State, TargetRecord, utc_now

log = logging.getLogger("publisher.archive")

# publisher.operations.resolve_target writes this at the start of its reason (published) or error (not published).
RESOLVED_BY_HAND = "resolved by hand"
KEY_COLUMNS = ("dry_run", "target_id", "state", "attempts")


class ArchiveState(StrEnum):
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    RESOLVED = "resolved"
    RETRACTED = "retracted"
    SKIPPED = "skipped"
    MISSED = "missed"
    CANCELLED = "cancelled"


def archive_state(record: TargetRecord) -> ArchiveState | None:
    """The outcome a ledger record stands for, or ``None`` while it is still to happen (scheduled, sending)."""
    if record.state in (State.SCHEDULED, State.SENDING):
        return None
    note = record.reason if record.state == State.PUBLISHED else record.error
    if record.state in (State.PUBLISHED, State.FAILED) and (note or "").startswith(RESOLVED_BY_HAND):
        return ArchiveState.RESOLVED
    return ArchiveState(record.state)


def settled_at(record: TargetRecord) -> datetime:
    moment = {State.PUBLISHED: record.published_at, State.RETRACTED: record.retracted_at}.get(record.state)
    return moment or record.updated_at or record.created_at or utc_now()


ArchiveKey = tuple[bool, str, str, int]


def archive_key(record: TargetRecord, *, dry_run: bool) -> ArchiveKey | None:
    state = archive_state(record)
    return None if state is None else (dry_run, record.target_id, state.value, record.attempts)


@dataclass(frozen=True)
class ArchivedEvent:
    """One archived row with the name of the approver it went out under (``None``: no approval)."""

    target_id: str
    post_id: str
    occurrence: str
    platform: str
    state: str
    attempts: int
    dry_run: bool
    content_hash: str | None
    caption: str | None
    alt: str | None
    card_sha256: str | None
    remote_id: str | None
    permalink: str | None
    due_at: datetime | None
    sent_at: datetime | None
    settled_at: datetime
    detail: str | None
    approval_id: int | None
    approved_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> ArchivedEvent:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


class Archive:
    """The archive on one database, with its card store. Cheap to create once the engine exists."""

    def __init__(self, engine: Engine, cards: CardStore) -> None:
        self.engine = engine
        self.cards = cards

    @classmethod
    def from_settings(cls, settings: Settings) -> Archive:
        """The installation's archive; opening it the first time in a process migrates the schema."""
        return cls(open_engine(settings), CardStore.from_settings(settings))

    # --- writing --------------------------------------------------------------------------------------------

    def record(
        self, record: TargetRecord, *, dry_run: bool, card: bytes | None = None, approval_id: int | None = None
    ) -> bool:
        """Archive a settled ledger record (``card``: the bytes sent, when at hand). ``True`` when a row was
        written; ``False`` when it was archived already or is not settled. Raises SQLAlchemyError when the
        database cannot be reached (the ledger still holds it: :meth:`catch_up` writes it later)."""
        state = archive_state(record)
        if state is None:
            return False
        if card is not None:
            self._keep_card(record, card)
        with self.engine.begin() as connection:
            if approval_id is None and record.content_hash:
                approval_id = connection.execute(_approval_in_force(record)).scalar()
            values = _row_values(record, state, dry_run=dry_run, approval_id=approval_id)
            return self._insert_once(connection, values)

    def record_many(self, records: list[TargetRecord], *, dry_run: bool, cards: dict[str, bytes] | None = None) -> None:
        """:meth:`record` for a batch, in one transaction (the write-behind's call)."""
        settled = [(r, state) for r in records if (state := archive_state(r)) is not None]
        for record, _state in settled:
            card = (cards or {}).get(record.target_id)
            if card is not None:
                self._keep_card(record, card)
        with self.engine.begin() as connection:
            approved = _posts_with_approvals(connection, {r.post_id for r, _ in settled})
            rows = []
            for record, state in settled:
                approval_id = None
                if record.post_id in approved and record.content_hash:
                    approval_id = connection.execute(_approval_in_force(record)).scalar()
                rows.append(_row_values(record, state, dry_run=dry_run, approval_id=approval_id))
            self._insert_all_once(connection, rows)

    def _keep_card(self, record: TargetRecord, card: bytes) -> None:
        if record.image_sha256 and self.cards.has(record.image_sha256):
            return
        sha256 = self.cards.keep(card)
        if record.image_sha256 and sha256 != record.image_sha256:
            log.warning("target=%s the card handed to the archive is not the one sent (%s)", record.target_id, sha256)

    def _insert_once(self, connection: Any, values: dict[str, Any]) -> bool:
        dialect = self.engine.dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(outcomes)
            # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT ... RETURNING that did nothing.
            statement = insert.values(**values).on_conflict_do_nothing(index_elements=KEY_COLUMNS)
            return connection.execute(statement.returning(outcomes.c.id)).first() is not None
        try:  # another database: the unique constraint still refuses the second row
            with connection.begin_nested():
                connection.execute(outcomes.insert().values(**values))
            return True
        except IntegrityError:
            return False

    def _insert_all_once(self, connection: Any, rows: list[dict[str, Any]]) -> None:
        """Several rows in one statement where the dialect can skip the ones archived already."""
        dialect = self.engine.dialect.name
        if not rows:
            return
        if dialect not in ("sqlite", "postgresql"):
            for values in rows:
                self._insert_once(connection, values)
            return
        # executemany of one statement: compiled once (a multi-row VALUES would compile anew for each batch size).
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(outcomes)
        connection.execute(insert.on_conflict_do_nothing(index_elements=KEY_COLUMNS), rows)

    def catch_up(self, ledger: Ledger, *, cards: CardLookup | None = None) -> int:
        """Archive every settled record of ``ledger`` not archived yet; returns how many rows were written.
        ``cards`` finds card bytes by SHA-256 for rows whose card is not kept yet."""
        written = 0
        for record in self.missing(ledger):
            card = None
            sha256 = record.image_sha256
            if sha256 and cards is not None and not self.cards.has(sha256):
                card = cards(sha256)
            written += self.record(record, dry_run=ledger.dry_run, card=card)
        return written

    # --- reading --------------------------------------------------------------------------------------------

    def missing(self, ledger: Ledger) -> list[TargetRecord]:
        """The settled records of ``ledger`` that have no row yet."""
        settled = [(archive_key(r, dry_run=ledger.dry_run), r) for r in ledger.all()]
        if not settled:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(outcomes.c.target_id, outcomes.c.state, outcomes.c.attempts).where(
                    outcomes.c.dry_run == ledger.dry_run
                )
            )
            archived = {(ledger.dry_run, row.target_id, row.state, row.attempts) for row in rows}
        return [record for key, record in settled if key is not None and key not in archived]

    def lag(self, ledger: Ledger) -> int:
        """How many settled ledger records are not archived yet (``status`` shows it; 0 is the normal)."""
        return len(self.missing(ledger))

    def events(
        self, since: datetime | None = None, until: datetime | None = None, post: str | None = None
    ) -> list[ArchivedEvent]:
        """Archived outcomes in time order (``since`` inclusive, ``until`` exclusive), with their approver."""
        query = (
            select(*outcomes.c, approvals.c.approver.label("approved_by"))
            .outerjoin(approvals, approvals.c.id == outcomes.c.approval_id)
            .order_by(outcomes.c.settled_at, outcomes.c.id)
        )
        if since is not None:
            query = query.where(outcomes.c.settled_at >= since)
        if until is not None:
            query = query.where(outcomes.c.settled_at < until)
        if post is not None:
            query = query.where(outcomes.c.post_id == post)
        with self.engine.connect() as connection:
            return [ArchivedEvent.from_row(row) for row in connection.execute(query)]


def _posts_with_approvals(connection: Any, post_ids: set[str]) -> set[str]:
    if not post_ids:
        return set()
    query = select(approvals.c.post_id).where(approvals.c.post_id.in_(sorted(post_ids))).distinct()
    return {row.post_id for row in connection.execute(query)}


def _approval_in_force(record: TargetRecord) -> Any:
    """The approval of this exact content that was in force when the target was sent (or settled)."""
    moment = record.sent_at or settled_at(record)
    return (
        select(approvals.c.id)
        .where(
            approvals.c.post_id == record.post_id,
            approvals.c.content_hash == record.content_hash,
            approvals.c.approved_at <= moment,
            or_(approvals.c.revoked_at.is_(None), approvals.c.revoked_at > moment),
        )
        .order_by(approvals.c.approved_at.desc(), approvals.c.id.desc())
        .limit(1)
    )


def _row_values(record: TargetRecord, state: ArchiveState, *, dry_run: bool, approval_id: int | None) -> dict:
    return {
        "target_id": record.target_id,
        "post_id": record.post_id,
        "occurrence": record.occurrence,
        "platform": record.platform,
        "state": state.value,
        "attempts": record.attempts,
        "dry_run": dry_run,
        "content_hash": record.content_hash,
        "caption": record.caption,
        "alt": record.alt,
        "card_sha256": record.image_sha256,
        "remote_id": record.remote_id,
        "permalink": record.permalink,
        "due_at": record.due_at,
        "sent_at": record.sent_at,
        "settled_at": settled_at(record),
        "archived_at": utc_now(),
        "approval_id": approval_id,
        "detail": _detail(record),
    }


def _detail(record: TargetRecord) -> str | None:
    """Why: the failure for failed and unknown targets, else the reason (a resolution, a skip, a retract)."""
    if record.state in (State.FAILED, State.UNKNOWN):
        return record.error or record.reason
    return record.reason or record.error


# --- the integration calls (one each) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    """A target the publish step settled, handed to the write-behind."""

    settings: Settings
    ledger: Ledger
    target_id: str
    card: bytes | None


_write_behind: dict[int, WriteBehind[Settled]] = {}  # by process id: the thread does not survive a fork


def use_write_behind() -> None:
    """From now on this process archives through a write-behind thread (a worker process; see
    :mod:`publisher.archive.writer`). A one-shot command (``publisher publish``) writes inline instead."""
    if os.getpid() not in _write_behind:
        _write_behind.clear()
        _write_behind[os.getpid()] = WriteBehind(_write_batch)


def flush_write_behind(timeout: float = 10.0) -> bool:
    """Wait for this process's write-behind to write what it was handed (a worker shutting down, a test)."""
    writer = _write_behind.get(os.getpid())
    return writer.flush(timeout) if writer is not None else True


def stop_write_behind(timeout: float = 10.0) -> bool:
    """Write what is queued, then archive inline again (tests; the thread is left idle, it holds nothing)."""
    flushed = flush_write_behind(timeout)
    _write_behind.pop(os.getpid(), None)
    return flushed


def _write_batch(batch: list[Settled]) -> None:
    groups: dict[tuple[int, str], list[Settled]] = defaultdict(list)
    for item in batch:
        groups[(id(item.settings), item.ledger.namespace)].append(item)
    for items in groups.values():
        first = items[0]
        try:
            records = first.ledger.get_many(item.target_id for item in items)
            cards = {item.target_id: item.card for item in items if item.card is not None}
            Archive.from_settings(first.settings).record_many(records, dry_run=first.ledger.dry_run, cards=cards)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("%d target(s) not archived yet (%s: %s); they will be caught up", len(items), *_why(exc))


def _why(exc: BaseException) -> tuple[str, BaseException]:
    return type(exc).__name__, exc


def archive_settled(settings: Settings, ledger: Ledger, target_id: str, *, card: bytes | None = None) -> bool:
    """After the publish step settled ``target_id``: archive it (in a worker: hand it to the write-behind). Never
    raises for the database — publishing goes on when it is down, and :func:`catch_up_all` writes the row later.
    ``True`` when a row was written now."""
    writer = _write_behind.get(os.getpid())
    if writer is not None:
        writer.submit(Settled(settings, ledger, target_id, card))
        return False
    record = ledger.get(target_id)
    if record is None or archive_state(record) is None:
        return False  # still to happen (a target waiting for its approval): nothing to archive, no database
    try:
        return Archive.from_settings(settings).record(record, dry_run=ledger.dry_run, card=card)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("target=%s not archived yet (%s: %s); it will be caught up", target_id, type(exc).__name__, exc)
        return False


def catch_up_all(settings: Settings, ledger: Ledger) -> int:
    """Archive what the ledger settled while the archive was unreachable, real and dry-run namespaces both.
    Never raises for the database; returns the rows written (0 when it is still down)."""
    lookup = render_cache_lookup([settings.state_dir / "cards", *([settings.media_dir] if settings.media_dir else [])])
    written = 0
    try:
        archive = Archive.from_settings(settings)
        for namespace in (ledger, ledger.for_dry_run()) if not ledger.dry_run else (ledger,):
            written += archive.catch_up(namespace, cards=lookup)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("archive catch-up postponed (%s: %s)", type(exc).__name__, exc)
    return written


def archive_lag(settings: Settings, ledger: Ledger) -> int | None:
    """For ``status``: settled ledger records (real runs) not archived yet; ``None`` when the archive is down."""
    try:
        return Archive.from_settings(settings).lag(ledger)
    except (SQLAlchemyError, OSError):
        return None
