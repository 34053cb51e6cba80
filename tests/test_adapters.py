"""The seven adapters over real HTTP against the loopback fake platform (tests/helpers/fakeplatform), no patching."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import fake_platform_settings
from helpers.fakeplatform import TOKENS

from publisher.adapters.bluesky import build_facets
from publisher.adapters.graph import GraphAdapter
from publisher.adapters.registry import ConfigurationError, NotConfigured, build_adapter
from publisher.adapters.results import Outcome
from publisher.adapters.transport.base import HttpResponse

PLATFORMS = ["facebook", "instagram", "threads", "x", "telegram", "mastodon", "bluesky"]
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
ALL_SECRETS = list(TOKENS.values())


def assert_no_secret(text: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in text, f"secret leaked into {text!r}"


# --- the happy path -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLATFORMS)
def test_publish_end_to_end(name, make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter(name)
    item = outgoing_for(name)
    result = adapter.publish(item)

    assert result.outcome is Outcome.PUBLISHED, result.message
    assert result.remote_id and result.permalink and result.permalink.startswith("https://")
    [published] = fake_platform.published(name)
    assert published.remote_id == result.remote_id
    assert published.text == item.caption
    card = adapter.card
    assert (published.image.format, published.image.width, published.image.height) == (
        card.format,
        card.width,
        card.height,
    )
    assert published.alt == (item.alt if adapter.supports_alt_text else None)


@pytest.mark.parametrize("name", PLATFORMS)
def test_delete(name, make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter(name)
    result = adapter.publish(outgoing_for(name))
    deleted = adapter.delete(result.remote_id)
    assert deleted.done, deleted.message
    assert fake_platform.published(name) == []


@pytest.mark.parametrize("name", PLATFORMS)
def test_check_credentials(name, make_adapter, fake_platform):
    adapter = make_adapter(name)
    good = adapter.check_credentials()
    assert good.ok, good.message
    assert adapter.label in good.message

    fake_platform.revoke(name)
    from publisher.adapters.bluesky import BlueskyAdapter

    BlueskyAdapter.forget_sessions()
    bad = make_adapter(name).check_credentials()
    assert not bad.ok
    assert adapter.label in bad.message and ("token" in bad.message or "auth" in bad.message)
    assert_no_secret(bad.message)


def test_x_with_an_oauth2_bearer_token(make_adapter, outgoing_for, fake_platform):
    from pydantic import SecretStr

    adapter = make_adapter("x", bearer_token=SecretStr(TOKENS["x_bearer"]), consumer_key=None)
    assert adapter.publish(outgoing_for("x")).ok
    assert fake_platform.calls("x", "/2/tweets")[0].headers["authorization"] == f"Bearer {TOKENS['x_bearer']}"


# --- each failure class ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLATFORMS)
def test_auth_failure_names_platform_and_token_but_not_the_token(name, make_adapter, outgoing_for, fake_platform):
    fake_platform.revoke(name)
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.AUTH
    assert result.message.startswith(make_adapter(name).label)
    assert "token" in result.message or "auth" in result.message
    assert_no_secret(result.message)
    assert fake_platform.published(name) == []


@pytest.mark.parametrize("name", PLATFORMS)
def test_rate_limit_gives_the_wait(name, make_adapter, outgoing_for, fake_platform):
    fake_platform.fail(name, PUBLISHING_PATH[name], "rate_limit", retry_after=180)
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.RETRY_AFTER, result.message
    assert 170 <= result.retry_after <= 181
    assert fake_platform.published(name) == []


@pytest.mark.parametrize("name", PLATFORMS)
def test_server_error_with_body_is_transient(name, make_adapter, outgoing_for, fake_platform):
    fake_platform.fail(name, PUBLISHING_PATH[name], "server_error", status=503)
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.TRANSIENT, result.message
    assert result.retryable


@pytest.mark.parametrize("name", PLATFORMS)
def test_bad_gateway_on_the_publishing_request_is_unknown(name, make_adapter, outgoing_for, fake_platform):
    fake_platform.fail(name, PUBLISHING_PATH[name], "bad_gateway")
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.UNKNOWN_OUTCOME, result.message


@pytest.mark.parametrize("name", [name for name in PLATFORMS if name != "bluesky"])  # Bluesky: see below
def test_answer_dropped_after_accepting_is_unknown(name, make_adapter, outgoing_for, fake_platform):
    fake_platform.fail(name, PUBLISHING_PATH[name], "drop_after_accept")
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.UNKNOWN_OUTCOME, result.message
    assert len(fake_platform.published(name)) == 1  # it did go up: exactly why it must not be blindly retried
    assert len(fake_platform.calls(name, PUBLISHING_PATH[name])) == 1  # and no layer below resent the POST


@pytest.mark.parametrize(("name", "path"), [("x", "/2/media/upload"), ("mastodon", "/api/v2/media")])
def test_lost_answer_before_the_publishing_request_is_transient(name, path, make_adapter, outgoing_for, fake_platform):
    fake_platform.fail(name, path, "drop_after_accept")
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.TRANSIENT, result.message
    assert fake_platform.published(name) == []


def test_read_timeout_on_the_publishing_request_is_unknown(make_adapter, outgoing_for, fake_platform):
    fake_platform.fail("facebook", "/photos", "stall", seconds=1.5)
    result = make_adapter("facebook", timeouts=(2.0, 0.5)).publish(outgoing_for("facebook"))
    assert result.outcome is Outcome.UNKNOWN_OUTCOME, result.message


@pytest.mark.parametrize("name", PLATFORMS)
def test_connection_refused_is_transient_and_hides_secrets(name, make_adapter, outgoing_for):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = make_adapter(name, api_base=f"http://127.0.0.1:{port}").publish(outgoing_for(name))
    assert result.outcome is Outcome.TRANSIENT, result.message
    assert_no_secret(result.message)  # Telegram's URL carries the bot token


@pytest.mark.parametrize("name", ["facebook", "x"])
def test_duplicate(name, make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter(name)
    assert adapter.publish(outgoing_for(name)).ok
    again = adapter.publish(outgoing_for(name))
    assert again.outcome is Outcome.DUPLICATE, again.message
    assert len(fake_platform.published(name)) == 1


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (1, Outcome.TRANSIENT),
        (2, Outcome.TRANSIENT),
        (4, Outcome.RETRY_AFTER),
        (17, Outcome.RETRY_AFTER),
        (32, Outcome.RETRY_AFTER),
        (613, Outcome.RETRY_AFTER),
        (80001, Outcome.RETRY_AFTER),
        (190, Outcome.AUTH),
        (102, Outcome.AUTH),
        (10, Outcome.AUTH),
        (200, Outcome.AUTH),
        (299, Outcome.AUTH),
        (368, Outcome.INVALID),
        (100, Outcome.INVALID),
        (506, Outcome.DUPLICATE),
    ],
)
def test_graph_error_codes(code, outcome, make_adapter):
    import json

    adapter: GraphAdapter = make_adapter("facebook")
    body = json.dumps({"error": {"message": "m", "type": "OAuthException", "code": code, "fbtrace_id": "t"}})
    result = adapter.classify(HttpResponse(400, {}, body.encode()), publishing=True)
    assert result.outcome is outcome
    if outcome is Outcome.RETRY_AFTER:
        assert result.retry_after == 600  # no usage header: the documented-safe default


def test_invalid_image_for_a_container_platform(make_adapter, outgoing_for):
    adapter = make_adapter("instagram")
    adapter.media.base_url = adapter.media.base_url + "/missing"  # the platform's fetch gets a 404
    result = adapter.publish(outgoing_for("instagram"))
    assert result.outcome is Outcome.INVALID
    assert "fetched" in result.message


@pytest.mark.parametrize(("name", "detail"), [("instagram", "Error: unsupported aspect ratio"), ("threads", "UNKNOWN")])
def test_container_in_error_is_invalid_with_the_reason(name, detail, make_adapter, outgoing_for, fake_platform):
    fake_platform.api(name).next_container_error = detail
    result = make_adapter(name).publish(outgoing_for(name))
    assert result.outcome is Outcome.INVALID
    assert detail in result.message
    assert fake_platform.calls(name, PUBLISHING_PATH[name]) == []


def test_bluesky_refuses_an_image_over_a_megabyte_before_sending(make_adapter, outgoing_for, fake_platform):
    item = outgoing_for("bluesky", image=b"\xff" * 1_000_001)
    result = make_adapter("bluesky").publish(item)
    assert result.outcome is Outcome.INVALID
    assert fake_platform.calls("bluesky", "uploadBlob") == []


# --- Bluesky specifics ----------------------------------------------------------------------------------------


def test_bluesky_facets_count_utf8_bytes():
    text = "Pengumuman ✈️ é: https://imigrasi.go.id/paspor #Imigrasi"
    facets = build_facets(text)
    raw = text.encode()
    link, tag = facets
    assert raw[link["index"]["byteStart"] : link["index"]["byteEnd"]].decode() == "https://imigrasi.go.id/paspor"
    assert link["index"]["byteStart"] == len("Pengumuman ✈️ é: ".encode()) != text.index("https")
    assert raw[tag["index"]["byteStart"] : tag["index"]["byteEnd"]].decode() == "#Imigrasi"
    assert tag["features"][0] == {"$type": "app.bsky.richtext.facet#tag", "tag": "Imigrasi"}


def test_bluesky_post_with_non_ascii_before_the_link(make_adapter, outgoing_for, fake_platform):
    caption = "Layanan paspor 🛂 kini tersedia — info: https://imigrasi.go.id/paspor"
    assert make_adapter("bluesky").publish(outgoing_for("bluesky", caption=caption)).ok  # the fake checks offsets
    record = fake_platform.published("bluesky")[0].extra["record"]
    assert record["langs"] == ["id"]
    assert record["embed"]["images"][0]["aspectRatio"] == {"width": 1200, "height": 675}


def test_bluesky_reuses_its_session_and_refreshes_an_expired_one(make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter("bluesky")
    assert adapter.publish(outgoing_for("bluesky", caption="Satu https://imigrasi.go.id")).ok
    assert make_adapter("bluesky").publish(outgoing_for("bluesky", caption="Dua https://imigrasi.go.id")).ok
    assert len(fake_platform.calls("bluesky", "createSession")) == 1

    fake_platform.api("bluesky").expire_access_tokens()
    assert adapter.publish(outgoing_for("bluesky", caption="Tiga https://imigrasi.go.id")).ok
    assert len(fake_platform.calls("bluesky", "refreshSession")) == 1
    assert len(fake_platform.calls("bluesky", "createSession")) == 1
    assert len(fake_platform.published("bluesky")) == 3


def test_bluesky_logs_in_again_when_the_refresh_token_has_expired_too(make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter("bluesky")
    assert adapter.check_credentials().ok
    fake_platform.api("bluesky").expire_access_tokens()
    fake_platform.api("bluesky").refresh.clear()
    assert adapter.publish(outgoing_for("bluesky")).ok
    assert len(fake_platform.calls("bluesky", "createSession")) == 2


# --- idempotency and reconcile --------------------------------------------------------------------------------


def progress_of(events):
    return {key: value for _target, key, value in events}


def test_mastodon_sends_the_idempotency_key_and_reconciles_with_it(make_adapter, outgoing_for, fake_platform):
    events: list = []
    adapter = make_adapter("mastodon", progress=events)
    item = outgoing_for("mastodon")
    fake_platform.fail("mastodon", "/api/v1/statuses", "drop_after_accept")
    assert adapter.publish(item).outcome is Outcome.UNKNOWN_OUTCOME
    assert fake_platform.calls("mastodon", "/api/v1/statuses")[0].headers["idempotency-key"] == item.idempotency_key

    fake_platform.api("mastodon").published[0].extra["status"]["content"] = (
        "<p>edited elsewhere</p>"  # not found by text
    )
    from dataclasses import replace

    found = adapter.reconcile(replace(item, progress=progress_of(events)))
    assert found is not None and found.ok
    assert found.remote_id == fake_platform.published("mastodon")[0].remote_id
    assert len(fake_platform.published("mastodon")) == 1  # the repeated key returned the same status


def test_mastodon_reconcile_finds_the_status_by_text(make_adapter, outgoing_for, fake_platform):
    item = outgoing_for("mastodon", caption="Jam layanan berubah & diperpanjang.\n\nhttps://imigrasi.go.id")
    fake_platform.fail("mastodon", "/api/v1/statuses", "drop_after_accept")
    adapter = make_adapter("mastodon")
    adapter.publish(item)
    found = adapter.reconcile(item)  # no progress at all: found among recent statuses
    assert found is not None and found.remote_id == fake_platform.published("mastodon")[0].remote_id


@pytest.mark.parametrize("name", ["instagram", "threads"])
def test_container_published_before_the_crash_is_never_published_again(name, make_adapter, outgoing_for, fake_platform):
    from dataclasses import replace

    events: list = []
    adapter = make_adapter(name, progress=events)
    item = outgoing_for(name)
    fake_platform.fail(name, PUBLISHING_PATH[name], "drop_after_accept")
    assert adapter.publish(item).outcome is Outcome.UNKNOWN_OUTCOME
    assert "container_id" in progress_of(events)

    found = adapter.reconcile(replace(item, progress=progress_of(events)))
    assert found is not None and found.ok, found
    assert found.remote_id == fake_platform.published(name)[0].remote_id
    assert len(fake_platform.calls(name, PUBLISHING_PATH[name])) == 1
    assert len(fake_platform.published(name)) == 1


@pytest.mark.parametrize("name", ["instagram", "threads"])
def test_container_finished_but_not_published_is_completed_by_reconcile(
    name, make_adapter, outgoing_for, fake_platform
):
    from dataclasses import replace

    events: list = []
    adapter = make_adapter(name, progress=events)
    item = outgoing_for(name)
    fake_platform.fail(name, PUBLISHING_PATH[name], "drop_before")  # the publish request never took effect
    assert adapter.publish(item).outcome is Outcome.UNKNOWN_OUTCOME
    assert fake_platform.published(name) == []

    found = adapter.reconcile(replace(item, progress=progress_of(events)))
    assert found is not None and found.ok
    assert len(fake_platform.published(name)) == 1


def test_bluesky_a_lost_create_is_found_under_its_record_key_at_once(make_adapter, outgoing_for, fake_platform):
    from dataclasses import replace

    events: list = []
    adapter = make_adapter("bluesky", progress=events)
    item = outgoing_for("bluesky")
    fake_platform.fail("bluesky", "createRecord", "drop_after_accept")
    result = adapter.publish(item)  # the answer is lost; getRecord for the key we chose finds the post
    assert result.ok and result.remote_id.endswith(progress_of(events)["rkey"])
    assert len(fake_platform.published("bluesky")) == 1

    found = adapter.reconcile(replace(item, progress=progress_of(events)))
    assert found is not None and found.remote_id == result.remote_id
    assert len(fake_platform.calls("bluesky", "createRecord")) == 1


def test_bluesky_reconcile_creates_an_absent_record_under_the_same_key(make_adapter, outgoing_for, fake_platform):
    item = outgoing_for("bluesky", progress={"rkey": "3zzzzzzzzzzzz"})
    made = make_adapter("bluesky").reconcile(item)  # proven absent: made now, under the key the ledger kept
    assert made is not None and made.ok and made.remote_id.endswith("/3zzzzzzzzzzzz")
    assert make_adapter("bluesky").publish(item).ok  # a later attempt reuses the key and finds it: still one post
    assert len(fake_platform.published("bluesky")) == 1


@pytest.mark.parametrize("name", ["facebook", "x"])
def test_reconcile_by_recent_posts(name, make_adapter, outgoing_for, fake_platform):
    item = outgoing_for(name, caption="Pelayanan & informasi: https://imigrasi.go.id/layanan")
    fake_platform.fail(name, PUBLISHING_PATH[name], "drop_after_accept")
    adapter = make_adapter(name)
    assert adapter.publish(item).outcome is Outcome.UNKNOWN_OUTCOME
    found = adapter.reconcile(item)  # X returns the text with t.co links and &amp;: still matched
    assert found is not None and found.remote_id == fake_platform.published(name)[0].remote_id
    assert adapter.reconcile(outgoing_for(name, caption="never posted")) is None


def test_telegram_cannot_reconcile_and_deletes_only_within_48_hours(make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter("telegram")
    assert adapter.reconcile(outgoing_for("telegram")) is None
    result = adapter.publish(outgoing_for("telegram"))
    fake_platform.published("telegram")[0].extra["older_than_48h"] = True
    deleted = adapter.delete(result.remote_id)
    assert not deleted.done
    assert "48 hours" in deleted.message and "by hand" in deleted.message


# --- the factory and the dry run ------------------------------------------------------------------------------


def full_settings(fake, media_dir=None, media_base_url=None):
    from publisher.infra.settings import Settings

    platforms = {name: fake_platform_settings(fake, name) for name in PLATFORMS}
    return Settings(_env_file=None, media_dir=media_dir, media_base_url=media_base_url, **platforms)


@pytest.mark.parametrize("name", PLATFORMS)
def test_dry_run_records_masked_requests_and_opens_no_socket(name, fake_platform, outgoing_for, monkeypatch):
    settings = full_settings(fake_platform)
    adapter = build_adapter(name, settings, dry_run=True, secrets=settings.secret_values())

    def no_network(*args, **kwargs):
        raise AssertionError("a dry run opened a socket")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)

    result = adapter.publish(outgoing_for(name))
    assert result.ok, result.message
    recorded = adapter.transport.requests
    assert recorded, "nothing recorded"
    assert_no_secret(repr(recorded))
    assert any("bytes image/" in repr(r.summary) for r in recorded) or name in ("instagram", "threads")
    assert fake_platform.calls(name, "") == []


def test_build_adapter_uses_real_http_unless_dry_run(fake_platform, fake_media, outgoing_for):
    from publisher.adapters.transport.dry_run import DryRunTransport
    from publisher.adapters.transport.requests import RequestsTransport

    media_dir, media_server = fake_media
    settings = full_settings(fake_platform, media_dir, media_server.url)
    adapter = build_adapter("instagram", settings, dry_run=False)
    assert isinstance(adapter.transport, RequestsTransport)
    adapter.sleep = lambda s: None
    assert adapter.publish(outgoing_for("instagram")).ok
    assert isinstance(build_adapter("x", settings, dry_run=True).transport, DryRunTransport)


def test_build_adapter_explains_missing_settings(fake_platform):
    from publisher.infra.settings import Settings, TelegramSettings

    settings = Settings(_env_file=None, telegram=TelegramSettings(chat_id="@x"))
    with pytest.raises(NotConfigured, match="PUBLISHER_TELEGRAM__BOT_TOKEN"):
        build_adapter("telegram", settings, dry_run=False)
    with pytest.raises(NotConfigured, match="PUBLISHER_MEDIA_DIR"):
        build_adapter("instagram", full_settings(fake_platform), dry_run=False)
    with pytest.raises(ConfigurationError, match="unknown platform"):
        build_adapter("myspace", settings, dry_run=True)


def test_retry_after_http_date():
    from email.utils import formatdate

    from publisher.adapters.failures import retry_after_header

    assert retry_after_header({"retry-after": "30"}) == 30
    later = formatdate(time.time() + 90, usegmt=True)
    assert 85 <= retry_after_header({"retry-after": later}) <= 91


def test_mastodon_does_not_repeat_the_post_once_the_idempotency_key_may_have_expired(
    make_adapter, outgoing_for, fake_platform
):
    item = outgoing_for("mastodon", progress={"started_at": "2026-01-01T00:00:00+00:00", "media_id": "1"})
    assert make_adapter("mastodon").reconcile(item) is None  # cannot tell: a person decides
    assert fake_platform.calls("mastodon", "/api/v1/statuses") == []


def test_status_500_without_a_body_on_the_publishing_request_is_unknown(make_adapter):
    result = make_adapter("telegram").classify(HttpResponse(500, {}, b""), publishing=True)
    assert result.outcome is Outcome.UNKNOWN_OUTCOME
    assert make_adapter("telegram").classify(HttpResponse(500, {}, b""), publishing=False).outcome is Outcome.TRANSIENT


WIKI = "https://id.wikipedia.org/wiki/Imigrasi_(Indonesia)"


@pytest.mark.parametrize(
    ("text", "link"),
    [
        (f"Baca {WIKI}", WIKI),
        (f"Baca {WIKI}.", WIKI),  # the sentence's full stop is not part of it; the bracket is
        (f"(lihat {WIKI})", WIKI),  # balanced: the outer bracket closes the aside
        ("(lihat https://imigrasi.go.id/paspor)", "https://imigrasi.go.id/paspor"),
        ("Info: https://imigrasi.go.id/a_(b)c, ya", "https://imigrasi.go.id/a_(b)c"),
    ],
)
def test_bluesky_link_facet_keeps_a_closing_bracket_opened_inside_the_url(text, link):
    """As the official client (@atproto/api detectFacets): a trailing ')' stays when the URL holds a '('."""
    (facet,) = build_facets(text)
    raw = text.encode()
    assert raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode() == link
    assert facet["features"][0]["uri"] == link
