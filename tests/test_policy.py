"""The dispatcher's policy at its boundaries: a deadline is still in time at its very second, a grace window too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from publisher.scheduler.policy import Decision, Verdict, check_deadline, decide, is_blackout
from publisher.scheduler.schedule import TargetMeta

WIB = ZoneInfo("Asia/Jakarta")
DUE = datetime(2026, 12, 1, 9, 0, tzinfo=WIB).timestamp()
DEADLINE = datetime(2026, 12, 1, 17, 30, tzinfo=WIB).timestamp()
TICK = 0.001  # the smallest step past a boundary the tests take: a millisecond
PAST_DEADLINE = "past its deadline (2026-12-01 17:30 WIB: valid_until or the event start); not published"


def meta(due: float = DUE, deadline: float | None = DEADLINE) -> TargetMeta:
    return TargetMeta("p/telegram/main", "p", "telegram", "main", due, deadline, "h", 0, "")


def test_at_the_deadline_it_is_sent_and_a_millisecond_later_skipped():
    assert decide(meta(), DEADLINE, grace_minutes=10**6, tz=WIB) == Decision(Verdict.SEND)
    assert decide(meta(), DEADLINE + TICK, grace_minutes=10**6, tz=WIB) == Decision(Verdict.SKIP, PAST_DEADLINE)


def test_before_the_deadline_and_without_one_it_is_sent():
    assert decide(meta(), DUE, grace_minutes=10, tz=WIB) == Decision(Verdict.SEND)
    assert decide(meta(deadline=None), DUE + 5, grace_minutes=10, tz=WIB) == Decision(Verdict.SEND)


@pytest.mark.parametrize("grace", [0, 1, 10])
def test_at_the_end_of_the_grace_window_it_is_sent_and_a_millisecond_later_held(grace):
    no_deadline = meta(deadline=None)
    assert decide(no_deadline, DUE + grace * 60, grace_minutes=grace, tz=WIB) == Decision(Verdict.SEND)
    held = decide(no_deadline, DUE + grace * 60 + TICK, grace_minutes=grace, tz=WIB)
    expected = f"{grace} min overdue (grace {grace} min): held for a person; `publisher publish` sends it by hand"
    assert held == Decision(Verdict.MISS, expected)


def test_the_deadline_outranks_the_grace_window():
    late = decide(meta(), DEADLINE + 3600, grace_minutes=0, tz=WIB)
    assert late == Decision(Verdict.SKIP, PAST_DEADLINE)


def test_missed_reason_rounds_the_minutes_overdue():
    held = decide(meta(deadline=None), DUE + 2 * 3600 + 29, grace_minutes=30, tz=WIB)
    assert held.action == Verdict.MISS and held.reason.startswith("120 min overdue (grace 30 min)")


def test_the_last_look_before_sending_checks_the_deadline_only():
    hours_in_the_queue = DUE + 5 * 3600
    assert check_deadline(meta(deadline=None), hours_in_the_queue, WIB) == Decision(Verdict.SEND)
    assert check_deadline(meta(), DEADLINE, WIB) == Decision(Verdict.SEND)
    assert check_deadline(meta(), DEADLINE + TICK, WIB) == Decision(Verdict.SKIP, PAST_DEADLINE)


def test_blackout_is_the_office_date_not_the_utc_one():
    evening_utc = datetime(2026, 12, 1, 17, 30, tzinfo=UTC).timestamp()  # 00:30 on 2 December in Bengkulu
    assert is_blackout(evening_utc, [date(2026, 12, 2)], WIB)
    assert not is_blackout(evening_utc, [date(2026, 12, 1)], WIB)
    assert not is_blackout(evening_utc, [], WIB)


def test_a_decision_is_a_frozen_value():
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        Decision(Verdict.SEND).action = Verdict.SKIP  # type: ignore[misc]
