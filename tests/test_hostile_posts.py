"""Issue 11: hostile and careless post files. `check` either accepts a post that then renders, schedules and
publishes once, or rejects it with file:line; it never hangs, crashes or reads without limit."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.posts.loader import load_post
from publisher.posts.model import Post
from publisher.publishing.result import TargetResult
from publisher.publishing.targets import publications
from publisher.publishing.verbs import DoctorLine, RetractResult

HEAD = "kind: service-update\npublish_at: 2026-12-01 09:00\nplatforms: [x]\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # check prints paths relative to here: "a.md:5: error: ..."


def write(folder: Path, name: str, front: str, body: str = "Isi pengumuman.") -> Path:
    path = folder / name
    path.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    return path


def problems_of(folder: Path, settings: Settings | None = None) -> list[str]:
    report = check_paths([folder], settings or Settings(posts_dir=folder))
    return [str(p) for p in report.errors]


def one_error(folder: Path, name: str, front: str, body: str = "Isi pengumuman.", **settings: object) -> str:
    write(folder, name, front, body)
    found = [p for p in problems_of(folder, Settings(posts_dir=folder, **settings)) if p.startswith(name)]
    assert len(found) == 1, found
    return found[0]


def load_ok(folder: Path, name: str, front: str) -> Post:
    result = load_post(write(folder, name, front), tz=Settings().tz, root=folder)
    assert result.post is not None and result.ok, result.problems
    return result.post


# --- item 1: random cron ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cron", ["R * * * *", "0 R * * *", "H(0-29) 8 * * *"])
def test_a_random_or_hashed_cron_is_refused(tmp_path: Path, cron: str) -> None:
    assert one_error(tmp_path, "a.md", f'title: Ulang\n{HEAD}repeat: "{cron}"\n').startswith("a.md:6: error: repeat")


# --- item 2: reminders at one instant ----------------------------------------------------------------------------


def test_reminders_at_the_same_instant_are_refused(tmp_path: Path) -> None:
    front = (
        "kind: event-reminder\ntitle: Seminar\npublish_at: 2026-12-01 09:00\nplatforms: [x]\n"
        "event:\n  starts_at: 2026-12-20 09:00\n  reminders: [1d, 24h, 1440m]\n"
    )
    write(tmp_path, "a.md", front)
    found = [p for p in problems_of(tmp_path) if "same time" in p]
    assert found == [
        "a.md:8: error: reminder 1440m falls at the same time as 1d: each reminder must be its own moment",
        "a.md:8: error: reminder 24h falls at the same time as 1d: each reminder must be its own moment",
    ]


# --- item 3: standing repeats -------------------------------------------------------------------------------------


def test_a_standing_repeat_started_long_ago_still_has_future_occurrences(tmp_path: Path) -> None:
    daily = load_ok(tmp_path, "a.md", f'title: Harian\n{HEAD}repeat: "0 8 * * *"\n')
    now = (daily.publish_at + timedelta(days=183)).astimezone(UTC)  # the scheduler's clock is UTC
    future = [p for p in publications(daily, now=now) if p.due_at > now]
    assert len(future) >= 60
    assert {p.due_at.astimezone(daily.publish_at.tzinfo).hour for p in future} == {8}  # 08:00 in the office
    assert all(p.due_at >= now - timedelta(days=1) for p in publications(daily, now=now))

    minutely = load_ok(tmp_path, "b.md", f'title: Menit\n{HEAD}repeat: "* * * * *"\n')
    now = minutely.publish_at + timedelta(days=30)
    assert any(p.due_at > now for p in publications(minutely, now=now))


# --- item 4: a cron that never fires, dates beyond the calendar ---------------------------------------------------


def test_a_cron_that_never_fires_is_refused(tmp_path: Path) -> None:
    message = one_error(tmp_path, "a.md", f'title: Tak pernah\n{HEAD}repeat: "0 0 30 2 *"\n')
    assert message.startswith("a.md:6: error: repeat '0 0 30 2 *' does not fire within 366 days")


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("kind: service-update\ntitle: Lama\npublish_at: 0001-01-01 00:00\nplatforms: [x]\n", 4),
        ("kind: service-update\ntitle: Jauh\npublish_at: 9999-12-31 23:59\nplatforms: [x]\n", 4),
        ("kind: service-update\ntitle: Z\npublish_at: 0001-01-01T00:30+01:00\nplatforms: [x]\n", 4),
        (
            "kind: event-reminder\ntitle: Acara\npublish_at: 2000-01-01 08:00\nplatforms: [x]\n"
            "event:\n  starts_at: 2000-01-02 09:00\n  reminders: [52w]\n",
            8,
        ),
        (
            "kind: event-reminder\ntitle: Acara\npublish_at: 2026-01-01 08:00\nplatforms: [x]\n"
            "event:\n  starts_at: 2026-02-01 09:00\n  reminders: [999999999999999d]\n",
            8,
        ),
    ],
)
def test_dates_outside_the_calendar_are_refused_not_crashed_on(tmp_path: Path, front: str, line: int) -> None:
    assert one_error(tmp_path, "a.md", front).startswith(f"a.md:{line}: error:")


# --- item 7: YAML bombs and nesting ------------------------------------------------------------------------------


def test_a_billion_laughs_front_matter_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    write(tmp_path, "bomb.md", "title: Bom\n" + HEAD + "\n".join(lines) + "\n")
    write(tmp_path, "ok.md", "title: Baik\n" + HEAD)
    found = problems_of(tmp_path)
    assert [p.split(":")[0] for p in found] == ["bomb.md"]
    assert "expands to more than" in found[0]


def test_deep_nesting_is_an_error_and_other_files_are_still_reported(tmp_path: Path) -> None:
    write(tmp_path, "deep.md", "title: " + "[" * 1000 + "]" * 1000 + "\n" + HEAD)
    write(tmp_path, "other.md", "title: Lain\n" + HEAD + "platfroms: [x]\n")
    found = problems_of(tmp_path)
    assert found[0].startswith("deep.md:2: error: front matter nests deeper than")
    assert found[1].startswith("other.md:6: error: unknown key 'platfroms'")


# --- item 8: FIFOs, devices, huge files ---------------------------------------------------------------------------


def test_a_fifo_a_device_and_a_huge_file_are_refused_without_reading(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.md")
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    write(tmp_path, "huge.md", "title: Besar\n" + HEAD, body="B" * 300_000)
    finished = threading.Event()
    found: list[str] = []

    def run() -> None:
        found.extend(problems_of(tmp_path))
        finished.set()

    threading.Thread(target=run, daemon=True).start()
    if not finished.wait(60):  # a hang here is the bug; opening the FIFO would block forever
        with open(tmp_path / "fifo.md", "w"):  # unblock the reader so the thread can end
            pass
        pytest.fail("check hung on a FIFO")
    assert [p.split(": error: ")[0] for p in found] == ["fifo.md:1", "huge.md:1", "zero.md:1"]
    assert "not a regular file" in found[0] and "at most 262,144" in found[1]


# --- item 12: names, platform messages and text with control characters ----------------------------------------


def test_file_names_with_newlines_and_escape_codes_are_printed_escaped(tmp_path: Path) -> None:
    write(tmp_path, "a\nfake.md:1: ok\x1b[2J.md", "title: Baik\n" + HEAD + "platfroms: [x]\n")
    result = CliRunner().invoke(cli, ["check", "."])
    assert "\x1b" not in result.output and "a\\nfake.md:1: ok\\x1b[2J.md:6: error: unknown key" in result.output
    assert not any(line.startswith("fake.md") for line in result.output.splitlines())


def test_control_characters_in_title_and_body_are_errors_with_their_line(tmp_path: Path) -> None:
    write(tmp_path, "t.md", 'title: "Layanan\\x1b[2J Paspor"\n' + HEAD)
    write(tmp_path, "b.md", "title: Baik\n" + HEAD, body="Baris satu.\n\nBaris \x07tiga.")
    found = problems_of(tmp_path)
    assert found == [
        "b.md:9: error: body holds control characters (\\x07): remove them",
        "t.md:2: error: title holds control characters (\\x1b): remove them",
    ]


def test_platform_error_text_is_printed_on_one_line() -> None:
    page = "<html>\n<body>\x1b[31mBad gateway</body>\n</html>"
    for result in (TargetResult("p/x/main", "x", "failed", page), RetractResult("p/x/main", "x", False, page),
                   DoctorLine("x", False, page)):  # fmt: skip
        assert "\n" not in result.line() and "\x1b" not in result.line() and "Bad gateway" in result.line()


# --- item 13: the smaller ones --------------------------------------------------------------------------------


def test_supersedes_cycles_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "title: A\n" + HEAD + "supersedes: b\n")
    write(tmp_path, "b.md", "title: B\n" + HEAD + "supersedes: a\n")
    found = problems_of(tmp_path)
    assert found == [
        "a.md:6: error: supersedes forms a cycle: a → b → a",
        "b.md:6: error: supersedes forms a cycle: b → a → b",
    ]


def test_a_title_of_only_zero_width_characters_is_refused(tmp_path: Path) -> None:
    message = one_error(tmp_path, "a.md", 'title: "\\u200b\\u200c\\u2060\\ufeff"\n' + HEAD)
    assert message == "a.md:2: error: title has no visible characters"


def test_an_empty_image_says_so(tmp_path: Path) -> None:
    message = one_error(tmp_path, "a.md", "title: Baik\n" + HEAD + 'image: ""\n')
    assert message.startswith("a.md:6: error: image is empty")


@pytest.mark.parametrize(
    "link",
    ['"https://imigrasi.go.id/a b"', '"https://imigrasi.go.id/a\\nb"', "https://imigrasi.go.id@evil.example/x"],
)
def test_links_with_spaces_line_breaks_or_a_user_are_refused(tmp_path: Path, link: str) -> None:
    assert one_error(tmp_path, "a.md", "title: Baik\n" + HEAD + f"link: {link}\n").startswith("a.md:6: error: link")


def test_a_time_in_a_daylight_saving_gap_is_refused_and_messages_name_the_zone(tmp_path: Path) -> None:
    front = "kind: service-update\ntitle: Baik\npublish_at: 2026-03-29 02:30\nplatforms: [x]\n"
    message = one_error(tmp_path, "a.md", front, timezone="Europe/Berlin")
    assert message.startswith("a.md:4: error: publish_at: 2026-03-29 02:30 does not exist in Europe/Berlin")

    front = "kind: service-update\ntitle: Baik\npublish_at: 2026-07-01 09:00\nvalid_until: 2026-06-01 09:00\n"
    message = one_error(tmp_path, "b.md", front + "platforms: [x]\n", timezone="Europe/Berlin")
    assert "CEST" in message and "WIB" not in message


# --- item 5 (check's half): titles far beyond any card -------------------------------------------------------


def test_titles_beyond_the_limit_and_scripts_no_font_draws_are_refused(tmp_path: Path) -> None:
    assert one_error(tmp_path, "a.md", "title: " + "Paspor " * 100 + "\n" + HEAD).startswith(
        "a.md:2: error: title is 699 characters; at most 250"
    )
    assert one_error(tmp_path, "b.md", "title: 电子护照服务现已开通\n" + HEAD).startswith(
        "b.md:2: error: title: the card fonts cannot draw"
    )
    assert not [p for p in problems_of(tmp_path) if p.startswith("c.md")]
    write(tmp_path, "c.md", "title: خدمة جوازات السفر الإلكترونية\n" + HEAD)
    assert not [p for p in problems_of(tmp_path) if p.startswith("c.md")]


def test_scheduler_sync_survives_one_post_it_cannot_schedule(tmp_path: Path) -> None:
    """Covered with real Redis in tests/test_hostile_runtime.py; here: publications never raise on a cron that
    never fires, even if such a post reached them."""
    post = load_ok(tmp_path, "a.md", f'title: Baik\n{HEAD}repeat: "0 8 * * *"\n')
    broken = post.model_copy(update={"repeat": "0 0 30 2 *"})
    assert publications(broken, now=datetime.now(UTC)) == []
