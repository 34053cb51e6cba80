"""The archive of settled outcomes, on SQLite and on the real PostgreSQL server (every test runs on both)."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command as alembic_command
from pydantic import SecretStr
from sqlalchemy import func, inspect, select, text

from publisher.archive import approvals
from publisher.archive.cards import CardStore, render_cache_lookup
from publisher.archive.database import alembic_config, create_archive_engine, current_revision, migrate, open_engine
from publisher.archive.outcomes import Archive, ArchiveState, archive_lag, archive_settled, catch_up_all
from publisher.archive.tables import outcomes
from publisher.infra.settings import Settings
from publisher.posts.lookup import load_post_by_id
from publisher.publishing.ledger import Ledger, State, utc_now
from publisher.publishing.verbs import resolve_target

pytestmark = pytest.mark.redis

CARD = b"\x89PNG\r\n\x1a\n a card"


def publish(ledger: Ledger, target: str, *, card: bytes = CARD, remote_id: str = "42") -> None:
    ledger.begin_send(target, "c0ffee", caption="Layanan paspor", image_sha256=hashlib.sha256(card).hexdigest())
    ledger.transition(
        target, [State.SENDING], State.PUBLISHED, remote_id=remote_id, permalink=f"https://t.me/x/{remote_id}"
    )


def fail(ledger: Ledger, target: str, *, retryable: bool = True) -> None:
    ledger.begin_send(target, "c0ffee", caption="Layanan paspor")
    ledger.transition(target, [State.SENDING], State.FAILED, error="HTTP 503", outcome="transient", retryable=retryable)


def rows(archive: Archive) -> int:
    with archive.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(outcomes)).scalar_one()


def test_record_is_idempotent_and_keeps_the_card(archive_settings: Settings, archive_ledger: Ledger) -> None:
    publish(archive_ledger, "paspor/telegram/main")
    archive = Archive.from_settings(archive_settings)
    record = archive_ledger.get("paspor/telegram/main")
    assert record is not None
    assert archive.record(record, dry_run=False, card=CARD) is True
    # A redelivered task, a replay, a catch-up: the same outcome again writes nothing.
    assert archive.record(record, dry_run=False, card=CARD) is False
    assert archive.catch_up(archive_ledger) == 0
    assert rows(archive) == 1
    sha256 = hashlib.sha256(CARD).hexdigest()
    kept = Path(archive_settings.state_dir) / "archive" / "cards" / sha256[:2] / sha256[2:]
    assert kept.read_bytes() == CARD
    (event,) = archive.events()
    assert (event.state, event.remote_id, event.caption) == ("published", "42", "Layanan paspor")
    assert event.card_sha256 == sha256
    assert event.settled_at.tzinfo is not None and event.dry_run is False


def test_an_annotation_of_a_settled_record_is_not_a_new_outcome(
    archive_settings: Settings, archive_ledger: Ledger
) -> None:
    target = "paspor/telegram/main"
    publish(archive_ledger, target)
    assert archive_settled(archive_settings, archive_ledger, target, card=CARD)
    # The publish step notes an edit made after publishing: updated_at moves, the outcome does not.
    archive_ledger.transition(target, [State.PUBLISHED], State.PUBLISHED, edited_content_hash="beef")
    assert not archive_settled(archive_settings, archive_ledger, target)
    assert rows(Archive.from_settings(archive_settings)) == 1


def test_each_attempt_and_each_later_state_is_its_own_row(archive_settings: Settings, archive_ledger: Ledger) -> None:
    target = "paspor/telegram/main"
    archive = Archive.from_settings(archive_settings)
    fail(archive_ledger, target)
    assert archive_settled(archive_settings, archive_ledger, target)
    fail(archive_ledger, target)  # the retry fails again: attempt 2
    assert archive_settled(archive_settings, archive_ledger, target)
    publish(archive_ledger, target)  # attempt 3
    assert archive_settled(archive_settings, archive_ledger, target)
    archive_ledger.transition(target, [State.PUBLISHED], "retracted", retracted_at=utc_now(), reason="deleted")
    assert archive_settled(archive_settings, archive_ledger, target)
    assert [(e.state, e.attempts) for e in archive.events()] == [
        ("failed", 1),
        ("failed", 2),
        ("published", 3),
        ("retracted", 3),
    ]
    assert archive.events()[0].detail == "HTTP 503"


def test_resolved_by_hand_is_archived_as_resolved(archive_settings: Settings, archive_ledger: Ledger) -> None:
    target = "paspor/facebook/main"
    archive_ledger.begin_send(target, "c0ffee", caption="Layanan paspor")
    archive_ledger.transition(target, [State.SENDING], "unknown", error="the answer was lost")
    assert archive_settled(archive_settings, archive_ledger, target)
    assert resolve_target(target, ledger=archive_ledger, published=True, permalink="https://fb.com/p/9")
    assert archive_settled(archive_settings, archive_ledger, target)
    events = Archive.from_settings(archive_settings).events()
    assert [e.state for e in events] == [ArchiveState.UNKNOWN, ArchiveState.RESOLVED]
    assert events[1].permalink == "https://fb.com/p/9" and events[1].detail.startswith("resolved by hand: published")


def test_unsettled_records_are_not_archived(archive_settings: Settings, archive_ledger: Ledger) -> None:
    archive_ledger.schedule("paspor/telegram/main", "c0ffee", utc_now() + timedelta(hours=1))
    archive_ledger.begin_send("paspor/facebook/main", "c0ffee")
    archive = Archive.from_settings(archive_settings)
    assert archive.lag(archive_ledger) == 0
    assert archive.catch_up(archive_ledger) == 0
    assert not archive_settled(archive_settings, archive_ledger, "paspor/facebook/main")


def test_catch_up_writes_what_was_missed_while_the_database_was_down(
    archive_settings: Settings, archive_ledger: Ledger
) -> None:
    publish(archive_ledger, "paspor/telegram/main")
    publish(archive_ledger, "paspor/facebook/main", remote_id="77")
    fail(archive_ledger, "paspor/x/main", retryable=False)
    # The database is unreachable: publishing went on, archiving said so and raised nothing.
    down_url = SecretStr("postgresql+psycopg://nobody@127.0.0.1:1/none")
    down = archive_settings.model_copy(update={"database_url": down_url})
    assert archive_settled(down, archive_ledger, "paspor/telegram/main", card=CARD) is False
    assert archive_lag(down, archive_ledger) is None
    assert catch_up_all(down, archive_ledger) == 0

    archive = Archive.from_settings(archive_settings)
    assert archive_lag(archive_settings, archive_ledger) == 3
    # The card was not handed over this time; the render cache still has it.
    cache = Path(archive_settings.state_dir) / "cards"
    cache.mkdir(parents=True)
    (cache / "0123abcd.png").write_bytes(CARD)
    assert catch_up_all(archive_settings, archive_ledger) == 3
    assert archive.lag(archive_ledger) == 0
    assert catch_up_all(archive_settings, archive_ledger) == 0
    assert rows(archive) == 3
    assert CardStore.from_settings(archive_settings).read(hashlib.sha256(CARD).hexdigest()) == CARD


def test_dry_run_outcomes_are_kept_apart(archive_settings: Settings, archive_ledger: Ledger) -> None:
    target = "paspor/telegram/main"
    publish(archive_ledger.for_dry_run(), target, remote_id="dry-1")
    publish(archive_ledger, target)
    archive = Archive.from_settings(archive_settings)
    assert archive.lag(archive_ledger) == 1 and archive.lag(archive_ledger.for_dry_run()) == 1
    assert catch_up_all(archive_settings, archive_ledger) == 2
    assert sorted((e.dry_run, e.remote_id) for e in archive.events()) == [(False, "42"), (True, "dry-1")]


def test_an_outcome_names_the_approval_it_went_out_under(archive_settings: Settings, archive_ledger: Ledger) -> None:
    post = load_post_by_id("paspor", archive_settings)
    approval = approvals.approve(post, "Ani", "dicek", settings=archive_settings)
    target = "paspor/telegram/main"
    archive_ledger.begin_send(target, post.content_hash(), caption="Layanan paspor")
    archive_ledger.transition(target, [State.SENDING], State.PUBLISHED, remote_id="5")
    other = "paspor/facebook/main"  # sent with other content: no approval applies
    publish(archive_ledger, other)
    assert catch_up_all(archive_settings, archive_ledger) == 2
    by_target = {e.target_id: e for e in Archive.from_settings(archive_settings).events()}
    assert (by_target[target].approval_id, by_target[target].approved_by) == (approval.id, "Ani")
    assert by_target[other].approved_by is None


def test_events_filter_by_time_and_post(archive_settings: Settings, archive_ledger: Ledger) -> None:
    publish(archive_ledger, "paspor/telegram/main")
    publish(archive_ledger, "other/telegram/main")
    archive = Archive.from_settings(archive_settings)
    archive.catch_up(archive_ledger)
    now = utc_now()
    assert [e.post_id for e in archive.events(post="other")] == ["other"]
    assert len(archive.events(since=now - timedelta(minutes=5), until=now + timedelta(minutes=5))) == 2
    assert archive.events(since=now + timedelta(minutes=5)) == []
    assert archive.events(until=now - timedelta(minutes=5)) == []


# --- migrations -------------------------------------------------------------------------------------------------

HEAD = "0003"  # revision 0003: the listening tables (publisher.listening)


def test_migration_from_an_empty_database(archive_url: str) -> None:
    engine = create_archive_engine(archive_url)
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert {"approvals", "outcomes", "snapshots", "replies", "audience", "skm_results"} <= set(
        inspect(engine).get_table_names()
    )
    migrate(engine)  # at head already: nothing to do, no error
    engine.dispose()


def test_migration_from_the_previous_revision_keeps_the_rows(archive_url: str) -> None:
    engine = create_archive_engine(archive_url)
    migrate(engine, "0001")
    assert "detail" not in {c["name"] for c in inspect(engine).get_columns("outcomes")}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outcomes (target_id, post_id, occurrence, platform, state, attempts, dry_run, settled_at,"
                " archived_at) VALUES ('p/x/main', 'p', 'main', 'x', 'published', 1, :no, :now, :now)"
            ),
            {"no": False, "now": utc_now()},
        )
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert "detail" in {c["name"] for c in inspect(engine).get_columns("outcomes")}
    assert "ix_outcomes_settled_at" in {i["name"] for i in inspect(engine).get_indexes("outcomes")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT target_id, detail FROM outcomes")).all() == [("p/x/main", None)]
    engine.dispose()


def test_processes_starting_at_once_migrate_once(archive_url: str) -> None:
    """Four engines (as four worker processes would have) upgrade the same fresh database at the same moment."""
    engines = [create_archive_engine(archive_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def start(engine) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            migrate(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(engines[0]) == HEAD
    for engine in engines:
        engine.dispose()


def test_the_engine_is_opened_and_migrated_once_per_process(archive_settings: Settings) -> None:
    assert open_engine(archive_settings) is open_engine(archive_settings)
    assert current_revision(open_engine(archive_settings)) == HEAD


def test_render_cache_lookup_finds_cards_by_content(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(CARD)
    (tmp_path / "b.json").write_bytes(CARD)
    lookup = render_cache_lookup([tmp_path, tmp_path / "missing"])
    assert lookup(hashlib.sha256(CARD).hexdigest()) == CARD
    assert lookup("0" * 64) is None


def test_the_listening_revision_goes_down_and_up_again(archive_url: str) -> None:
    engine = create_archive_engine(archive_url)
    migrate(engine)
    with engine.begin() as connection:
        alembic_command.downgrade(alembic_config(connection), "0002")
    assert "snapshots" not in set(inspect(engine).get_table_names())
    migrate(engine)
    assert current_revision(engine) == HEAD and "replies" in set(inspect(engine).get_table_names())
    engine.dispose()
