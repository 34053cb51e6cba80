"""The archive and the approval gate in the publish chain, on both databases: the real publish step against a
loopback platform, the real ledger, the scheduler's tick, and the CLI as an operator runs it."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from archive_db import write_post
from helpers.loopback import CountingPlatform, LoopbackAdapter
from pydantic import SecretStr
from test_audit_cli import run

from publisher.archive.approvals import approve, revoke
from publisher.archive.outcomes import Archive, archive_lag, catch_up_all, stop_write_behind, use_write_behind
from publisher.archive.review import add_approval_warnings
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.posts.lookup import load_post_by_id
from publisher.publishing.ledger import Ledger, State
from publisher.publishing.result import Verdict
from publisher.publishing.verbs import publish_post, resolve_target, retract_post
from publisher.scheduler import dispatch, policy, sync
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.status import collect, plain_text

pytestmark = pytest.mark.redis

CONFIGURED = {
    "PUBLISHER_TELEGRAM__BOT_TOKEN": "123:test",
    "PUBLISHER_TELEGRAM__CHAT_ID": "1",
    "PUBLISHER_FACEBOOK__PAGE_ID": "42",
    "PUBLISHER_FACEBOOK__ACCESS_TOKEN": "EAAtest",
}


def configured(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(update={"bot_token": "123:test", "chat_id": "1"}),
            "facebook": settings.facebook.model_copy(update={"page_id": "42", "access_token": "EAAtest"}),
            **changes,
        }
    )


def publish(settings: Settings, ledger: Ledger, platform: CountingPlatform, **kw: object):
    factory = lambda _name, **_kw: LoopbackAdapter(platform.url)  # noqa: E731
    return publish_post("paspor", settings=settings, ledger=ledger, adapter_factory=factory, **kw)


def rows(settings: Settings, *, dry_run: bool = False) -> list:
    return [e for e in Archive.from_settings(settings).events(post="paspor") if e.dry_run == dry_run]


def test_each_settled_outcome_is_archived_once_with_its_card_and_approver(archive_settings, archive_ledger):
    settings = configured(archive_settings, require_approval=True)
    approve(load_post_by_id("paspor", settings), "Ani", settings=settings)
    with CountingPlatform() as platform:
        first = publish(settings, archive_ledger, platform)
        again = publish(settings, archive_ledger, platform)  # answered from the ledger: no second row
        assert [r.state for r in first] == [State.PUBLISHED, State.PUBLISHED]
        assert all(r.already for r in again)
        assert platform.published("paspor/telegram/main") == 1
    archived = rows(settings)
    assert sorted(e.platform for e in archived) == ["facebook", "telegram"]
    assert {(e.state, e.approved_by) for e in archived} == {("published", "Ani")}
    for event in archived:
        record = archive_ledger.get(event.target_id)
        assert record is not None
        assert (event.caption, event.remote_id, event.permalink) == (record.caption, record.remote_id, record.permalink)
        assert event.card_sha256 and Archive.from_settings(settings).cards.has(event.card_sha256)
    assert archive_lag(settings, archive_ledger) == 0


def test_a_worker_process_archives_through_the_write_behind(archive_settings, archive_ledger):
    settings = configured(archive_settings)
    use_write_behind()
    try:
        with CountingPlatform() as platform:
            assert all(r.ok for r in publish(settings, archive_ledger, platform))
    finally:
        assert stop_write_behind()
    assert sorted(e.platform for e in rows(settings)) == ["facebook", "telegram"]
    assert archive_lag(settings, archive_ledger) == 0


def test_an_edit_after_approval_waits_until_approved_again(archive_settings, archive_ledger):
    settings = configured(archive_settings, require_approval=True)
    approve(load_post_by_id("paspor", settings), "Ani", settings=settings)
    write_post(settings.posts_dir, body="Mulai 2 Desember, permohonan paspor elektronik dapat diajukan.")
    with CountingPlatform() as platform:
        waiting = publish(settings, archive_ledger, platform)
        assert {r.state for r in waiting} == {Verdict.AWAITING_APPROVAL}
        assert all(r.message.startswith("approval outdated") for r in waiting)
        assert "publisher approve paspor --by NAME" in waiting[0].line()
        assert sum(platform.counts.values()) == 0  # nothing sent
        assert archive_ledger.all() == []  # the ledger untouched
        report = check_paths(None, settings)
        add_approval_warnings(report, settings)
        assert [p.message.split(":")[0] for p in report.warnings] == ["approval outdated"]

        approve(load_post_by_id("paspor", settings), "Budi", settings=settings)
        report = check_paths(None, settings)
        add_approval_warnings(report, settings)
        assert report.warnings == []
        sent = publish(settings, archive_ledger, platform)
        assert [r.state for r in sent] == [State.PUBLISHED, State.PUBLISHED]
        assert platform.published("paspor/telegram/main") == 1
    assert {e.approved_by for e in rows(settings)} == {"Budi"}


def test_retract_and_resolve_are_archived(archive_settings, archive_ledger):
    settings = configured(archive_settings)
    with CountingPlatform() as platform:
        publish(settings, archive_ledger, platform)
        factory = lambda _name, **_kw: LoopbackAdapter(platform.url)  # noqa: E731
        retract_post("paspor", settings=settings, ledger=archive_ledger, adapter_factory=factory)
    assert sorted(e.state for e in rows(settings)) == ["published", "published", "retracted", "retracted"]
    target = "paspor/telegram/main"
    archive_ledger.redis.hset(archive_ledger._key(target), "state", State.UNKNOWN.value)  # a lost answer
    assert resolve_target(target, ledger=archive_ledger, published=False, settings=settings)
    assert "resolved" in [e.state for e in rows(settings)]


def test_publishing_goes_on_while_the_database_is_unreachable_and_catches_up(archive_settings, archive_ledger):
    settings = configured(archive_settings)
    blocker = Path(settings.state_dir) / "not-a-folder"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the database's folder should be")
    down = settings.model_copy(update={"database_url": SecretStr(f"sqlite:///{blocker / 'archive.sqlite3'}")})
    with CountingPlatform() as platform:
        assert all(r.ok for r in publish(down, archive_ledger, platform))
        assert platform.published("paspor/facebook/main") == 1
    assert archive_lag(down, archive_ledger) is None
    assert "ARCHIVE UNREACHABLE" in plain_text(collect(Runtime(down)))
    assert archive_lag(settings, archive_ledger) == 2  # the real archive, reachable, is two rows behind
    assert catch_up_all(settings, archive_ledger) == 2
    assert catch_up_all(settings, archive_ledger) == 0
    assert sorted(e.platform for e in rows(settings)) == ["facebook", "telegram"]


def test_a_target_waiting_for_approval_stays_scheduled_and_is_not_missed(archive_settings, archive_ledger):
    """Overdue by hours (the fixture's post is due at 09:00 WIB): while it waits it is neither sent nor held as
    missed; approved, it goes out, its lateness counted from the approval."""
    settings = configured(archive_settings, require_approval=True, missed_grace_minutes=10)
    runtime = Runtime(settings)
    sync.sync_posts(runtime)
    targets = {"paspor/telegram/main", "paspor/facebook/main"}
    sent: list[str] = []
    now = time.time()
    report = dispatch.tick(runtime, sent.extend, now=now)
    assert set(report.awaiting_approval) == targets and sent == [] and report.missed == []
    assert {r.state for r in runtime.ledger.all()} == {State.SCHEDULED}
    assert set(runtime.schedule.due_ids()) == targets
    assert collect(runtime).approvals == {"paspor": "approval missing: publisher approve paspor --by NAME"}

    approve(load_post_by_id("paspor", settings), "Ani", settings=settings)
    later = now + settings.missed_grace_minutes * 60  # the approval is fresh; the post's due time is not
    report = dispatch.tick(runtime, sent.extend, now=later)
    assert set(sent) == targets and report.missed == []


def test_lateness_counts_from_the_approval():
    from publisher.scheduler.schedule import TargetMeta

    meta = TargetMeta("p/x/main", "p", "x", "main", due=0.0, deadline=None, content_hash="h", attempts=0, note="")
    tz = Settings(_env_file=None).tz  # type: ignore[call-arg]
    assert policy.decide(meta, 7200.0, grace_minutes=60, tz=tz).action == policy.Verdict.MISS
    assert policy.decide(meta, 7200.0, grace_minutes=60, tz=tz, approved_at=7000.0).action == policy.Verdict.SEND


def test_the_worker_step_puts_a_target_back_when_its_approval_was_revoked(archive_settings, archive_ledger):
    """The tick saw an approval; it was revoked before the task ran: the task reschedules, it does not finish."""
    from publisher.scheduler import work

    settings = configured(archive_settings, require_approval=True)
    runtime = Runtime(settings)
    approve(load_post_by_id("paspor", settings), "Ani", settings=settings)
    sync.sync_posts(runtime)
    sent: list[str] = []
    dispatch.tick(runtime, sent.extend)
    assert sent
    revoke("paspor", settings=settings)
    step = work.publish_one(runtime, sent[0], token="t")
    assert step.action == work.Action.AWAITING_APPROVAL
    assert sent[0] in runtime.schedule.due_ids()
    assert runtime.ledger.get(sent[0]).state == State.SCHEDULED


# --- the CLI, as a newcomer and as the two-person rule want it ---------------------------------------------------


def test_newcomer_approves_and_sees_it_go_out_in_dry_run_then_audits_it(archive_settings, archive_ledger):
    env = {**CONFIGURED, "PUBLISHER_REQUIRE_APPROVAL": "true"}
    waiting = run(archive_settings, "publish", "paspor", "--dry-run", **env)
    assert waiting.returncode == 1
    assert "telegram: awaiting-approval (dry run): waiting for approval: publisher approve paspor --by NAME" in (
        waiting.stdout
    )
    checked = run(archive_settings, "check", **env)
    assert "warning: approval missing: publisher approve paspor --by NAME" in checked.stdout

    assert run(archive_settings, "approve", "paspor", "--by", "Ani", **env).returncode == 0
    done = run(archive_settings, "publish", "paspor", "--dry-run", **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "telegram: published (dry run)" in done.stdout

    audit = run(archive_settings, "audit", "--format", "csv", **env)
    table = list(csv.DictReader(io.StringIO(audit.stdout.lstrip("\ufeff"))))
    assert sorted((r["post"], r["platform"], r["state"], r["approved_by"]) for r in table) == [
        ("paspor", "facebook", "published", "Ani"),
        ("paspor", "telegram", "published", "Ani"),
    ]


def test_two_person_rule_end_to_end(archive_settings, archive_ledger):
    write_post(archive_settings.posts_dir, extra="author: Ani\n")
    env = {**CONFIGURED, "PUBLISHER_REQUIRE_APPROVAL": "true", "PUBLISHER_APPROVERS": "Ani, Budi"}
    own = run(archive_settings, "approve", "paspor", "--by", "ani", **env)
    assert own.returncode == 1 and "two-person rule" in own.stderr
    assert run(archive_settings, "publish", "paspor", "--dry-run", **env).returncode == 1
    outsider = run(archive_settings, "approve", "paspor", "--by", "Citra", **env)
    assert outsider.returncode == 1 and "may not approve" in outsider.stderr
    assert run(archive_settings, "approve", "paspor", "--by", "Budi", **env).returncode == 0
    done = run(archive_settings, "publish", "paspor", "--dry-run", **env)
    assert done.returncode == 0, done.stdout + done.stderr
    status = run(archive_settings, "status", **env)
    assert "ARCHIVE UNREACHABLE" not in status.stdout
    assert {e.approved_by for e in rows(archive_settings, dry_run=True)} == {"Budi"}


def test_the_review_site_shows_the_approval_state_with_its_command_and_the_archived_history(
    archive_settings, archive_ledger, tmp_path
):
    from publisher.preview import build_site

    settings = configured(archive_settings, require_approval=True)
    build_site(None, settings, tmp_path / "site", posters=False)
    page = (tmp_path / "site" / "posts" / "paspor.html").read_text(encoding="utf-8")
    assert "approval missing: publisher approve paspor --by NAME" in page
    assert "<code>publisher approve paspor --by NAME</code>" in page

    approve(load_post_by_id("paspor", settings), "Ani", settings=settings)
    with CountingPlatform() as platform:
        publish(settings, archive_ledger, platform)
    build_site(None, settings, tmp_path / "site", posters=False)
    page = (tmp_path / "site" / "posts" / "paspor.html").read_text(encoding="utf-8")
    assert "approved by Ani" in page and "To approve exactly this version" not in page
    history = page.split("Archived history", 1)[1]
    assert history.count("<tr><td>") == 2 and "published" in history and f"{platform.url}/p/" in history
