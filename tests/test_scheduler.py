"""The schedule, claim, sweep, sync, policy, pause and rate limits against a real Redis server (no worker here)."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, date, datetime

import pytest
import redis
from helpers.posts import write_post
from helpers.redis import redis_url_for_tests
from helpers.runtime import scheduler_runtime

from publisher.publishing.ledger import State
from publisher.scheduler import dispatch
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.sync import load_stored_post, sync_posts

pytestmark = pytest.mark.redis


@pytest.fixture
def runtime(tmp_path):
    with scheduler_runtime(tmp_path, "test-sched") as runtime:
        yield runtime


def _fields(post_id="p", platform="telegram", deadline=""):
    return {"post": post_id, "platform": platform, "occurrence": "main", "deadline": deadline, "hash": "h"}


def _claim_worker(url: str, namespace: str, now: float, out, together) -> None:
    client = redis.Redis.from_url(url)
    from publisher.scheduler.schedule import Schedule

    schedule = Schedule(client, namespace, visibility_timeout=300, task_time_limit=60)
    together.wait()  # both connected: start at once
    mine = schedule.claim(now, limit=7)  # small bites, so the two processes interleave
    together.wait()  # neither can take everything before the other has begun
    while batch := schedule.claim(now, limit=7):
        mine += batch
    out.put(mine)


def test_two_dispatchers_racing_over_1000_due_targets_claim_each_exactly_once(runtime):
    now = time.time()
    ids = [f"post-{i}/telegram/main" for i in range(1000)]
    pipe = runtime.redis.pipeline(transaction=False)
    for i, target_id in enumerate(ids):
        pipe.zadd(runtime.schedule.keys.due, {target_id: now - 1 - i / 1000})
    pipe.execute()

    context = multiprocessing.get_context("fork")
    out = context.Queue()
    together = context.Barrier(2, timeout=30)
    racers = [
        context.Process(target=_claim_worker, args=(redis_url_for_tests(), runtime.namespace, now, out, together))
        for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    try:
        claimed = [out.get(timeout=60) for _ in racers]
    finally:
        for racer in racers:
            racer.join(10)
    first, second = claimed
    assert len(first) >= 7 and len(second) >= 7  # each won its first bite before either went on
    assert len(first) == len(set(first)) and len(second) == len(set(second))  # nobody twice within a racer
    assert not set(first) & set(second)  # nobody by both
    assert sorted(first + second) == sorted(ids)  # nobody lost
    assert len(runtime.schedule.leased_ids()) == 1000
    # a second tick finds nothing to claim
    assert runtime.schedule.claim(now) == []


def test_timezone_naive_time_is_wib_and_the_score_is_the_utc_instant(runtime):
    write_post(runtime.settings.posts_dir, "paspor", publish_at="2030-03-04 09:00")
    report = sync_posts(runtime)
    assert report.scheduled == ["paspor/telegram/main"]
    score = runtime.schedule.due_ids()["paspor/telegram/main"]
    assert datetime.fromtimestamp(score, UTC) == datetime(2030, 3, 4, 2, 0, tzinfo=UTC)
    assert runtime.ledger.get("paspor/telegram/main").state == State.SCHEDULED


def test_sync_schedules_ready_posts_never_drafts_and_carries_content_through_redis(runtime):
    folder = runtime.settings.posts_dir
    write_post(folder, "siap", publish_at="2030-01-01 09:00", platforms=("telegram", "x"))
    write_post(folder, "draf", publish_at="2030-01-01 09:00", status="draft")
    event = "{starts_at: 2030-02-10 09:00, location: Manna, reminders: [7d, 2h]}"
    write_post(folder, "acara", publish_at="2030-01-20 09:00", kind="event-reminder", event=event)
    report = sync_posts(runtime)
    scheduled = set(runtime.schedule.due_ids())
    assert {"siap/telegram/main", "siap/x/main"} <= scheduled
    assert {"acara/telegram/reminder-7d", "acara/telegram/reminder-2h"} <= scheduled
    assert not any(t.startswith("draf/") for t in scheduled)
    assert not report.cancelled
    # the event's start bounds every publication of it: the dispatcher skips past it
    meta = runtime.schedule.meta(["acara/telegram/reminder-2h"])["acara/telegram/reminder-2h"]
    assert meta.deadline == datetime(2030, 2, 10, 2, 0, tzinfo=UTC).timestamp()
    # a worker rebuilds the post from Redis alone, with the same content hash the ledger was given
    (folder / "acara.md").rename(folder.parent / "away.md")
    post = load_stored_post(runtime, "acara")
    assert post is not None and post.event is not None and len(post.event.reminders) == 2
    assert post.content_hash() == runtime.ledger.get("acara/telegram/main").content_hash


def test_sync_reschedules_edits_unschedules_removals_and_never_touches_published(runtime):
    folder = runtime.settings.posts_dir
    write_post(folder, "lain", publish_at="2030-01-01 09:00", status="draft")
    write_post(folder, "a", publish_at="2030-01-01 09:00", platforms=("telegram", "x"))
    sync_posts(runtime)
    # telegram went out already; then the post is edited (new time)
    runtime.schedule.remove("a/telegram/main")
    runtime.ledger.transition("a/telegram/main", [State.SCHEDULED], State.PUBLISHED, remote_id="42")
    write_post(folder, "a", publish_at="2030-01-02 10:00", platforms=("telegram", "x"))
    report = sync_posts(runtime)
    assert report.rescheduled == ["a/x/main"]
    assert runtime.schedule.due_ids()["a/x/main"] == datetime(2030, 1, 2, 3, 0, tzinfo=UTC).timestamp()
    assert "a/telegram/main" not in runtime.schedule.due_ids()
    assert runtime.ledger.get("a/telegram/main").state == State.PUBLISHED
    assert runtime.ledger.get("a/telegram/main").edited_content_hash
    # set back to draft: pending targets cancelled; ready again: scheduled again
    write_post(folder, "a", publish_at="2030-01-02 10:00", platforms=("telegram", "x"), status="draft")
    assert sync_posts(runtime).cancelled == ["a/x/main"]
    assert runtime.schedule.due_ids() == {}
    write_post(folder, "a", publish_at="2030-01-02 10:00", platforms=("telegram", "x"))
    assert sync_posts(runtime).scheduled == ["a/x/main"]
    # removed: cancelled, published one untouched
    (folder / "a.md").unlink()
    assert sync_posts(runtime).cancelled == ["a/x/main"]
    assert runtime.ledger.get("a/x/main").state == State.CANCELLED
    assert runtime.ledger.get("a/telegram/main").state == State.PUBLISHED


def test_supersedes_cancels_the_old_posts_pending_targets(runtime):
    folder = runtime.settings.posts_dir
    write_post(folder, "lama", publish_at="2030-01-05 09:00")
    sync_posts(runtime)
    write_post(folder, "ralat", publish_at="2030-01-04 09:00", supersedes="lama")
    report = sync_posts(runtime)
    assert report.cancelled == ["lama/telegram/main"]
    record = runtime.ledger.get("lama/telegram/main")
    assert record.state == State.CANCELLED and "ralat" in record.reason
    assert set(runtime.schedule.due_ids()) == {"ralat/telegram/main"}


def _put_due(runtime, target_id, due, deadline=""):
    post_id, platform, _ = target_id.split("/")
    runtime.ledger.schedule(target_id, "h", datetime.fromtimestamp(due, UTC))
    runtime.schedule.put(target_id, due=due, fields=_fields(post_id, platform, deadline))


def test_tick_skips_past_deadline_holds_missed_and_sends_the_rest_once(runtime):
    now = time.time()
    _put_due(runtime, "ok/telegram/main", now - 5)
    _put_due(runtime, "late/telegram/main", now - 60, deadline=now - 30)
    _put_due(runtime, "outage/telegram/main", now - 2 * 3600)
    sent: list[str] = []
    report = dispatch.tick(runtime, sent.extend, now=now)
    assert sent == ["ok/telegram/main"]
    assert report.skipped == ["late/telegram/main"] and report.missed == ["outage/telegram/main"]
    assert runtime.ledger.get("late/telegram/main").state == State.SKIPPED
    assert "deadline" in runtime.ledger.get("late/telegram/main").reason
    assert runtime.ledger.get("outage/telegram/main").state == State.MISSED
    # a second tick finds nothing
    again: list[str] = []
    dispatch.tick(runtime, again.extend, now=now + 1)
    assert again == []


def test_pause_and_blackout_claim_nothing_and_lose_nothing(runtime):
    now = time.time()
    _put_due(runtime, "p/telegram/main", now - 1)
    sent: list[str] = []
    runtime.schedule.pause()
    assert dispatch.tick(runtime, sent.extend, now=now).paused
    assert sent == [] and "p/telegram/main" in runtime.schedule.due_ids()
    runtime.schedule.resume()
    today = datetime.fromtimestamp(now, runtime.settings.tz).date()
    blackout = Runtime(runtime.settings.model_copy(update={"blackout_dates": [today, date(2031, 1, 1)]}))
    assert dispatch.tick(blackout, sent.extend, now=now).paused
    assert sent == []
    dispatch.tick(runtime, sent.extend, now=now + 1)
    assert sent == ["p/telegram/main"]


def test_rate_limit_and_platform_block_are_shared_and_defer_instead_of_dropping(runtime):
    now = time.time()
    limited = Runtime(runtime.settings.model_copy(update={"rate_limits": {"telegram": 6.0}}))  # burst of 1
    for i in range(3):
        _put_due(runtime, f"r{i}/telegram/main", now - 1 + i / 100)
    _put_due(runtime, "b/x/main", now - 1)
    limited.schedule.block("x", now + 30, now)
    sent: list[str] = []
    report = dispatch.tick(limited, sent.extend, now=now)
    assert sent == ["r0/telegram/main"]
    assert sorted(report.deferred) == ["b/x/main", "r1/telegram/main", "r2/telegram/main"]
    due = runtime.schedule.due_ids()
    assert due["b/x/main"] == pytest.approx(now + 30)
    assert now + 9 <= due["r1/telegram/main"] < due["r2/telegram/main"]  # one every 10 s at 6 a minute


def test_sweeper_returns_expired_leases_but_not_running_ones(runtime):
    now = time.time()
    _put_due(runtime, "lost/telegram/main", now - 1)
    _put_due(runtime, "busy/telegram/main", now - 1)
    schedule = runtime.schedule
    assert sorted(schedule.claim(now)) == ["busy/telegram/main", "lost/telegram/main"]
    started = schedule.start("busy/telegram/main", "task-1", now)
    assert started.attempt == 1 and started.meta.platform == "telegram" and started.blocked_until is None
    later = now + schedule.lease_seconds + 1
    assert schedule.sweep(later) == ["lost/telegram/main"]
    assert "lost/telegram/main" in schedule.due_ids()
    assert "busy/telegram/main" in schedule.leased_ids()  # its task still holds the lock
    assert schedule.start("busy/telegram/main", "task-2", now) == "busy"
    schedule.finish("busy/telegram/main", "task-1")
    assert schedule.start("busy/telegram/main", "task-2", now) == "not-leased"


def test_a_missing_or_empty_posts_folder_cancels_nothing(runtime):
    folder = runtime.settings.posts_dir
    write_post(folder, "tetap", publish_at="2030-01-01 09:00")
    sync_posts(runtime)
    (folder / "tetap.md").unlink()  # an unmounted disk looks like this
    assert sync_posts(runtime).cancelled == []
    folder.rmdir()
    assert sync_posts(runtime).cancelled == []
    assert runtime.ledger.get("tetap/telegram/main").state == State.SCHEDULED
    assert "tetap/telegram/main" in runtime.schedule.due_ids()
