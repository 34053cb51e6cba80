"""The ledger's compare-and-set moves, against the real Redis server (each test in its own namespace)."""

from __future__ import annotations

import dataclasses
import os
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers.redis import new_namespace, redis_client

from publisher.publishing.ledger import Ledger, PseudoState, State, TargetRecord

pytestmark = pytest.mark.redis

TARGET = "paspor-baru/facebook/main"


@pytest.fixture
def ledger():
    ledger = Ledger(redis_client(), namespace=new_namespace())
    yield ledger
    ledger.purge()
    ledger.for_dry_run().purge()
    assert not list(ledger.redis.scan_iter(match=f"{ledger.namespace}:*"))


def test_begin_send_from_absent_counts_the_attempt_and_records_the_target(ledger):
    assert ledger.begin_send(TARGET, "hash-1")
    record = ledger.get(TARGET)
    assert record.state == State.SENDING
    assert record.attempts == 1
    assert record.content_hash == "hash-1"
    assert (record.post_id, record.platform, record.occurrence) == ("paspor-baru", "facebook", "main")
    assert record.created_at is not None and record.sent_at is not None
    assert [r.target_id for r in ledger.all()] == [TARGET]
    assert [r.target_id for r in ledger.for_post("paspor-baru")] == [TARGET]
    assert ledger.for_post("another-post") == []


def test_begin_send_refuses_a_target_already_being_sent(ledger):
    assert ledger.begin_send(TARGET, "h")
    assert not ledger.begin_send(TARGET, "h")
    assert ledger.get(TARGET).attempts == 1


@pytest.mark.parametrize(
    "state", [State.PUBLISHED, State.SENDING, State.UNKNOWN, State.SKIPPED, "cancelled", "retracted"]
)
def test_begin_send_refuses_settled_states_even_when_manual(ledger, state):
    assert ledger.transition(TARGET, [PseudoState.ABSENT], state, remote_id="r1")
    assert not ledger.begin_send(TARGET, "h")
    assert not ledger.begin_send(TARGET, "h", manual=True)
    assert ledger.get(TARGET).state == state


def test_begin_send_from_scheduled(ledger):
    assert ledger.transition(TARGET, [PseudoState.ABSENT], State.SCHEDULED)
    assert ledger.begin_send(TARGET, "h")


def test_a_retryable_failure_may_be_sent_again_a_final_one_only_by_hand(ledger):
    assert ledger.begin_send(TARGET, "h")
    assert ledger.transition(
        TARGET, [State.SENDING], State.FAILED, retryable=True, retry_after=30.0, error="rate limited"
    )
    record = ledger.get(TARGET)
    assert record.retryable and record.retry_after == 30.0 and record.error == "rate limited"
    assert ledger.begin_send(TARGET, "h")
    record = ledger.get(TARGET)
    assert record.attempts == 2
    assert record.error is None and not record.retryable  # the previous failure is cleared

    assert ledger.transition(TARGET, [State.SENDING], State.FAILED, retryable=False, error="token expired")
    assert not ledger.begin_send(TARGET, "h")
    assert ledger.begin_send(TARGET, "h", manual=True)
    assert ledger.get(TARGET).attempts == 3


def test_missed_only_by_hand(ledger):
    assert ledger.transition(TARGET, [PseudoState.ABSENT], State.MISSED, reason="not sent within the grace period")
    assert not ledger.begin_send(TARGET, "h")
    assert ledger.begin_send(TARGET, "h", manual=True)


def test_transition_is_compare_and_set(ledger):
    assert not ledger.transition(TARGET, [State.SENDING], State.PUBLISHED)  # no record: not in `sending`
    assert ledger.get(TARGET) is None
    assert ledger.transition(TARGET, [PseudoState.ABSENT], State.SCHEDULED)
    assert not ledger.transition(TARGET, [PseudoState.ABSENT], State.SCHEDULED)
    assert not ledger.transition(TARGET, [PseudoState.FAILED_RETRYABLE], State.SENDING)
    assert ledger.transition(TARGET, [State.SCHEDULED], State.SKIPPED, reason="past its deadline")
    assert ledger.get(TARGET).reason == "past its deadline"


