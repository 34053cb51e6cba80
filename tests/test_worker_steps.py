"""The publish task's body (publisher.scheduler.work) in-process, with the real publish step and a loopback
platform: what each outcome leads to, the attempt cap, supersedes retraction, status, pause/resume verbs."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from helpers.loopback import CountingPlatform
from helpers.posts import write_post
from helpers.redis import redis_url_for_tests
from helpers.runtime import scheduler_runtime

from publisher import defaults
from publisher.cli import cli
from publisher.publishing.ledger import State
from publisher.scheduler import dispatch, work
from publisher.scheduler.runtime import PUBLISH_HOOK_ENV
from publisher.scheduler.status import collect, plain_text
from publisher.scheduler.supersede import RETRACT_HOOK_ENV
from publisher.scheduler.sync import sync_posts

pytestmark = pytest.mark.redis


@pytest.fixture
def platform():
    with CountingPlatform() as fake:
        yield fake


@pytest.fixture
def runtime(tmp_path, platform, monkeypatch):
    monkeypatch.setenv(PUBLISH_HOOK_ENV, "helpers.loopback:publish_via_loopback")
    monkeypatch.setenv(RETRACT_HOOK_ENV, "helpers.loopback:retract_via_loopback")
    with scheduler_runtime(
        tmp_path,
        "test-steps",
        telegram={"bot_token": "123:rahasia-sekali", "chat_id": "1", "api_base": platform.url},
        visibility_timeout=20,
    ) as runtime:
        yield runtime


def _due(runtime, post_id: str, *, minutes_ago: int = 1, **extra) -> str:
    from datetime import datetime, timedelta

    moment = datetime.now(runtime.settings.tz) - timedelta(minutes=minutes_ago)
    write_post(runtime.settings.posts_dir, post_id, publish_at=moment.strftime("%Y-%m-%d %H:%M"), **extra)
    return f"{post_id}/telegram/main"


def _run_due(runtime) -> dict[str, work.Step]:
    """One tick, then each enqueued target through the task body, as a worker would."""
    sync_posts(runtime)
    sent: list[str] = []
    dispatch.tick(runtime, sent.extend)
    return {target: work.publish_one(runtime, target, token=f"task-{target}") for target in sent}


def test_published_once_and_a_second_delivery_is_dropped(runtime, platform):
    target = _due(runtime, "sekali")
    steps = _run_due(runtime)
    assert steps[target].action == "published"
    assert work.publish_one(runtime, target, token="late-duplicate").action == "dropped"
    assert platform.published(target) == 1


def test_retry_after_longer_than_half_the_visibility_timeout_goes_back_to_the_schedule(runtime, platform):
    target = _due(runtime, "tunggu")
    platform.faults[target] = ["429:3600"]
    step = _run_due(runtime)[target]
    assert step.action == "rescheduled" and step.retry_in is None  # not a long countdown in the broker
    assert runtime.schedule.due_ids()[target] == pytest.approx(time.time() + 3600, abs=5)
    assert runtime.schedule.blocked_until(["telegram"])["telegram"] == pytest.approx(time.time() + 3600, abs=5)
    # a short wait is a Celery countdown retry, and the lease is held for it
    other = _due(runtime, "sebentar")
    runtime.redis.delete(runtime.schedule.keys.blocked("telegram"))
    platform.faults[other] = ["429:4"]
    step = _run_due(runtime)[other]
    assert step.action == "retry" and step.retry_in == pytest.approx(4)
    assert other in runtime.schedule.leased_ids()
    assert platform.published(other) == 0


def test_a_poison_target_stops_after_the_attempt_cap(runtime, platform):
    target = _due(runtime, "racun")
    sync_posts(runtime)
    runtime.schedule.claim(time.time())
    runtime.redis.hset(runtime.schedule.keys.target(target), "attempts", defaults.MAX_ATTEMPTS)
    step = work.publish_one(runtime, target, token="t")
    assert step.action == "gave-up"
    assert runtime.ledger.get(target).state == State.FAILED
    assert platform.requests[target] == 0


def test_deadline_passed_while_queued_is_skipped_at_send_time(runtime, platform):
    target = _due(runtime, "kedaluwarsa", minutes_ago=3)
    sync_posts(runtime)
    runtime.schedule.claim(time.time())
    # valid_until passed between the claim and the task starting
    runtime.redis.hset(runtime.schedule.keys.target(target), "deadline", time.time() - 1)
    assert work.publish_one(runtime, target, token="t").action == "skipped"
    assert runtime.ledger.get(target).state == State.SKIPPED
    assert platform.requests[target] == 0


def test_supersedes_retracts_the_old_copy_once_the_correction_is_out(runtime, platform):
    old = _due(runtime, "lama", minutes_ago=5)
    assert _run_due(runtime)[old].action == "published"
    new = _due(runtime, "ralat", supersedes="lama")
    steps = _run_due(runtime)
    assert steps[new].action == "published"
    assert runtime.ledger.get(old).state == State.RETRACTED
    assert platform.deleted  # the old copy was deleted on the platform
    assert runtime.ledger.get(new).state == State.PUBLISHED


def test_status_puts_unknown_and_failed_first_and_prints_no_secret(runtime, platform):
    published = _due(runtime, "terbit")
    failing = _due(runtime, "gagal")
    _run_due(runtime)
    runtime.ledger.transition(published, [State.PUBLISHED], State.PUBLISHED)
    runtime.ledger.transition(failing, [State.PUBLISHED], State.FAILED, error="token ditolak", retryable=False)
    status = collect(runtime)
    assert [r.state for r in status.rows][:1] == ["failed"]
    text = plain_text(status)
    assert "FAILED" in text and "WIB" in text and "rahasia-sekali" not in text
    data = json.loads(status.to_json())
    assert {t["target"] for t in data["targets"]} == {published, failing}
    assert "rahasia-sekali" not in status.to_json()


def test_pause_and_resume_verbs_set_the_flag_every_dispatcher_obeys(runtime, monkeypatch):
    monkeypatch.setenv("PUBLISHER_REDIS_URL", redis_url_for_tests())
    monkeypatch.setenv("PUBLISHER_NAMESPACE", runtime.namespace)
    target = _due(runtime, "jeda")
    sync_posts(runtime)
    assert CliRunner().invoke(cli, ["pause"]).exit_code == 0
    sent: list[str] = []
    assert dispatch.tick(runtime, sent.extend).paused and not sent
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 0 and "PAUSED" in result.output and target in result.output
    assert CliRunner().invoke(cli, ["resume"]).exit_code == 0
    dispatch.tick(runtime, sent.extend)
    assert sent == [target]


def test_a_target_that_keeps_crashing_mid_send_ends_unknown_not_resent(runtime, platform):
    target = _due(runtime, "mogok")
    sync_posts(runtime)
    runtime.schedule.claim(time.time())
    runtime.ledger.begin_send(target, "h")  # a previous attempt died while sending
    runtime.redis.hset(runtime.schedule.keys.target(target), "attempts", defaults.MAX_ATTEMPTS)
    assert work.publish_one(runtime, target, token="t").action == "gave-up"
    assert runtime.ledger.get(target).state == "unknown"
    assert platform.requests[target] == 0


def test_a_post_removed_while_its_target_is_in_flight_does_not_go_out(runtime, platform):
    target = _due(runtime, "dihapus")
    _due(runtime, "lain", status="draft")
    sync_posts(runtime)
    runtime.schedule.claim(time.time())  # claimed, the task is on its way
    (runtime.settings.posts_dir / "dihapus.md").unlink()
    sync_posts(runtime)  # cannot unschedule a target in flight, but forgets the post
    assert work.publish_one(runtime, target, token="t").action == "cancelled"
    assert runtime.ledger.get(target).state == "cancelled"
    assert platform.requests[target] == 0


# --- batches of ids in one task message (worker.tasks.publish_targets) ------------------------------------------


def _claimed(runtime, *post_ids: str) -> list[str]:
    targets = [_due(runtime, post_id) for post_id in post_ids]
    sync_posts(runtime)
    sent: list[str] = []
    dispatch.tick(runtime, sent.extend)
    assert sorted(sent) == sorted(targets)
    return targets


def test_a_batch_publishes_each_id_once_and_its_redelivery_drops_them_all(runtime, platform):
    targets = _claimed(runtime, "satu", "dua", "tiga")
    batch = work.publish_batch(runtime, targets, token="batch-1", budget=60)
    assert {t: s.action for t, s in batch.steps.items()} == dict.fromkeys(targets, "published")
    assert not batch.left and batch.error is None
    # the same message delivered again (a worker lost after the last publish, before the ack)
    again = work.publish_batch(runtime, targets, token="batch-1", budget=60)
    assert {s.action for s in again.steps.values()} == {"dropped"}
    assert all(platform.published(t) == 1 for t in targets)
    assert not runtime.schedule.leased_ids() and not runtime.schedule.due_ids()


def test_a_batch_past_its_budget_leaves_the_rest_leased_and_untouched(runtime, platform):
    targets = _claimed(runtime, "awal", "tengah", "akhir")
    ticks = iter([0.0, 100.0])  # started at 0; by the second target the budget has run out
    batch = work.publish_batch(runtime, targets, token="b", budget=10, clock=lambda: next(ticks))
    assert list(batch.steps) == targets[:1] and batch.left == targets[1:]
    for target in batch.left:
        assert platform.requests[target] == 0
        assert target in runtime.schedule.leased_ids()  # still claimed: the new message (or the sweeper) has them
        assert runtime.ledger.get(target).state == "scheduled"
    rest = work.publish_batch(runtime, batch.left, token="b2", budget=10)
    assert {s.action for s in rest.steps.values()} == {"published"}
    assert all(platform.published(t) == 1 for t in targets)


def test_a_crash_mid_batch_reschedules_that_id_and_hands_back_the_rest(runtime, platform):
    targets = _claimed(runtime, "pertama", "meledak", "terakhir")
    real = runtime.publish

    def explode_on_second(target_id, **kwargs):
        if target_id == targets[1]:
            raise RuntimeError("bug")
        return real(target_id, **kwargs)

    runtime.__dict__["publish"] = explode_on_second
    batch = work.publish_batch(runtime, targets, token="b", budget=60)
    assert isinstance(batch.error, RuntimeError)
    assert batch.steps[targets[0]].action == "published"
    assert targets[1] not in batch.steps and batch.left == targets[2:]
    assert targets[1] in runtime.schedule.due_ids()  # back in the schedule with backoff, lock released
    assert targets[2] in runtime.schedule.leased_ids() and platform.requests[targets[2]] == 0
    assert not runtime.redis.exists(runtime.schedule.keys.running(targets[1]))


def test_a_running_target_in_a_redelivered_batch_is_retried_on_its_own(runtime, platform):
    targets = _claimed(runtime, "jalan", "lanjut")
    # a previous delivery of the same batch still holds the first target's running lock
    assert runtime.schedule.start(targets[0], "earlier-delivery", time.time()) != "busy"
    batch = work.publish_batch(runtime, targets, token="redelivered", budget=60)
    assert batch.steps[targets[0]].action == "retry" and batch.steps[targets[0]].retry_in > 0
    assert batch.steps[targets[1]].action == "published"
    assert platform.requests[targets[0]] == 0


def test_enqueue_batches_small_ticks_spread_and_big_ones_capped():
    from worker.tasks import BATCH_MAX, SPREAD, batches

    ids = [f"p{i}/telegram/main" for i in range(10_000)]
    for n in (1, 2, SPREAD, SPREAD + 1, 100, 167, SPREAD * BATCH_MAX + 1, 10_000):
        split = batches(ids[:n])
        assert [i for b in split for i in b] == ids[:n]  # every id once, in order
        assert max(len(b) for b in split) <= BATCH_MAX
        assert len(split) >= min(n, SPREAD)
    assert batches([]) == []
