"""The publish step's paths, with a small in-test adapter standing in for a platform (no HTTP at all)."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.posts import write_post
from helpers.redis import REDIS_URL_ENV, delete_namespace, new_namespace, redis_client, redis_url_for_tests

from publisher.adapters.base import CredentialCheck, DeleteResult, Outgoing
from publisher.adapters.results import Outcome, PublishResult
from publisher.infra.settings import Settings, unconfigured_message
from publisher.posts.lookup import load_post_by_id
from publisher.publishing.ledger import Ledger, State
from publisher.publishing.prepare import idempotency_key
from publisher.publishing.result import Verdict
from publisher.publishing.step import publish_target
from publisher.publishing.verbs import doctor, publish_post, resolve_target, retract_post

pytestmark = pytest.mark.redis

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta, an hour after the example's publish_at
TARGET = "paspor/facebook/main"


@dataclass
class FakeAdapter:
    """Answers what the test scripts; remembers every call."""

    results: list[PublishResult] = field(default_factory=lambda: [PublishResult.published("r-1", "https://p/r-1")])
    reconciled: PublishResult | None = None
    deletable: bool = True
    sent: list[Outgoing] = field(default_factory=list)
    reconcile_calls: list[Outgoing] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    raise_on_publish: Exception | None = None

    def publish(self, item: Outgoing) -> PublishResult:
        self.sent.append(item)
        if self.raise_on_publish is not None:
            raise self.raise_on_publish
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]

    def reconcile(self, item: Outgoing) -> PublishResult | None:
        self.reconcile_calls.append(item)
        return self.reconciled

    def delete(self, remote_id: str) -> DeleteResult:
        self.deleted.append(remote_id)
        if self.deletable:
            return DeleteResult(True, f"deleted {remote_id}")
        return DeleteResult(False, "delete it by hand within the app")

    def check_credentials(self) -> CredentialCheck:
        return CredentialCheck(True, "token works")


class Factory:
    def __init__(self, adapter: FakeAdapter) -> None:
        self.adapter = adapter
        self.asked: list[str] = []

    def __call__(self, name: str, *, on_progress=None) -> FakeAdapter:
        self.asked.append(name)
        return self.adapter


# The example post the tests publish: three platforms, a hashtag and a link.
PASPOR = {
    "publish_at": "2026-12-02 09:00",
    "platforms": ("facebook", "telegram", "mastodon"),
    "title": "Cara Membuat Paspor Baru",
    "hashtags": "[Paspor]",
    "link": "https://www.imigrasi.go.id/",
    "body": "Siapkan dokumen asli: KTP elektronik dan Kartu Keluarga.",
}


def write_paspor(folder: Path, **changes: object) -> Path:
    return write_post(folder, "paspor", **{**PASPOR, **changes})


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("PUBLISHER_") and name != REDIS_URL_ENV:
            monkeypatch.delenv(name)


@pytest.fixture
def settings(tmp_path) -> Settings:
    posts = tmp_path / "posts"
    posts.mkdir()
    write_paspor(posts)
    return Settings(
        _env_file=None,
        posts_dir=posts,
        state_dir=tmp_path / "state",
        redis_url=redis_url_for_tests(),
        facebook={"page_id": "1001", "access_token": "SEKRET-fb-9f8e7d"},
        telegram={"bot_token": "123456:SEKRET-tg-abc", "chat_id": "@imigrasi"},
    )


@pytest.fixture
def ledger():
    ledger = Ledger(redis_client(), namespace=new_namespace())
    yield ledger
    delete_namespace(ledger.redis, ledger.namespace)


def publish(target, settings, ledger, adapter, **kwargs):
    return publish_target(
        target, settings=settings, ledger=ledger, now=kwargs.pop("now", NOW), adapter_factory=Factory(adapter), **kwargs
    )


def test_publishes_once_and_records_it(settings, ledger):
    adapter = FakeAdapter()
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert result.state == State.PUBLISHED and result.ok and not result.already
    assert result.line() == "facebook: published https://p/r-1"
    item = adapter.sent[0]
    assert item.target_id == "paspor/facebook/main" and item.platform == "facebook"
    assert "Siapkan dokumen asli" in item.caption and "#Paspor" in item.caption
    assert item.image and item.image_format == "PNG" and item.alt
    post = load_post_by_id("paspor", settings)
    assert item.idempotency_key == idempotency_key("paspor/facebook/main", post.content_hash())
    assert len(item.idempotency_key) == 32
    record = ledger.get("paspor/facebook/main")
    assert (record.state, record.remote_id, record.permalink, record.attempts) == (
        State.PUBLISHED,
        "r-1",
        "https://p/r-1",
        1,
    )
    assert record.published_at is not None and record.content_hash == post.content_hash()
    assert record.caption == item.caption


def test_already_published_sends_nothing(settings, ledger):
    adapter = FakeAdapter()
    publish("paspor/facebook/main", settings, ledger, adapter)
    again = publish("paspor/facebook/main", settings, ledger, adapter)
    assert len(adapter.sent) == 1
    assert again.ok and again.already
    assert again.line() == "facebook: already published https://p/r-1"


def test_an_edit_after_publishing_is_reported_not_resent(settings, ledger):
    adapter = FakeAdapter()
    publish("paspor/facebook/main", settings, ledger, adapter)
    write_paspor(settings.posts_dir, subtitle="Diperbarui")
    again = publish("paspor/facebook/main", settings, ledger, adapter)
    assert len(adapter.sent) == 1
    assert again.already and "edited after publishing" in again.message and "supersedes" in again.message
    assert ledger.get("paspor/facebook/main").edited_content_hash == load_post_by_id("paspor", settings).content_hash()


def test_the_post_may_be_passed_in(settings, ledger):
    post = load_post_by_id("paspor", settings)
    (settings.posts_dir / "paspor.md").unlink()  # the worker has the post from Redis, not from disk
    adapter = FakeAdapter()
    result = publish_target(
        "paspor/facebook/main", settings=settings, ledger=ledger, post=post, now=NOW, adapter_factory=Factory(adapter)
    )
    assert result.ok and len(adapter.sent) == 1


def later_than_any_send(ledger, target):
    return ledger.get(target).sent_at + timedelta(minutes=10)


def test_a_person_finding_it_sending_recently_leaves_it_to_the_worker(settings, ledger):
    ledger.begin_send(TARGET, "h")  # a worker is in the middle of sending it
    adapter = FakeAdapter()
    result = publish(TARGET, settings, ledger, adapter, now=ledger.get(TARGET).sent_at, manual=True)
    assert result.state == State.SENDING and "right now" in result.message
    assert adapter.sent == [] and adapter.reconcile_calls == []


def test_the_worker_reconciles_a_sending_record_at_once(settings, ledger):
    # The worker holds the scheduler's running lock: a `sending` it finds is a crash, however recent.
    ledger.begin_send(TARGET, "h")
    adapter = FakeAdapter(reconciled=PublishResult.published("r-4"))
    result = publish(TARGET, settings, ledger, adapter, now=ledger.get(TARGET).sent_at)
    assert result.ok and adapter.sent == [] and len(adapter.reconcile_calls) == 1


def test_found_sending_is_reconciled_never_resent(settings, ledger):
    ledger.begin_send("paspor/facebook/main", "old")  # a worker died mid-send
    adapter = FakeAdapter(reconciled=PublishResult.published("r-9", "https://p/r-9"))
    result = publish("paspor/facebook/main", settings, ledger, adapter, now=later_than_any_send(ledger, TARGET))
    assert adapter.sent == [] and len(adapter.reconcile_calls) == 1
    assert result.ok and result.remote_id == "r-9"
    assert ledger.get("paspor/facebook/main").state == State.PUBLISHED


def test_found_sending_and_reconcile_cannot_tell_becomes_unknown(settings, ledger):
    ledger.begin_send("paspor/facebook/main", "old")
    ledger.note_progress("paspor/facebook/main", "container_id", "c-7")
    adapter = FakeAdapter(reconciled=None)
    later = later_than_any_send(ledger, TARGET)
    result = publish("paspor/facebook/main", settings, ledger, adapter, now=later)
    assert adapter.sent == []
    assert adapter.reconcile_calls[0].progress == {"container_id": "c-7"}  # the evidence goes back to the adapter
    assert result.state == State.UNKNOWN
    assert "may or may not have been published" in result.message and "publisher resolve" in result.message
    assert result.line().startswith("facebook: UNKNOWN")
    # Still unknown on the next call; still nothing sent.
    again = publish("paspor/facebook/main", settings, ledger, adapter, now=later)
    assert again.state == State.UNKNOWN and adapter.sent == [] and len(adapter.reconcile_calls) == 1


def test_unknown_resolved_by_hand(settings, ledger):
    ledger.begin_send("paspor/facebook/main", "old")
    later = later_than_any_send(ledger, TARGET)
    assert publish(TARGET, settings, ledger, FakeAdapter(reconciled=None), now=later).state == State.UNKNOWN
    assert resolve_target("paspor/facebook/main", ledger=ledger, published=False)
    adapter = FakeAdapter()
    assert publish("paspor/facebook/main", settings, ledger, adapter).ok
    assert len(adapter.sent) == 1


def test_lost_answer_is_reconciled_once_then_unknown(settings, ledger):
    adapter = FakeAdapter(results=[PublishResult.failed(Outcome.UNKNOWN_OUTCOME, "Facebook: gateway error 504")])
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert len(adapter.sent) == 1 and len(adapter.reconcile_calls) == 1
    assert result.state == State.UNKNOWN and "gateway error 504" in result.message


def test_lost_answer_found_by_reconcile_is_published(settings, ledger):
    adapter = FakeAdapter(
        results=[PublishResult.failed(Outcome.UNKNOWN_OUTCOME, "lost")],
        reconciled=PublishResult.published("r-2", None),
    )
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert result.ok and result.remote_id == "r-2"


def test_an_adapter_that_raises_does_not_crash_and_is_never_blindly_resent(settings, ledger):
    adapter = FakeAdapter(raise_on_publish=RuntimeError("boom"))
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert result.state == State.UNKNOWN and "boom" in result.message


@pytest.mark.parametrize(
    ("failure", "retryable"),
    [
        (PublishResult.failed(Outcome.RETRY_AFTER, "Facebook: rate limited", retry_after=120.0), True),
        (PublishResult.failed(Outcome.TRANSIENT, "Facebook: could not connect"), True),
        (PublishResult.failed(Outcome.AUTH, "Facebook: access token refused (auth)"), False),
        (PublishResult.failed(Outcome.INVALID, "Facebook: refused: image too large"), False),
    ],
)
def test_failures_are_recorded_and_the_worker_decides(settings, ledger, failure, retryable):
    adapter = FakeAdapter(results=[failure])
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert result.state == State.FAILED and result.retryable is retryable
    assert result.outcome == failure.outcome and result.retry_after == failure.retry_after
    assert result.line() == f"facebook: failed ({failure.outcome.value}): {failure.message}"
    record = ledger.get("paspor/facebook/main")
    assert record.retryable is retryable and record.error == failure.message
    # The automatic retry goes ahead only for a retryable failure; a person's `publisher publish` always may.
    adapter.results = [PublishResult.published("r-3")]
    again = publish("paspor/facebook/main", settings, ledger, adapter)
    assert again.ok is retryable
    assert publish("paspor/facebook/main", settings, ledger, adapter, manual=True).ok


def test_duplicate_with_an_id_counts_as_published(settings, ledger):
    adapter = FakeAdapter(results=[PublishResult(Outcome.DUPLICATE, remote_id="r-5", message="already there")])
    assert publish("paspor/facebook/main", settings, ledger, adapter).ok


def test_duplicate_without_an_id_needs_a_human(settings, ledger):
    adapter = FakeAdapter(results=[PublishResult(Outcome.DUPLICATE, message="duplicate status")])
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert result.state == State.UNKNOWN and "already has this post" in result.message


def test_a_platform_that_is_not_configured_fails_clearly(settings, ledger):
    adapter = FakeAdapter()
    result = publish("paspor/mastodon/main", settings, ledger, adapter)
    assert result.state == State.FAILED and adapter.sent == []
    assert result.message == (
        "mastodon is not configured: set PUBLISHER_MASTODON__API_BASE, PUBLISHER_MASTODON__ACCESS_TOKEN"
    )
    assert result.line().startswith("mastodon: failed (not_configured): mastodon is not configured")
    assert ledger.get("paspor/mastodon/main").state == State.FAILED


def test_unconfigured_message_names_every_variable(settings):
    assert unconfigured_message("facebook", Settings(_env_file=None)) == (
        "facebook is not configured: set PUBLISHER_FACEBOOK__PAGE_ID, PUBLISHER_FACEBOOK__ACCESS_TOKEN"
    )
    assert unconfigured_message("x", Settings(_env_file=None)) == (
        "x is not configured: set PUBLISHER_X__BEARER_TOKEN (or PUBLISHER_X__CONSUMER_KEY, "
        "PUBLISHER_X__CONSUMER_SECRET, PUBLISHER_X__ACCESS_TOKEN, PUBLISHER_X__ACCESS_TOKEN_SECRET)"
    )
    assert unconfigured_message("facebook", settings) is None


def test_a_draft_is_refused(settings, ledger):
    write_paspor(settings.posts_dir, status="draft")
    adapter = FakeAdapter()
    result = publish("paspor/facebook/main", settings, ledger, adapter)
    assert result.state == Verdict.REFUSED and "draft" in result.message
    assert adapter.sent == [] and ledger.get("paspor/facebook/main") is None


def test_past_its_deadline_is_skipped(settings, ledger):
    write_paspor(settings.posts_dir, valid_until="2026-12-05")
    adapter = FakeAdapter()
    result = publish("paspor/facebook/main", settings, ledger, adapter, now=NOW + timedelta(days=10))
    assert result.state == State.SKIPPED and "deadline" in result.message
    assert adapter.sent == []
    assert ledger.get("paspor/facebook/main").state == State.SKIPPED
    assert publish("paspor/facebook/main", settings, ledger, adapter, manual=True).state == State.SKIPPED


def test_a_platform_not_in_the_post_is_refused(settings, ledger):
    result = publish("paspor/x/main", settings, ledger, FakeAdapter())
    assert result.state == Verdict.REFUSED


def test_a_missing_post_raises_lookup_error(settings, ledger):
    with pytest.raises(LookupError):
        publish("no-such-post/facebook/main", settings, ledger, FakeAdapter())


def test_an_invalid_post_raises_with_its_problems(settings, ledger):
    (settings.posts_dir / "paspor.md").write_text("---\nkind: nonsense\n---\nx\n", encoding="utf-8")
    with pytest.raises(ValueError, match="publisher check"):
        publish("paspor/facebook/main", settings, ledger, FakeAdapter())


def test_dry_run_records_in_its_own_namespace(settings, ledger):
    adapter = FakeAdapter()
    result = publish("paspor/facebook/main", settings, ledger, adapter, dry_run=True)
    assert result.ok and result.dry_run and "(dry run)" in result.line()
    assert ledger.get("paspor/facebook/main") is None
    dry = ledger.for_dry_run().get("paspor/facebook/main")
    assert dry.state == State.PUBLISHED and dry.caption and dry.image_bytes
    # The real run afterwards still publishes.
    assert not publish("paspor/facebook/main", settings, ledger, adapter).already


def test_settings_dry_run_decides_when_not_told(settings, ledger):
    dry_settings = settings.model_copy(update={"dry_run": True})
    publish("paspor/facebook/main", dry_settings, ledger, FakeAdapter())
    assert ledger.get("paspor/facebook/main") is None
    assert ledger.for_dry_run().get("paspor/facebook/main").state == State.PUBLISHED


def test_publish_post_sends_each_platform_and_honours_the_choice(settings, ledger):
    adapter = FakeAdapter()
    factory = Factory(adapter)
    results = publish_post("paspor", settings=settings, ledger=ledger, adapter_factory=factory)
    assert [(r.platform, r.state) for r in results] == [
        ("facebook", State.PUBLISHED),
        ("telegram", State.PUBLISHED),
        ("mastodon", State.FAILED),
    ]
    assert factory.asked == ["facebook", "telegram"]
    with pytest.raises(ValueError, match="not in the post's platforms"):
        publish_post("paspor", settings=settings, ledger=ledger, platforms=["x"], adapter_factory=factory)


def test_retract_deletes_what_it_can_and_says_what_is_left(settings, ledger):
    adapter = FakeAdapter()
    publish_post("paspor", settings=settings, ledger=ledger, adapter_factory=Factory(adapter))
    adapter.deletable = True
    results = retract_post("paspor", settings=settings, ledger=ledger, adapter_factory=Factory(adapter))
    by_platform = {r.platform: r for r in results}
    assert by_platform["facebook"].done and by_platform["facebook"].message.startswith("deleted")
    assert by_platform["mastodon"].done and "cancelled" in by_platform["mastodon"].message
    assert ledger.get("paspor/facebook/main").state == "retracted"
    # Retracted is final: publishing again sends nothing.
    assert publish("paspor/facebook/main", settings, ledger, adapter, manual=True).state == "retracted"


def test_retract_that_the_platform_refuses_is_reported(settings, ledger):
    adapter = FakeAdapter(deletable=False)
    publish("paspor/telegram/main", settings, ledger, adapter)
    [result] = retract_post("paspor", settings=settings, ledger=ledger, adapter_factory=Factory(adapter))
    assert not result.done and "by hand" in result.message
    assert ledger.get("paspor/telegram/main").state == State.PUBLISHED


def test_doctor_lists_unconfigured_platforms_with_their_variables(settings):
    lines = {line.name: line for line in doctor(settings, adapter_factory=Factory(FakeAdapter()))}
    assert lines["redis"].ok
    assert lines["facebook"].ok and lines["telegram"].ok
    assert not lines["mastodon"].ok and "PUBLISHER_MASTODON__ACCESS_TOKEN" in lines["mastodon"].message
    assert lines["x"].ok and "PUBLISHER_X__BEARER_TOKEN" in lines["x"].message  # no ready post lists x


def test_example_posts_are_loadable(settings):
    repo_posts = Path(__file__).parent.parent / "posts"
    settings = settings.model_copy(update={"posts_dir": repo_posts})
    assert load_post_by_id("paspor-baru", settings).is_ready


def test_write_post_helper_is_valid(tmp_path):
    assert "status: ready" in textwrap.dedent(write_paspor(tmp_path).read_text())


def test_an_adapter_the_settings_cannot_build_is_a_clear_failure(settings, ledger):
    from publisher.adapters.registry import NotConfigured

    def factory(name, *, on_progress=None):
        raise NotConfigured("Instagram fetches images by URL: set PUBLISHER_MEDIA_DIR and PUBLISHER_MEDIA_BASE_URL")

    result = publish_target("paspor/facebook/main", settings=settings, ledger=ledger, now=NOW, adapter_factory=factory)
    assert result.state == State.FAILED and "PUBLISHER_MEDIA_BASE_URL" in result.message


def test_two_people_publishing_one_target_at_once_publish_it_once(settings, ledger):
    import threading

    class Held(FakeAdapter):
        """Holds the first sender inside the platform call until the test lets it answer."""

        def __init__(self) -> None:
            super().__init__()
            self.inside = threading.Event()
            self.answer = threading.Event()

        def publish(self, item):
            self.inside.set()
            assert self.answer.wait(30), "the test never let the sender answer"
            return super().publish(item)

    adapter = Held()
    post = load_post_by_id("paspor", settings)

    def publish():
        return publish_target(
            "paspor/facebook/main",
            settings=settings,
            ledger=ledger,
            post=post,
            manual=True,  # people running `publisher publish` at once: no scheduler lock between them
            adapter_factory=Factory(adapter),
        )

    first: list = []
    sender = threading.Thread(target=lambda: first.append(publish()))
    sender.start()
    try:
        assert adapter.inside.wait(30), "the first sender never reached the platform"
        others = [publish() for _ in range(3)]  # while the first is certainly still sending
    finally:
        adapter.answer.set()
        sender.join(30)
    assert [r.state for r in others] == [State.SENDING] * 3  # each left it to the sender
    assert all("sending it right now" in r.message for r in others)
    assert [r.state for r in first] == [State.PUBLISHED]
    assert len(adapter.sent) == 1 and adapter.reconcile_calls == []
    assert ledger.get("paspor/facebook/main").state == State.PUBLISHED


def test_a_card_that_cannot_be_prepared_fails_for_now_and_is_tried_again(settings, ledger):
    """Nothing was sent, and a post `check` accepts renders: a failure while drawing (a task time limit firing, a
    photo gone from a full disk) is the moment's, not the post's, so the worker may try the target again."""
    photo = settings.posts_dir / "foto.jpg"
    photo.write_bytes((Path(__file__).parent / "fixtures" / "good" / "foto.jpg").read_bytes())
    write_paspor(settings.posts_dir, image="foto.jpg")
    post = load_post_by_id("paspor", settings)
    saved = photo.read_bytes()
    photo.unlink()
    adapter = FakeAdapter()
    failed = publish_target(
        "paspor/facebook/main", settings=settings, ledger=ledger, post=post, now=NOW, adapter_factory=Factory(adapter)
    )
    record = ledger.get("paspor/facebook/main")
    assert failed.state == State.FAILED and failed.retryable and adapter.sent == []
    assert record.outcome == Outcome.TRANSIENT and record.retryable and "could not prepare" in (record.error or "")
    photo.write_bytes(saved)
    again = publish_target(
        "paspor/facebook/main", settings=settings, ledger=ledger, post=post, now=NOW, adapter_factory=Factory(adapter)
    )
    assert again.state == State.PUBLISHED and len(adapter.sent) == 1
