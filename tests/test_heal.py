"""Ambiguous outcomes heal where the platform makes a check or a retry safe (issue 10, point 3).

Each test goes through the real publish step (``publish_target``, a real Redis ledger) with the real adapter on
real HTTP against the loopback fake (``tests/helpers/fakeplatform``), which follows each platform's documented
behaviour. The answer to the one publishing request is lost in each way the fake can lose it, after the platform
made the post or before it did; the post count on the fake decides: exactly one post (healed → ``published``),
or ``unknown`` where the platform offers no check (and then at most one post, never two).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from conftest import fake_platform_settings
from helpers.fakeplatform import PAGE_ID
from helpers.posts import write_post
from helpers.redis import delete_namespace, redis_url_for_tests
from lexicon import format_ok

from publisher.adapters.bluesky import BlueskyAdapter, record_key
from publisher.adapters.instagram import InstagramAdapter
from publisher.adapters.mastodon import MastodonAdapter
from publisher.adapters.media import MediaStore
from publisher.adapters.registry import build_adapter
from publisher.infra.settings import Settings
from publisher.publishing.ledger import Ledger, State
from publisher.publishing.step import publish_target

pytestmark = pytest.mark.redis

SEVEN = ("facebook", "instagram", "threads", "x", "telegram", "mastodon", "bluesky")
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # an hour after the post is due
POST = "jam-layanan"
# The one request per platform that makes a post public: where a lost answer means "maybe published".
PUBLISHING_PATH = {
    "facebook": "/photos",
    "instagram": "/media_publish",
    "threads": "/threads_publish",
    "x": "/2/tweets",
    "telegram": "/sendPhoto",
    "mastodon": "/api/v1/statuses",
    "bluesky": "com.atproto.repo.createRecord",
}
MADE = ("bad_gateway_after_accept", "drop_after_accept")  # the platform made the post; its answer is lost
NOT_MADE = ("bad_gateway", "drop_before")  # the request reached nobody who acted on it; the answer is lost


class Heal:
    """One post on the seven fake platforms, a ledger of its own, and ``publish(platform)`` through the step."""

    def __init__(self, fake, media, tmp_path) -> None:
        self.fake = fake
        media_dir, media_server = media
        posts = tmp_path / "posts"
        posts.mkdir()
        write_post(posts, POST, publish_at="2026-12-02 09:00", platforms=SEVEN, link="https://www.imigrasi.go.id/")
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            posts_dir=posts,
            state_dir=tmp_path / "state",
            media_dir=media_dir,
            media_base_url=media_server.url,
            **{name: fake_platform_settings(fake, name) for name in SEVEN},
        )
        self.media = MediaStore(media_dir, media_server.url)
        self.client = redis.Redis.from_url(redis_url_for_tests())
        self.namespace = f"publisher-test-{uuid.uuid4().hex}"
        self.ledger = Ledger(self.client, self.namespace)

    def adapter(self, name: str, *, on_progress=None):  # type: ignore[no-untyped-def]
        adapter = build_adapter(name, self.settings, dry_run=False, on_progress=on_progress, media=self.media)
        adapter.sleep = lambda seconds: None  # the fake answers polls at once; no test waits on a clock
        return adapter

    def publish(self, platform: str):  # type: ignore[no-untyped-def]
        return publish_target(
            f"{POST}/{platform}/main", settings=self.settings, ledger=self.ledger, now=NOW, adapter_factory=self.adapter
        )

    def posts(self, platform: str) -> int:
        return len(self.fake.published(platform))

    def publishing_calls(self, platform: str) -> int:
        return len(self.fake.calls(platform, PUBLISHING_PATH[platform], "POST"))


@pytest.fixture
def heal(fake_platform, fake_media, tmp_path):
    h = Heal(fake_platform, fake_media, tmp_path)
    yield h
    delete_namespace(h.client, h.namespace)


# --- every platform, every way of losing the answer -------------------------------------------------------------

# Healed: the platform offers a check (Mastodon's key, Bluesky's record key, a container's status) or a search of
# recent posts finds what was made. Still unknown: a search cannot prove that a post is absent (Facebook, X), and
# Telegram's Bot API cannot read a channel at all.
HEALS = {
    "mastodon": MADE + NOT_MADE,
    "bluesky": MADE + NOT_MADE,
    "instagram": MADE + NOT_MADE,
    "threads": MADE + NOT_MADE,
    "facebook": MADE,
    "x": MADE,
}
STAYS_UNKNOWN = {"facebook": NOT_MADE, "x": NOT_MADE, "telegram": MADE + NOT_MADE}


def cases(table: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(platform, fault) for platform, faults in table.items() for fault in faults]


@pytest.mark.parametrize(("platform", "fault"), cases(HEALS))
def test_a_lost_answer_heals_to_exactly_one_post(heal, platform, fault):
    heal.fake.fail(platform, PUBLISHING_PATH[platform], fault)
    result = heal.publish(platform)
    assert result.state == State.PUBLISHED, result.message
    assert heal.posts(platform) == 1
    assert result.remote_id == heal.fake.published(platform)[0].remote_id

    sent = len(heal.fake.requests)
    assert heal.publish(platform).state == State.PUBLISHED
    assert len(heal.fake.requests) == sent  # settled: the next call sends nothing


@pytest.mark.parametrize(("platform", "fault"), cases(STAYS_UNKNOWN))
def test_where_no_check_can_tell_it_stays_unknown_and_is_never_resent(heal, platform, fault):
    heal.fake.fail(platform, PUBLISHING_PATH[platform], fault)
    result = heal.publish(platform)
    assert result.state == State.UNKNOWN, result.message
    assert f"publisher resolve {POST}/{platform}/main" in result.message
    assert heal.posts(platform) == (1 if fault in MADE else 0)
    assert heal.publishing_calls(platform) == 1
    assert heal.publish(platform).state == State.UNKNOWN
    assert heal.publishing_calls(platform) == 1


# --- Mastodon: the Idempotency-Key ------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", MADE + NOT_MADE)
def test_mastodon_resends_with_the_same_key_and_publishes_once(heal, fault):
    heal.fake.fail("mastodon", "/api/v1/statuses", fault)
    result = heal.publish("mastodon")
    assert result.state == State.PUBLISHED, result.message
    assert heal.posts("mastodon") == 1
    keys = {r.headers["idempotency-key"] for r in heal.fake.calls("mastodon", "/api/v1/statuses", "POST")}
    assert len(keys) == 1  # every resend carried the first request's key


def test_mastodon_resends_a_bounded_number_of_times_then_it_is_unknown(heal):
    heal.fake.fail("mastodon", "/api/v1/statuses", "bad_gateway", times=100)
    result = heal.publish("mastodon")
    assert result.state == State.UNKNOWN, result.message
    assert heal.publishing_calls("mastodon") == 1 + len(MastodonAdapter.resend_delays)
    assert heal.posts("mastodon") == 0


def test_mastodon_made_but_every_answer_lost_is_found_by_its_text(heal):
    heal.fake.fail("mastodon", "/api/v1/statuses", "bad_gateway_after_accept", times=100)
    result = heal.publish("mastodon")
    assert result.state == State.PUBLISHED, result.message
    assert heal.posts("mastodon") == 1  # the repeats got the key's status back (behind a 502 each time)


def test_mastodon_fake_forgets_a_key_after_an_hour_as_documented(heal):
    api = heal.fake.api("mastodon")
    heal.fake.fail("mastodon", "/api/v1/statuses", "bad_gateway_after_accept")
    assert heal.publish("mastodon").state == State.PUBLISHED
    [request] = heal.fake.calls("mastodon", "/api/v1/statuses", "POST")[:1]
    api.age_idempotency_keys(3_601)
    adapter = heal.adapter("mastodon")
    resent = adapter.send_json(
        adapter.request(
            "POST",
            "api/v1/statuses",
            json=request.json,
            headers={"Idempotency-Key": request.headers["idempotency-key"]},
        )
    )
    assert resent["id"] != api.published[0].remote_id and heal.posts("mastodon") == 2  # why the window matters


def test_mastodon_does_not_resend_once_the_key_may_have_expired(heal):
    target = f"{POST}/mastodon/main"
    assert heal.ledger.begin_send(target, "old-hash")  # a worker crashed mid-send two hours ago
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)  # the adapter's window runs on the real clock
    heal.ledger.note_progress(target, "started_at", two_hours_ago.isoformat())
    heal.ledger.note_progress(target, "media_id", "1")
    result = heal.publish("mastodon")
    assert result.state == State.UNKNOWN, result.message  # not among the recent statuses; a repeat could double
    assert heal.publishing_calls("mastodon") == 0


# --- Bluesky: the record key ------------------------------------------------------------------------------------


def test_bluesky_record_keys_are_tids_with_a_clock_id_from_the_target():
    key = record_key("a" * 32, 1_764_547_200.0)
    assert format_ok("tid", key) and format_ok("record-key", key)
    assert record_key("a" * 32, 1_764_547_200.0) == key
    assert record_key("b" * 32, 1_764_547_200.0) != key  # same microsecond, another target: another clock id


def test_bluesky_a_create_lost_every_time_fails_retryably_and_the_retry_reuses_the_key(heal):
    heal.fake.fail("bluesky", "createRecord", "bad_gateway", times=1 + len(BlueskyAdapter.resend_delays))
    first = heal.publish("bluesky")
    assert first.state == State.FAILED and first.retryable, first.message  # getRecord proved it absent
    assert heal.posts("bluesky") == 0
    retry = heal.publish("bluesky")
    assert retry.state == State.PUBLISHED, retry.message
    rkeys = {r.json["rkey"] for r in heal.fake.calls("bluesky", "createRecord", "POST")}
    assert len(rkeys) == 1 and heal.posts("bluesky") == 1


def test_bluesky_a_create_that_lands_late_is_found_not_repeated(heal):
    heal.fake.fail("bluesky", "createRecord", "bad_gateway", times=1 + len(BlueskyAdapter.resend_delays))
    assert heal.publish("bluesky").state == State.FAILED
    lost = heal.fake.calls("bluesky", "createRecord", "POST")[-1].json
    api = heal.fake.api("bluesky")
    with heal.fake.lock:
        api._create(lost)  # one of the lost creates is applied after all, later than getRecord looked
    retry = heal.publish("bluesky")
    assert retry.state == State.PUBLISHED, retry.message  # the create under the same key was refused; found
    assert retry.remote_id.endswith("/" + lost["rkey"])
    assert heal.posts("bluesky") == 1


def test_bluesky_when_getrecord_fails_too_it_is_unknown(heal):
    heal.fake.fail("bluesky", "createRecord", "bad_gateway_after_accept")
    heal.fake.fail("bluesky", "getRecord", "server_error", times=2)  # publish's look, then reconcile's
    result = heal.publish("bluesky")
    assert result.state == State.UNKNOWN, result.message
    assert heal.posts("bluesky") == 1 and heal.publishing_calls("bluesky") == 1


# --- Facebook, X, Telegram: a search of recent posts, where the API has one ------------------------------------


@pytest.mark.parametrize("fault", MADE)
def test_x_without_a_tier_that_reads_the_timeline_cannot_tell(heal, fault):
    heal.fake.api("x").timeline_readable = False  # 403 client-not-enrolled, as X answers such an access level
    heal.fake.fail("x", "/2/tweets", fault)
    result = heal.publish("x")
    assert result.state == State.UNKNOWN, result.message
    assert heal.posts("x") == 1 and heal.publishing_calls("x") == 1


def test_facebook_without_the_right_to_read_the_page_cannot_tell(heal):
    heal.fake.fail("facebook", "/photos", "drop_after_accept")
    heal.fake.fail("facebook", f"/{PAGE_ID}/posts", "auth")  # the token cannot read /{page}/posts
    result = heal.publish("facebook")
    assert result.state == State.UNKNOWN, result.message
    assert heal.posts("facebook") == 1 and heal.publishing_calls("facebook") == 1


# --- Instagram, Threads: the container ---------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["instagram", "threads"])
def test_a_container_that_cannot_be_read_leaves_it_unknown(heal, platform):
    heal.fake.fail(platform, PUBLISHING_PATH[platform], "drop_before")
    heal.fake.api(platform).unreadable_after_publish = True
    result = heal.publish(platform)
    assert result.state == State.UNKNOWN, result.message
    assert heal.posts(platform) == 0 and heal.publishing_calls(platform) == 1


@pytest.mark.parametrize("platform", ["instagram", "threads"])
def test_a_container_publish_lost_every_time_is_bounded(heal, platform):
    heal.fake.fail(platform, PUBLISHING_PATH[platform], "bad_gateway", times=100)
    result = heal.publish(platform)
    assert result.state == State.UNKNOWN, result.message
    assert heal.posts(platform) == 0
    assert heal.publishing_calls(platform) == 1 + 1 + len(InstagramAdapter.resend_delays)


@pytest.mark.parametrize("platform", ["instagram", "threads"])
def test_a_published_container_whose_post_is_not_listed_yet_is_unknown(heal, platform):
    heal.fake.fail(platform, PUBLISHING_PATH[platform], "bad_gateway_after_accept")
    heal.fake.api(platform).media_list_lags = True
    result = heal.publish(platform)
    assert result.state == State.UNKNOWN, result.message
    assert "was published; its post id is unknown" in result.message
    assert heal.posts(platform) == 1 and heal.publishing_calls(platform) == 1
