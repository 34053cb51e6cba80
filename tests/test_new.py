"""`publisher new KIND`: the WHEN parser on a fixed clock, and the verb as a user runs it (a subprocess)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.posts.new import free_path, slug
from publisher.text.when import WhenError, parse_when

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 1, 6, 20, 37, tzinfo=UTC)  # 13:20:37 WIB, a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 09:00", datetime(2026, 12, 1, 9, 0, tzinfo=WIB)),
        ("2026-12-01T09:00", datetime(2026, 12, 1, 9, 0, tzinfo=WIB)),
        ("2026-12-01T09:00+08:00", datetime(2026, 12, 1, 8, 0, tzinfo=WIB)),
        ("+2m", datetime(2026, 12, 1, 13, 23, tzinfo=WIB)),  # 13:22:37 rounded up: never earlier than asked
        ("+1h", datetime(2026, 12, 1, 14, 21, tzinfo=WIB)),
        ("+3d", datetime(2026, 12, 4, 13, 21, tzinfo=WIB)),
        ("+1h30m", datetime(2026, 12, 1, 14, 51, tzinfo=WIB)),
        ("besok 09:00", datetime(2026, 12, 2, 9, 0, tzinfo=WIB)),
        ("Besok  09.00", datetime(2026, 12, 2, 9, 0, tzinfo=WIB)),
        ("hari ini 14:00", datetime(2026, 12, 1, 14, 0, tzinfo=WIB)),
        ("lusa 08:00", datetime(2026, 12, 3, 8, 0, tzinfo=WIB)),
    ],
)
def test_when_is_read_in_the_office_zone(text, expected):
    moment = parse_when(text, now=NOW, zone=WIB)
    assert moment == expected and moment.utcoffset() == timedelta(hours=7)


def test_day_words_follow_the_office_date_not_utc():
    late_evening = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # already 2 December 00:30 in Jakarta
    assert parse_when("besok 09:00", now=late_evening, zone=WIB) == datetime(2026, 12, 3, 9, 0, tzinfo=WIB)


def test_another_configured_zone():
    wita = ZoneInfo("Asia/Makassar")
    assert parse_when("besok 09:00", now=NOW, zone=wita) == datetime(2026, 12, 2, 9, 0, tzinfo=wita)


@pytest.mark.parametrize("text", ["", "+", "+2x", "2m", "kemarin 09:00", "besok 25:00", "besok", "2026-02-30 09:00"])
def test_unreadable_when_is_refused_with_the_forms_it_accepts(text):
    with pytest.raises(WhenError):
        parse_when(text, now=NOW, zone=WIB)


def test_slug_and_a_free_name(tmp_path):
    assert slug("Layanan Paspor Elektronik: Kini Tersedia!") == "layanan-paspor-elektronik-kini-tersedia"
    assert (
        slug("Pelayanan Ramah Lansia & Disabilitas — Mulai Senin") == "pelayanan-ramah-lansia-disabilitas-mulai-senin"
    )
    assert slug("!!!") == "post"
    assert len(slug("kata " * 40)) <= 60 and not slug("kata " * 40).endswith("-")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "paspor.md").write_text("x")
    assert free_path(tmp_path, "paspor") == tmp_path / "paspor-2.md"  # ids are unique across subfolders too


# --- the verb, as a subprocess -----------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    environment.update(
        PUBLISHER_LANGUAGE="en",  # the suite's language (tests/conftest.py)
        PUBLISHER_POSTS_DIR=str(tmp_path / "posts"),
        PUBLISHER_STATE_DIR=str(tmp_path / "state"),
        PUBLISHER_SECRETS_DIR=str(tmp_path / "no-secrets"),
    )
    return environment


def new(env, *args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "publisher", "new", *args],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(env["PUBLISHER_POSTS_DIR"]).parent,
    )


def _settings(env) -> Settings:
    return Settings(posts_dir=Path(env["PUBLISHER_POSTS_DIR"]), timezone=env.get("PUBLISHER_TIMEZONE", "Asia/Jakarta"))


def test_new_writes_a_ready_post_that_passes_check(env):
    done = new(env, "service-update", "--title", "Layanan Paspor: Kini Tersedia!", "--at", "+2m", "--platform", "x")
    assert done.returncode == 0, done.stderr
    path = Path(env["PUBLISHER_POSTS_DIR"]) / "layanan-paspor-kini-tersedia.md"
    report = check_paths([path], _settings(env))
    assert report.errors == []
    (post,) = report.posts
    assert (post.title, post.platforms, post.status.value) == ("Layanan Paspor: Kini Tersedia!", ("x",), "ready")
    assert timedelta(minutes=1) <= post.publish_at - datetime.now(UTC) <= timedelta(minutes=3)
    again = new(env, "policy-change", "--title", "Layanan Paspor: Kini Tersedia!", "--at", "besok 09:00")
    assert again.returncode == 1 and "--platform" in again.stderr  # the one flag missing is named
    again = new(
        env, "policy-change", "--title", "Layanan Paspor: Kini Tersedia!", "--at", "besok 09:00", "--platform", "x"
    )
    assert again.returncode == 0 and (path.parent / "layanan-paspor-kini-tersedia-2.md").exists()


def test_times_are_written_in_the_configured_zone(env):
    env["PUBLISHER_TIMEZONE"] = "Asia/Makassar"
    done = new(env, "service-update", "--title", "Jam WITA", "--at", "2030-01-05 09:00", "--platform", "telegram")
    assert done.returncode == 0, done.stderr
    (post,) = check_paths([Path(env["PUBLISHER_POSTS_DIR"])], _settings(env)).posts
    assert post.publish_at == datetime(2030, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--at", "+2m", "--platform", "x"], "--title"),
        (["--title", "T", "--platform", "x"], "--at"),
        (["--title", "T", "--at", "kemarin", "--platform", "x"], "kemarin"),
        (["--title", "T", "--at", "2020-01-01 09:00", "--platform", "x"], "in the past"),
        (["--title", "T", "--at", "+2m", "--platform", "tiktok"], "tiktok"),
        (["--title", "T", "--at", "besok 09:00", "--platform", "x"], "--starts"),  # an event needs its start
        (["--title", "T", "--at", "besok 09:00", "--starts", "hari ini 23:00", "--platform", "x"], "event starts"),
    ],
)
def test_bad_or_missing_input_exits_1_and_writes_nothing(env, args, named):
    kind = "event-reminder" if "--starts" in args or named == "--starts" else "service-update"
    done = new(env, kind, *args)
    assert done.returncode == 1 and named in done.stderr, done.stderr
    posts = Path(env["PUBLISHER_POSTS_DIR"])
    assert not posts.exists() or list(posts.iterdir()) == []


def test_at_a_terminal_it_asks_for_what_is_missing(env):
    controller, terminal = pty.openpty()
    os.write(controller, b"Pengumuman Lewat Terminal\ntelegram x\nbesok 10:00\n")
    try:
        done = new(env, "service-update", stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 0, done.stdout + done.stderr
    (post,) = check_paths([Path(env["PUBLISHER_POSTS_DIR"])], _settings(env)).posts
    assert (post.title, post.platforms) == ("Pengumuman Lewat Terminal", ("telegram", "x"))
    assert post.publish_at.astimezone(WIB).strftime("%H:%M") == "10:00"
