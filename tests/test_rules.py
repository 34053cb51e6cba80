"""The rules that relate several fields of one post, each asserted as the exact list of problems it yields."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from publisher.adapters import platform_names
from publisher.posts.loader import load_post

WIB = ZoneInfo("Asia/Jakarta")
HEAD = "kind: {kind}\ntitle: Sosialisasi paspor\npublish_at: 2026-12-01 09:00\nplatforms: [x, telegram]\n"


def problems(tmp_path: Path, extra: str, kind: str = "event-reminder") -> list[str]:
    """Every problem of a post whose lines 2-5 are HEAD and whose further front matter is ``extra`` (line 6 on)."""
    path = tmp_path / "post.md"
    path.write_text(f"---\n{HEAD.format(kind=kind)}{extra}---\nIsi.\n", encoding="utf-8")
    result = load_post(path, tz=WIB, platforms=platform_names(), display="post.md")
    return [str(p) for p in result.problems]


def event(reminders: str = "", starts_at: str = "2026-12-10 09:00") -> str:
    lines = ["event:", f"  starts_at: {starts_at}" if starts_at else "  location: Aula"]
    if reminders:
        lines += ["  reminders:", *(f"    - {r}" for r in reminders.split())]
    return "\n".join(lines) + "\n"


def test_a_post_with_every_rule_met_has_no_problems(tmp_path):
    assert problems(tmp_path, event("7d 1d") + "valid_until: 2026-12-10 09:00\n") == []


def test_valid_until_equal_to_publish_at_is_fine_a_minute_before_is_not(tmp_path):
    assert problems(tmp_path, "valid_until: 2026-12-01 09:00\n", kind="service-update") == []
    assert problems(tmp_path, "valid_until: 2026-12-01 08:59\n", kind="service-update") == [
        "post.md:6: error: valid_until (Selasa, 1 Desember 2026 · 08.59 WIB) is before publish_at "
        "(Selasa, 1 Desember 2026 · 09.00 WIB): the post would never be valid"
    ]


def test_publish_at_equal_to_the_event_start_is_an_error_a_minute_before_is_not(tmp_path):
    assert problems(tmp_path, event(starts_at="2026-12-01 09:01")) == []
    assert problems(tmp_path, event(starts_at="2026-12-01 09:00")) == [
        "post.md:4: error: publish_at (Selasa, 1 Desember 2026 · 09.00 WIB) is not before the event starts "
        "(Selasa, 1 Desember 2026 · 09.00 WIB)"
    ]


def test_supersedes_itself_is_an_error_another_post_is_not_a_rule_problem(tmp_path):
    assert problems(tmp_path, "id: ralat\nsupersedes: ralat\n", kind="service-update") == [
        "post.md:7: error: supersedes names this post itself ('ralat')"
    ]
    assert problems(tmp_path, "id: ralat\nsupersedes: lama\n", kind="service-update") == []


def test_an_event_reminder_without_a_start_is_an_error_at_the_event_or_without_one_at_the_kind(tmp_path):
    assert problems(tmp_path, event(starts_at="")) == ["post.md:6: error: an event-reminder needs event.starts_at"]
    assert problems(tmp_path, "") == ["post.md:2: error: an event-reminder needs event.starts_at"]


def test_reminders_without_a_start_are_an_error_at_the_reminders(tmp_path):
    assert problems(tmp_path, event("1d", starts_at=""), kind="service-update") == [
        "post.md:8: error: event.reminders need event.starts_at"
    ]
    assert problems(tmp_path, event("1d", starts_at="")) == [
        "post.md:6: error: an event-reminder needs event.starts_at",
        "post.md:8: error: event.reminders need event.starts_at",
    ]


def test_a_reminder_before_publish_at_is_warned_at_its_own_line_one_at_publish_at_is_not(tmp_path):
    # starts 10 December 09:00; publish_at 1 December 09:00 = the start minus 9 days
    assert problems(tmp_path, event("9d 1d")) == []
    assert problems(tmp_path, event("1d 10d 9d1m 2h")) == [
        "post.md:10: warning: reminder 10d (Senin, 30 November 2026 · 09.00 WIB) falls before publish_at; "
        "it will be skipped",
        "post.md:11: warning: reminder 9d1m (Selasa, 1 Desember 2026 · 08.59 WIB) falls before publish_at; "
        "it will be skipped",
    ]


def test_a_reminder_after_valid_until_is_warned_one_at_valid_until_is_not(tmp_path):
    until = "valid_until: 2026-12-09 09:00\n"
    assert problems(tmp_path, event("1d 2d") + until) == []
    assert problems(tmp_path, event("2d 23h59m 2h") + until) == [
        "post.md:10: warning: reminder 23h59m (Rabu, 9 Desember 2026 · 09.01 WIB) falls after valid_until; "
        "it will be skipped",
        "post.md:11: warning: reminder 2h (Kamis, 10 Desember 2026 · 07.00 WIB) falls after valid_until; "
        "it will be skipped",
    ]


def test_reminders_in_a_flow_list_are_warned_at_the_list(tmp_path):
    extra = "event:\n  starts_at: 2026-12-10 09:00\n  reminders: [1d, 10d]\n"
    assert problems(tmp_path, extra) == [
        "post.md:8: warning: reminder 10d (Senin, 30 November 2026 · 09.00 WIB) falls before publish_at; "
        "it will be skipped"
    ]


@pytest.mark.parametrize("kind", ["service-update", "event-reminder"])
def test_text_for_a_platform_not_posted_to_is_a_warning_at_its_key(tmp_path, kind):
    extra = (event() if kind == "event-reminder" else "") + "text:\n  x: Halo\n  bluesky: Hai\n  mastodon: Halo\n"
    first = 7 if kind == "service-update" else 9
    assert problems(tmp_path, extra, kind=kind) == [
        f"post.md:{first + 1}: warning: text for 'bluesky' is unused: bluesky is not in platforms",
        f"post.md:{first + 2}: warning: text for 'mastodon' is unused: mastodon is not in platforms",
    ]