def test_published_records_remote_id_permalink_and_times(ledger):
    ledger.begin_send(TARGET, "h")
    assert ledger.transition(
        TARGET,
        [State.SENDING],
        State.PUBLISHED,
        remote_id="123_456",
        permalink="https://fb.example/123",
        published_at=None,
    )
    record = ledger.get(TARGET)
    assert (record.state, record.remote_id, record.permalink) == (State.PUBLISHED, "123_456", "https://fb.example/123")
    assert record.updated_at >= record.created_at


def test_progress_is_kept_only_while_sending(ledger):
    assert not ledger.note_progress(TARGET, "container_id", "c-1")
    ledger.begin_send(TARGET, "h")
    assert ledger.note_progress(TARGET, "container_id", "c-1")
    assert ledger.get(TARGET).progress == {"container_id": "c-1"}


def test_unknown_state_is_refused(ledger):
    with pytest.raises(ValueError):
        ledger.transition(TARGET, [PseudoState.ABSENT], "done")


def test_dry_run_ledger_is_separate(ledger):
    dry = ledger.for_dry_run()
    assert dry.dry_run and not ledger.dry_run
    assert dry.for_dry_run() is dry
    assert dry.begin_send(TARGET, "h")
    assert dry.transition(TARGET, [State.SENDING], State.PUBLISHED, remote_id="dry-run-1")
    assert ledger.get(TARGET) is None
    assert ledger.begin_send(TARGET, "h")


def test_two_threads_racing_begin_send_exactly_one_wins(ledger):
    for round_ in range(20):
        target = f"race-{round_}/x/main"
        barrier = threading.Barrier(8)
        wins: list[bool] = []

        def contender(target=target, barrier=barrier, wins=wins):
            own = Ledger(redis_client(), ledger.namespace)  # its own connection, as another worker would have
            barrier.wait()
            wins.append(own.begin_send(target, "h"))

        threads = [threading.Thread(target=contender) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert wins.count(True) == 1, (round_, wins)
        assert ledger.get(target).attempts == 1


# --- what is stored and how it reads back: types, exact values, the key layout ---------------------------------

WIB = ZoneInfo("Asia/Jakarta")


def raw(ledger: Ledger, target_id: str = TARGET) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in ledger.redis.hgetall(f"{ledger.namespace}:target:{target_id}").items()}


def test_schedule_records_the_due_time_as_utc_and_only_once(ledger):
    due = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    assert ledger.schedule(TARGET, "hash-1", due) is True
    assert ledger.schedule(TARGET, "hash-2", due + timedelta(hours=1)) is False  # it has a record already
    record = ledger.get(TARGET)
    assert (record.state, record.content_hash, record.attempts) == (State.SCHEDULED, "hash-1", 0)
    assert type(record.due_at) is datetime and record.due_at.utcoffset() == timedelta(0)
    assert record.due_at == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert raw(ledger)["due_at"] == "2026-12-01T02:00:00+00:00"
    assert record.sent_at is None and record.published_at is None


def test_times_read_back_as_aware_utc_datetimes_of_the_move(ledger):
    before = datetime.now(UTC)
    assert ledger.begin_send(TARGET, "h")
    after = datetime.now(UTC)
    record = ledger.get(TARGET)
    for name in ("created_at", "updated_at", "sent_at"):
        value = getattr(record, name)
        assert type(value) is datetime and value.utcoffset() == timedelta(0), name
        assert before <= value <= after, name
        assert raw(ledger)[name] == value.isoformat()
    published_at = datetime(2026, 12, 1, 9, 30, 15, 250000, tzinfo=WIB)
    assert ledger.transition(TARGET, [State.SENDING], State.PUBLISHED, published_at=published_at)
    record = ledger.get(TARGET)
    assert record.published_at == published_at and record.published_at.utcoffset() == timedelta(0)
    assert record.created_at <= record.updated_at
    assert record.is_published and not ledger.get(TARGET).retryable


