"""`publisher approve` and `publisher audit` as an operator runs them (subprocesses), on both databases."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from archive_db import write_post

from publisher.archive.audit import parse_day, to_csv
from publisher.archive.outcomes import Archive
from publisher.infra.settings import Settings
from publisher.publishing.ledger import Ledger, State

pytestmark = pytest.mark.redis
REPO = Path(__file__).resolve().parent.parent
WIB = ZoneInfo("Asia/Jakarta")


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_LANGUAGE="en",  # the suite's language (tests/conftest.py)
        PYTHONPATH=str(REPO),
        PUBLISHER_POSTS_DIR=str(settings.posts_dir),
        PUBLISHER_STATE_DIR=str(settings.state_dir),
        PUBLISHER_SECRETS_DIR=str(Path(settings.state_dir) / "no-secrets"),
        PUBLISHER_REDIS_URL=settings.redis_url.get_secret_value() if settings.redis_url else "",
        PUBLISHER_NAMESPACE=settings.namespace,
        PUBLISHER_DATABASE_URL=settings.database_url.get_secret_value() if settings.database_url else "",
        **extra,
    )
    return env


def run(settings: Settings, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "publisher", *args]
    return subprocess.run(command, env=env_for(settings, **env_extra), capture_output=True, text=True, timeout=60)


def test_approve_and_revoke(archive_settings: Settings) -> None:
    done = run(archive_settings, "approve", "paspor", "--by", "Budi", "--note", "sudah dicek")
    assert done.returncode == 0, done.stderr
    assert "paspor: approved by Budi" in done.stdout
    revoked = run(archive_settings, "approve", "paspor", "--revoke")
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "paspor: 1 approval(s) revoked")


def test_approve_refusals_exit_1(archive_settings: Settings) -> None:
    write_post(archive_settings.posts_dir, extra="author: Ani\n")
    write_post(archive_settings.posts_dir, "rusak", extra="valid_until: kapan-kapan\n")
    cases = {
        ("approve", "paspor", "--by", "ani"): "two-person rule",
        ("approve", "tidak-ada", "--by", "Budi"): "no post with id 'tidak-ada'",
        ("approve", "rusak", "--by", "Budi"): "has errors",
    }
    for args, message in cases.items():
        refused = run(archive_settings, *args)
        assert refused.returncode == 1 and message in refused.stderr, (args, refused.stderr)
    not_listed = run(archive_settings, "approve", "paspor", "--by", "Citra", PUBLISHER_APPROVERS="Budi, Dewi")
    assert not_listed.returncode == 1 and "may not approve" in not_listed.stderr
    assert (
        run(archive_settings, "approve", "paspor", "--by", "dewi", PUBLISHER_APPROVERS='["Budi", "Dewi"]').returncode
        == 0
    )
    assert run(archive_settings, "approve", "paspor").returncode == 2  # neither --by nor --revoke: usage error


def _publish(ledger: Ledger, target: str, caption: str, remote_id: str) -> None:
    ledger.begin_send(target, "c0ffee", caption=caption)
    ledger.transition(
        target, [State.SENDING], State.PUBLISHED, remote_id=remote_id, permalink=f"https://t.me/imigrasi/{remote_id}"
    )


def test_audit_formats(archive_settings: Settings, archive_ledger: Ledger) -> None:
    caption = '=Paspor elektronik, kini tersedia 🎉\nBaris kedua; "kutipan"'
    _publish(archive_ledger, "paspor/telegram/main", caption, "101")
    _publish(archive_ledger, "lain/telegram/main", "Pengumuman lain", "102")
    assert Archive.from_settings(archive_settings).catch_up(archive_ledger) == 2

    as_json = run(archive_settings, "audit", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    events = json.loads(as_json.stdout)
    assert [e["post"] for e in events] == ["paspor", "lain"]
    required = {"time", "post", "occurrence", "platform", "state", "content_hash", "caption", "remote_id"}
    assert required | {"permalink", "approved_by"} <= set(events[0])
    assert events[0]["caption"] == caption and events[0]["approved_by"] is None
    assert datetime.fromisoformat(events[0]["time"]).utcoffset().total_seconds() == 7 * 3600

    as_csv = subprocess.run(
        [sys.executable, "-m", "publisher", "audit", "--format", "csv", "--post", "paspor"],
        env=env_for(archive_settings),
        capture_output=True,
        timeout=60,
    )
    assert as_csv.stdout.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the emoji right
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1  # the caption's line break stays inside its cell
    assert rows[0]["caption"] == "'" + caption  # not a formula in a spreadsheet
    assert rows[0]["permalink"] == "https://t.me/imigrasi/101" and rows[0]["dry_run"] == "no"

    table = run(archive_settings, "audit", "--since", "2000-01-01", "--until", "2999-12-31")
    assert table.returncode == 0 and len(table.stdout.splitlines()) == 2
    assert "paspor/telegram/main" in table.stdout and "no approval" in table.stdout
    future = run(archive_settings, "audit", "--since", "2999-01-01", "--format", "json")
    assert json.loads(future.stdout) == []
    assert run(archive_settings, "audit", "--since", "kemarin").returncode == 2


def test_an_approved_outcome_shows_its_approver(archive_settings: Settings, archive_ledger: Ledger) -> None:
    from publisher.archive.approvals import approve
    from publisher.posts.lookup import load_post_by_id

    post = load_post_by_id("paspor", archive_settings)
    approve(post, "Dewi", settings=archive_settings)
    archive_ledger.begin_send("paspor/telegram/main", post.content_hash(), caption="x")
    archive_ledger.transition("paspor/telegram/main", [State.SENDING], State.PUBLISHED, remote_id="9")
    Archive.from_settings(archive_settings).catch_up(archive_ledger)
    events = json.loads(run(archive_settings, "audit", "--format", "json").stdout)
    assert events[0]["approved_by"] == "Dewi"


def test_dates_are_whole_days_in_the_office_zone() -> None:
    assert parse_day("2026-12-01", WIB) == datetime(2026, 12, 1, tzinfo=WIB)
    assert parse_day("2026-12-01", WIB, end=True) == datetime(2026, 12, 2, tzinfo=WIB)
    assert parse_day("2026-12-01 09:30", WIB) == datetime(2026, 12, 1, 9, 30, tzinfo=WIB)
    assert parse_day("2026-12-01T02:30+00:00", WIB) == datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_day("1 Desember", WIB)


def test_an_empty_archive_says_so() -> None:
    assert to_csv([], WIB).splitlines()[0].lstrip("\ufeff").startswith("time,post,occurrence,platform,state")
