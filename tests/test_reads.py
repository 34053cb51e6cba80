"""The read calls (listening) of the seven adapters, over real HTTP against the loopback fake platform: each
platform's metrics and replies in its own shapes, batching counted in requests, a metric the answer leaves out
recorded as missing (None, never 0), Telegram's views "not available", failures classified like writes."""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from helpers.fakeplatform import SAMPLE_METRICS as METRICS
from helpers.fakeplatform import TOKENS, FakeReply, seed

from publisher.adapters.reads import ReadFailed
from publisher.adapters.results import Outcome

READERS = sorted(name for name, metrics in METRICS.items() if metrics)  # Telegram serves no per-post counters
REPLIES_READERS = READERS  # Telegram cannot list replies (see its test below)
# Where each platform's metrics request goes (to count them).
METRICS_PATH = {
    "facebook": "/",
    "instagram": "/insights",
    "threads": "/insights",
    "x": "/2/tweets",
    "mastodon": "/api/v1/statuses",
    "bluesky": "/xrpc/app.bsky.feed.getPosts",
}


def fake_id(name: str, n: int) -> str:
    return {
        "facebook": f"1001_{9000 + n}",
        "bluesky": f"at://did:plc:fakeimigrasi/app.bsky.feed.post/3lfake{n:04d}",
    }.get(name, str(9000 + n))


def metric_calls(fake, name: str) -> int:
    path = METRICS_PATH[name]
    with fake.lock:
        requests = [r for p, r in fake.requests if p == name and r.method == "GET"]
    if name == "facebook":
        return sum(1 for r in requests if r.path == "/")
    return sum(1 for r in requests if r.path == path or (path == "/insights" and r.path.endswith(path)))


@pytest.mark.parametrize("name", READERS)
def test_metrics_of_a_published_post(name, make_adapter, outgoing_for, fake_platform):
    adapter = make_adapter(name)
    published = adapter.publish(outgoing_for(name))
    assert published.ok, published.message
    seed(fake_platform, name, published.remote_id, metrics=METRICS[name])

    [snapshot] = adapter.read_metrics([published.remote_id])
    assert (snapshot.platform, snapshot.remote_id) == (name, published.remote_id)
    assert dict(snapshot.metrics) == METRICS[name]
    assert snapshot.api_version and snapshot.fetched_at.tzinfo is not None
    assert snapshot.missing == ()


@pytest.mark.parametrize("name", READERS)
def test_a_metric_left_out_of_the_answer_is_missing_not_zero(name, make_adapter, fake_platform):
    metrics = dict(METRICS[name])
    dropped = sorted(metrics)[0]
    del metrics[dropped]
    seed(fake_platform, name, fake_id(name, 1), metrics=metrics)

    [snapshot] = make_adapter(name).read_metrics([fake_id(name, 1)])
    assert snapshot.metrics[dropped] is None
    assert snapshot.missing == (dropped,)
    assert {k: v for k, v in snapshot.metrics.items() if k != dropped} == metrics  # zeros stay zeros


@pytest.mark.parametrize(("name", "posts"), [("facebook", 120), ("x", 230), ("mastodon", 45), ("bluesky", 60),
                                             ("instagram", 4), ("threads", 4)])  # fmt: skip
def test_batching_counts_the_calls(name, posts, make_adapter, fake_platform):
    adapter = make_adapter(name)
    ids = [fake_id(name, n) for n in range(posts)]
    for n, remote_id in enumerate(ids):
        seed(fake_platform, name, remote_id, metrics={**METRICS[name], next(iter(METRICS[name])): n})

    snapshots = adapter.read_metrics(ids)
    assert [s.remote_id for s in snapshots] == ids
    assert [s.metrics[next(iter(METRICS[name]))] for s in snapshots] == list(range(posts))
    assert metric_calls(fake_platform, name) <= math.ceil(posts / adapter.read_batch_size)


def test_x_posts_it_cannot_return_have_every_metric_missing(make_adapter, fake_platform):
    seed(fake_platform, "x", "7001", metrics=METRICS["x"])
    found, deleted = make_adapter("x").read_metrics(["7001", "7002"])
    assert dict(found.metrics) == METRICS["x"]
    assert set(deleted.metrics.values()) == {None}


def test_x_declares_what_a_read_costs():
    from publisher.adapters.registry import adapter_class

    assert adapter_class("x").read_cost_usd == 0.005
    assert all(adapter_class(n).read_cost_usd == 0 for n in READERS if n != "x")


def conversation() -> list[FakeReply]:
    question = FakeReply("c1", "warga.manna", "Apa syarat paspor anak?", created_at="2026-12-01T10:15:00+0000")
    question.replies.append(FakeReply("c2", "office", "Akta lahir dan KK, Kak.", from_office=True))
    return [question, FakeReply("c3", "budi_bs", "Terima kasih infonya")]