def test_retryable_and_numbers_read_back_as_their_types(ledger):
    assert ledger.begin_send(TARGET, "h")
    assert ledger.transition(TARGET, [State.SENDING], State.FAILED, retryable=False, retry_after=12.5, image_bytes=2048)
    stored = raw(ledger)
    assert (stored["retryable"], stored["retry_after"], stored["image_bytes"]) == ("0", "12.5", "2048")
    record = ledger.get(TARGET)
    assert record.retryable is False and not record.is_published
    assert record.retry_after == 12.5 and type(record.retry_after) is float
    assert record.image_bytes == 2048 and type(record.image_bytes) is int
    assert record.attempts == 1 and type(record.attempts) is int
    assert ledger.transition(TARGET, [State.FAILED], State.FAILED, retryable=True)
    assert raw(ledger)["retryable"] == "1" and ledger.get(TARGET).retryable is True


def test_a_record_reads_back_with_defaults_and_ignores_fields_it_does_not_know():
    record = TargetRecord.from_redis({b"target_id": b"a/x/main", b"state": b"failed", b"retryable": b"0", "new": "1"})
    assert record == TargetRecord("a/x/main", State.FAILED)
    assert (record.attempts, record.retryable, record.error, record.due_at, record.progress) == (
        0,
        False,
        None,
        None,
        {},
    )
    assert not record.is_published and TargetRecord("a/x/main", State.PUBLISHED).is_published
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.state = State.PUBLISHED  # type: ignore[misc]


def test_begin_send_clears_the_previous_failure_whole(ledger):
    assert ledger.begin_send(TARGET, "h")
    assert ledger.transition(
        TARGET,
        [State.SENDING],
        State.FAILED,
        retryable=True,
        retry_after=30.0,
        error="rate limited",
        outcome="retry_after",
    )
    assert ledger.transition(TARGET, [State.FAILED], State.FAILED, reason="held by the rate limit")
    assert {"error", "outcome", "retry_after", "retryable", "reason"} <= set(raw(ledger))
    assert ledger.begin_send(TARGET, "h")
    record = ledger.get(TARGET)
    assert (record.error, record.outcome, record.retry_after, record.reason) == (None, None, None, None)
    assert record.retryable is False and record.attempts == 2
    assert not {"error", "outcome", "retry_after", "retryable", "reason"} & set(raw(ledger))


def test_states_are_stored_by_their_documented_names(ledger):
    assert tuple(State) == ("scheduled", "sending", "published", "failed", "unknown", "skipped", "missed", "cancelled",
                      "retracted")  # fmt: skip
    for index, state in enumerate(tuple(State)):
        target = f"p{index}/x/main"
        assert ledger.transition(target, [PseudoState.ABSENT], state)
        assert raw(ledger, target)["state"] == state


def test_keys_follow_the_documented_layout(ledger):
    assert ledger.begin_send(TARGET, "h")
    ns = ledger.namespace
    assert ledger.redis.type(f"{ns}:target:{TARGET}") == b"hash"
    assert ledger.redis.smembers(f"{ns}:targets") == {TARGET.encode()}
    assert ledger.redis.smembers(f"{ns}:post:paspor-baru") == {TARGET.encode()}
    assert Ledger(ledger.redis).namespace == "publisher"


def test_an_unknown_state_is_refused_by_name(ledger):
    with pytest.raises(ValueError, match="unknown ledger state 'done'"):
        ledger.transition(TARGET, [PseudoState.ABSENT], "done")


def test_from_settings_uses_the_installations_namespace_and_its_dry_run_twin(ledger):
    from publisher.infra.settings import Settings

    url = os.environ.get("PUBLISHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings(redis_url=url, namespace=ledger.namespace)  # type: ignore[arg-type]
    real = Ledger.from_settings(settings)
    assert (real.namespace, real.dry_run) == (ledger.namespace, False)
    dry = Ledger.from_settings(settings, dry_run=True)
    assert (dry.namespace, dry.dry_run) == (ledger.namespace + "-dry-run", True)
    assert real.begin_send(TARGET, "h") and ledger.get(TARGET).state == State.SENDING
