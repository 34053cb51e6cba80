"""The ledger's compare-and-set moves, against the real Redis server (each test in its own namespace)."""

from __future__ import annotations

import threading

import pytest
from helpers.redis import new_namespace, redis_client

from publisher.publishing.ledger import Ledger, PseudoState, State

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