@pytest.mark.parametrize("name", REPLIES_READERS)
def test_replies_with_the_office_answer_marked(name, make_adapter, fake_platform):
    remote_id = fake_id(name, 7)
    seed(fake_platform, name, remote_id, metrics=METRICS[name], replies=conversation())
    adapter = make_adapter(name)

    replies = adapter.read_replies(remote_id)
    texts = {r.text: r for r in replies}
    if name == "threads":  # /replies lists the top-level replies only
        assert set(texts) == {"Apa syarat paspor anak?", "Terima kasih infonya"}
    else:
        assert set(texts) == {"Apa syarat paspor anak?", "Akta lahir dan KK, Kak.", "Terima kasih infonya"}
        assert texts["Akta lahir dan KK, Kak."].from_office
    question = texts["Apa syarat paspor anak?"]
    assert not question.from_office and question.platform == name and question.remote_id == remote_id
    assert (question.author_handle and "warga" in question.author_handle) or name == "facebook"
    assert question.created_at == datetime.fromisoformat("2026-12-01T10:15:00+00:00")
    assert question.reply_id
    if name != "instagram":  # Instagram gives comments no address of their own
        assert question.permalink and question.permalink.startswith("https://")


def test_telegram_views_are_not_available_and_cost_no_request(make_adapter, fake_platform):
    adapter = make_adapter("telegram")
    snapshots = adapter.read_metrics(["501", "502"])
    assert [dict(s.metrics) for s in snapshots] == [{"views": None}, {"views": None}]
    assert adapter.read_replies("501") == []
    assert fake_platform.calls("telegram", "") == []
    assert adapter.read_audience() == 1_250
    assert [r.path.rsplit("/", 1)[-1] for r in fake_platform.calls("telegram", "")] == ["getChatMemberCount"]


@pytest.mark.parametrize("name", READERS)
def test_a_read_refused_for_credentials_is_auth_and_masked(name, make_adapter, fake_platform):
    seed(fake_platform, name, fake_id(name, 1), metrics=METRICS[name])
    fake_platform.revoke(name)
    with pytest.raises(ReadFailed) as caught:
        make_adapter(name).read_metrics([fake_id(name, 1)])
    assert caught.value.result.outcome is Outcome.AUTH
    assert all(secret not in str(caught.value) for secret in TOKENS.values())


def test_a_rate_limited_read_is_retry_after(make_adapter, fake_platform):
    seed(fake_platform, "x", "7001", metrics=METRICS["x"])
    fake_platform.fail("x", "/2/tweets", "rate_limit", retry_after=300)
    with pytest.raises(ReadFailed) as caught:
        make_adapter("x").read_metrics(["7001"])
    assert caught.value.result.outcome is Outcome.RETRY_AFTER
    assert 290 <= caught.value.result.retry_after <= 301


def test_a_failed_batch_keeps_what_earlier_batches_read(make_adapter, fake_platform):
    # Graph refuses a whole multiple-id read when one id no longer exists (#803): the first 50 are kept.
    ids = [fake_id("facebook", n) for n in range(60)]
    for remote_id in ids[:-1]:
        seed(fake_platform, "facebook", remote_id, metrics=METRICS["facebook"])
    with pytest.raises(ReadFailed) as caught:
        make_adapter("facebook").read_metrics(ids)
    assert caught.value.result.outcome is Outcome.INVALID
    assert [s.remote_id for s in caught.value.partial] == ids[:50]


@pytest.mark.parametrize("name", ["instagram", "threads"])
def test_a_withdrawn_insights_metric_is_missing_and_the_rest_still_read(name, make_adapter, fake_platform):
    # Meta withdraws metrics (Instagram's impressions and plays, 2025): asking for one fails the whole request.
    api = fake_platform.api(name)
    api.insight_names = frozenset(api.insight_names - {"views"})
    metrics = {k: v for k, v in METRICS[name].items() if k != "views"}
    for n in (1, 2):
        seed(fake_platform, name, fake_id(name, n), metrics=metrics)

    snapshots = make_adapter(name).read_metrics([fake_id(name, 1), fake_id(name, 2)])
    assert [s.missing for s in snapshots] == [("views",), ("views",)]
    assert all({k: v for k, v in s.metrics.items() if k != "views"} == metrics for s in snapshots)
    assert len(fake_platform.calls(name, "/insights")) == 3  # refused once, then only the offered ones


def test_a_withdrawn_facebook_insight_leaves_the_counts_read(make_adapter, fake_platform):
    api = fake_platform.api("facebook")
    api.insight_names = frozenset({"post_total_media_view_unique"})  # post_clicks withdrawn
    seed(fake_platform, "facebook", fake_id("facebook", 1), metrics=METRICS["facebook"])

    [snapshot] = make_adapter("facebook").read_metrics([fake_id("facebook", 1)])
    assert {k: snapshot.metrics[k] for k in ("reactions", "comments", "shares")} == {"reactions": 12, "comments": 3,
                                                                                     "shares": 2}  # fmt: skip
    assert snapshot.missing == ("post_total_media_view_unique", "post_clicks")
