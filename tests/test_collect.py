"""The collection pass end to end: posts published to the loopback fake through the real adapters, the fake then
serving metrics and comments for them, a pass storing them in the archive (SQLite and PostgreSQL), and the
monthly report's rows equal to what the server served. Requests are counted on the fake."""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import fake_platform_settings, run_publisher
from helpers.fakeplatform import SAMPLE_METRICS as METRICS
from helpers.fakeplatform import TOKENS, FakeReply, seed

from publisher.adapters.reads import MetricSnapshot, Reply
from publisher.adapters.registry import adapter_class, build_adapter
from publisher.archive.database import open_engine
from publisher.archive.outcomes import archive_lag, catch_up_all
from publisher.archive.tables import skm_results
from publisher.listening.collect import collect
from publisher.listening.gate import LimiterGate
from publisher.listening.moments import due_age, reads_in_month, x_cost_estimate
from publisher.listening.passes import scheduled_pass
from publisher.listening.questions import is_question
from publisher.listening.report import build as build_report
from publisher.listening.storage import load_report_data, period_touches
from publisher.listening.store import EngagementStore, PublishedTarget
from publisher.listening.survey import import_survey
from publisher.preview.ledger import preview_engagement
from publisher.preview.site import build_site
from publisher.publishing.verbs import publish_post
from publisher.scheduler.runtime import Runtime

PLATFORMS = ["facebook", "instagram", "threads", "x", "mastodon", "bluesky", "telegram"]
POSTS = ["paspor-anak", "layanan-sabtu", "eazy-passport"]
POST = """---
kind: service-update
title: {title}
publish_at: 2026-12-01 09:00
platforms: [{platforms}]
status: ready
---
Informasi layanan keimigrasian di Kantor Imigrasi Bengkulu Selatan: {title}.
"""
DROPPED = ("layanan-sabtu", "facebook", "shares")  # Graph leaves shares out until a post is first shared


@pytest.fixture
def month_settings(archive_settings, fake_platform, fake_media):
    media_dir, media_server = fake_media
    update = {name: fake_platform_settings(fake_platform, name) for name in PLATFORMS}
    settings = archive_settings.model_copy(update={**update, "media_dir": media_dir,
                                                   "media_base_url": media_server.url})  # fmt: skip
    (settings.posts_dir / "paspor.md").unlink()
    for post_id in POSTS:
        text = POST.format(title=post_id.replace("-", " ").title(), platforms=", ".join(PLATFORMS))
        (settings.posts_dir / f"{post_id}.md").write_text(text, encoding="utf-8")
    return settings


def adapters(settings):
    def make(name, **kw):
        adapter = build_adapter(name, settings, dry_run=False, **kw)
        adapter.sleep = lambda seconds: None  # the fake's containers are ready at once
        return adapter

    return make


def publish_month(settings, ledger) -> list[PublishedTarget]:
    for post_id in POSTS:
        results = publish_post(post_id, settings=settings, ledger=ledger, adapter_factory=adapters(settings))
        assert all(r.ok for r in results), [r.line() for r in results if not r.ok]
    catch_up_all(settings, ledger)  # the publish step archived each outcome already; this writes what it missed
    assert archive_lag(settings, ledger) == 0
    published = EngagementStore(open_engine(settings)).published_targets()
    assert len(published) == len(POSTS) * len(PLATFORMS)
    return published


def served_metrics(post_index: int, platform: str) -> dict[str, int]:
    metrics = {name: value + 100 * post_index for name, value in METRICS.get(platform, {}).items()}
    if (POSTS[post_index], platform) == DROPPED[:2]:
        del metrics[DROPPED[2]]
    return metrics


def conversation(platform: str, post_id: str) -> list[FakeReply]:
    n = POSTS.index(post_id)  # reply ids are unique on a platform, as the real ones are
    if post_id == "layanan-sabtu":  # nobody from the office has answered here yet
        return [FakeReply(f"q{n}", "warga.bs", "Kapan kantor buka hari Sabtu"), FakeReply(f"t{n}", "ani", "Mantap")]
    question = FakeReply(f"a{n}", "warga.manna", "Apa syarat paspor anak?", created_at="2026-12-01T10:15:00+0000")
    answer = FakeReply(f"b{n}", "office", "Akta lahir dan KK, Kak.", from_office=True)
    thanks = FakeReply(f"c{n}", "budi_bs", "Terima kasih infonya")
    if platform == "threads":  # /replies lists top-level replies only: the office answers at the top level
        return [question, answer, thanks]
    question.replies.append(answer)
    return [question, thanks]


def serve(fake, targets: list[PublishedTarget]) -> None:
    for target in targets:
        index = POSTS.index(target.post_id)
        replies = conversation(target.platform, target.post_id) if target.platform != "telegram" else []
        seed(fake, target.platform, target.remote_id, metrics=served_metrics(index, target.platform), replies=replies)


def requests_during(fake, action):
    with fake.lock:
        before = len(fake.requests)
    result = action()
    with fake.lock:
        return result, list(fake.requests[before:])


def test_a_simulated_month_reports_what_the_server_served(month_settings, archive_ledger, fake_platform):
    targets = publish_month(month_settings, archive_ledger)
    serve(fake_platform, targets)
    store = EngagementStore(open_engine(month_settings))
    now = datetime.now(UTC)

    report, requests = requests_during(
        fake_platform,
        lambda: collect(month_settings, store, now=now, manual=True, adapters=adapters(month_settings)),
    )
    assert report.exit_code == 0, [p.failure for p in report.failed]
    assert {p.platform: p.snapshots for p in report.platforms.values()} == {p: len(POSTS) for p in PLATFORMS}
    assert report.audience == {"telegram": 1_250}

    month = targets[0].published_at.strftime("%Y-%m")
    data = load_report_data(month_settings, month)
    assert {(r.post_id, r.platform, r.state) for r in data.publications} == {
        (post, platform, "published") for post in POSTS for platform in PLATFORMS
    }
    assert all(r.title and r.kind == "service-update" and r.remote_id for r in data.publications)
    got = {(s.post_id, s.platform, s.metric): s.value for s in data.snapshots}
    for post_index, post_id in enumerate(POSTS):
        for platform in PLATFORMS:
            declared = adapter_class(platform).metric_names
            served = served_metrics(post_index, platform)
            assert {m: got[(post_id, platform, m)] for m in declared} == {m: served.get(m) for m in declared}
    assert got[("layanan-sabtu", "facebook", "shares")] is None  # missing, never 0
    assert got[("paspor-anak", "telegram", "views")] is None  # Telegram: "not available"
    assert {s.age for s in data.snapshots} == {"manual"}
    assert all(s.api_version for s in data.snapshots)

    questions = [r for r in data.replies if r.is_question]
    assert Counter(r.text for r in questions) == {
        "Apa syarat paspor anak?": 2 * 6,  # two posts on the six platforms that list replies
        "Kapan kantor buka hari Sabtu": 6,
    }
    unanswered = [r for r in questions if not r.answered]
    assert {(r.post_id, r.text) for r in unanswered} == {("layanan-sabtu", "Kapan kantor buka hari Sabtu")}
    assert len(unanswered) == 6
    assert all(not r.text.startswith("Akta") for r in data.replies)  # the office's own replies are not rows
    assert [(a.platform, a.metric, a.value) for a in data.audience] == [("telegram", "member_count", 1_250)]
    assert_calls_within_bound(requests, report)
    assert_the_report_files_say_the_same(month_settings, month, got)


def assert_the_report_files_say_the_same(settings, month: str, got: dict) -> None:
    """``publisher report``'s metrics.csv: one row per snapshot metric, the served value, empty when missing."""
    files = build_report(settings, month, settings.state_dir / "laporan")
    with files.metrics_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(got)
    for row in rows:
        served = got[(row["post"], row["platform"], row["metric"])]
        assert row["value"] == ("" if served is None else str(served)), row
    assert files.index_html.is_file() and files.pdf.stat().st_size > 0


def assert_calls_within_bound(requests, report) -> None:
    """Per platform: metrics requests ≤ ceil(targets / batch), and in all ≤ that + one per thread read + one
    lookup of the account itself (Graph's own username, Bluesky's session)."""
    per_platform = Counter(platform for platform, _ in requests)
    for name, result in report.platforms.items():
        cls = adapter_class(name)
        threads = result.targets if cls.reads_replies else 0
        metrics_bound = 0 if name == "telegram" else math.ceil(result.targets / cls.read_batch_size)
        audience = 1 if name in report.audience else 0
        assert per_platform[name] <= metrics_bound + threads + 1 + audience, (name, per_platform[name])


def test_a_failing_platform_is_reported_and_the_others_are_still_collected(
    month_settings, archive_ledger, fake_platform
):
    serve(fake_platform, publish_month(month_settings, archive_ledger))
    fake_platform.revoke("mastodon")
    store = EngagementStore(open_engine(month_settings))
    report = collect(month_settings, store, now=datetime.now(UTC), manual=True, adapters=adapters(month_settings))

    assert report.exit_code == 1
    assert [p.platform for p in report.failed] == ["mastodon"]
    assert "TEST-MASTODON" not in (report.platforms["mastodon"].failure or "").upper()
    assert all(report.platforms[p].snapshots == len(POSTS) for p in PLATFORMS if p != "mastodon")


def test_x_switched_off_makes_no_x_call(month_settings, archive_ledger, fake_platform):
    serve(fake_platform, publish_month(month_settings, archive_ledger))
    settings = month_settings.model_copy(update={"read_x": False})
    store = EngagementStore(open_engine(settings))
    report, requests = requests_during(
        fake_platform, lambda: collect(settings, store, now=datetime.now(UTC), manual=True, adapters=adapters(settings))
    )
    assert [p for p, _ in requests if p == "x"] == []
    assert report.platforms["x"].skipped and report.exit_code == 0
    assert report.platforms["facebook"].snapshots == len(POSTS)


def test_the_beat_takes_each_moment_once(month_settings, archive_ledger, fake_platform):
    targets = publish_month(month_settings, archive_ledger)
    serve(fake_platform, targets)
    store = EngagementStore(open_engine(month_settings))
    published = max(t.published_at for t in targets)

    def scheduled_pass(after: timedelta):
        return collect(month_settings, store, now=published + after, manual=False, adapters=adapters(month_settings))

    assert sum(p.snapshots for p in scheduled_pass(timedelta(minutes=30)).platforms.values()) == 0
    assert scheduled_pass(timedelta(hours=1, minutes=1)).platforms["x"].snapshots == len(POSTS)
    assert scheduled_pass(timedelta(hours=2)).platforms == {}  # +1 h taken, +24 h not reached
    scheduled_pass(timedelta(days=8))  # +24 h missed: taken as +7 d, not late under the wrong name
    assert scheduled_pass(timedelta(days=9)).platforms == {}
    assert store.ages_taken() == {(t.target_id, age) for t in targets for age in ("1h", "7d")}


def test_replies_older_than_the_retention_are_purged(month_settings):
    store = EngagementStore(open_engine(month_settings))
    target = PublishedTarget("p/mastodon/main", "p", "main", "mastodon", "9001", datetime(2025, 1, 1, tzinfo=UTC))
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def reply(reply_id: str, written: datetime | None) -> Reply:
        return Reply("mastodon", "9001", reply_id, "warga", "Apa syaratnya?", written, None, from_office=False)

    old, recent = now - timedelta(days=366), now - timedelta(days=10)
    assert store.add_replies([(target, [reply("1", old), reply("2", recent), reply("3", None)])], old) == 3
    assert store.add_replies([(target, [reply("2", recent)])], now) == 0  # keyed by (platform, reply id)
    assert store.purge_replies(now, retention_days=365) == 2  # the old one, and the undated one read long ago
    assert store.purge_replies(now, retention_days=365) == 0


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Apa syarat paspor anak?", True),
        ("Kapan kantor buka hari Sabtu", True),
        ("syarat perpanjangan paspor apa aja kak", True),
        ("gimana cara daftar online", True),
        ("Di mana bisa foto paspor", True),
        ("Bisakah diwakilkan", True),
        ("berapa biaya paspor elektronik", True),
        ("kenapa antrean online penuh terus", True),
        ("Siapa yang boleh mengambil paspor", True),
        ("Terima kasih infonya", False),
        ("Mantap, pelayanannya cepat", False),
        ("Langkah-langkahnya jelas sekali", False),  # -kah in "langkah" does not ask
        ("Apapun itu, semangat", False),  # "apa" only as a whole word
        ("", False),
    ],
)
def test_questions_are_recognised(text, question):
    assert is_question(text) is question


def test_moments_and_the_x_estimate():
    published = datetime(2026, 12, 20, 9, tzinfo=UTC)
    ages = ["1h", "24h", "7d", "30d"]
    assert due_age(published, published + timedelta(minutes=59), ages, set()) is None
    assert due_age(published, published + timedelta(hours=30), ages, {"1h"}) == "24h"
    assert due_age(published, published + timedelta(days=40), ages, {"30d"}) is None
    assert reads_in_month([published], ages, "2026-12", ZoneInfo("Asia/Jakarta")) == 3  # +30 d is in January
    assert x_cost_estimate([published] * 10, ages, "2026-12", ZoneInfo("Asia/Jakarta"), 0.005) == (30, 0.15)


def test_skm_periods_touch_their_months():
    assert period_touches("2026-Q4", "2026-12") and not period_touches("2026-Q4", "2026-09")
    assert period_touches("2026-S2", "2026-07") and period_touches("2026", "2026-01")
    assert period_touches("2026-12", "2026-12") and not period_touches("2025-12", "2026-12")


# --- the command and the gate (real Redis) -----------------------------------------------------------------------


def test_publisher_collect_exits_1_when_a_platform_failed_and_still_collects_the_others(
    publisher_env, fake_platform, tmp_path
):

    env = {**publisher_env, "PUBLISHER_DATABASE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}"}
    published = run_publisher(env, "publish", "paspor-baru")
    assert published.returncode == 0, published.stdout + published.stderr
    for name in PLATFORMS:
        [publication] = fake_platform.published(name)
        seed(fake_platform, name, publication.remote_id, metrics=METRICS.get(name, {}))
    fake_platform.revoke("bluesky")

    result = run_publisher(env, "collect")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert "FAILED" in lines["bluesky"] and all(secret not in result.stdout for secret in TOKENS.values())
    assert all(lines[name].startswith("1/1 target(s) read") for name in PLATFORMS if name != "bluesky"), lines
    assert "X reads" in result.stderr

    fake_platform.apis["bluesky"].revoked = False
    again = run_publisher(env, "collect", "--post", "paspor-baru")
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.fixture
def runtime(archive_settings):

    settings = archive_settings.model_copy(update={"rate_limits": {"mastodon": 60.0}})
    made = Runtime(settings)
    yield made
    keys = list(made.redis.scan_iter(match=f"{settings.namespace}:*", count=500))
    if keys:
        made.redis.delete(*keys)


def test_reads_pass_the_publishing_rate_in_a_bucket_of_their_own(runtime):

    clock = [1_000_000.0]
    gate = LimiterGate(runtime, wait=False, clock=lambda: clock[0])
    admitted = [gate.admit("mastodon") for _ in range(12)]
    assert admitted == [True] * 10 + [False] * 2  # 60 a minute: a burst of ten seconds' worth
    assert runtime.limiter.take("mastodon", 1, clock[0]).granted == 1  # publishing's own allowance is untouched
    clock[0] += 1.0
    assert gate.admit("mastodon")  # one more a second


def test_a_platform_wait_stops_reads_until_then(runtime):

    clock = [1_000_000.0]
    gate = LimiterGate(runtime, wait=False, clock=lambda: clock[0])
    gate.hold("x", 300)
    assert not gate.admit("x")
    runtime.schedule.block("facebook", clock[0] + 60, clock[0])  # a publication was told to wait: reads wait too
    assert not gate.admit("facebook")
    clock[0] += 301
    assert gate.admit("x") and gate.admit("facebook")


def test_a_manual_pass_waits_for_the_rate_limit(runtime):

    clock = [1_000_000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    gate = LimiterGate(runtime, wait=True, clock=lambda: clock[0], sleep=sleep)
    assert all(gate.admit("mastodon") for _ in range(13))
    assert len(slept) == 3 and all(0 < s <= 1.0 for s in slept)


def test_one_scheduled_pass_at_a_time(runtime):

    lock = runtime.redis.lock(f"{runtime.namespace}:listen:pass", timeout=30)
    assert lock.acquire(blocking=False)
    try:
        assert scheduled_pass(runtime) is None
    finally:
        lock.release()
    report = scheduled_pass(runtime)
    assert report is not None and report.platforms == {}  # nothing published in this archive


def test_the_report_reads_the_skm_result_from_the_archive(archive_settings, tmp_path):

    sample = tmp_path / "skm.csv"
    sample.write_text("Nama;U1;U2;U3;U4;U5;U6;U7;U8;U9\nAni;4;4;3;4;3;4;4;3;4\nBudi;3;4;4;3;4;4;3;4;4\n",
                      encoding="utf-8")  # fmt: skip
    done = import_survey(sample, "2026-Q4", archive_settings)
    with open_engine(archive_settings).connect() as connection:
        [row] = connection.execute(skm_results.select()).all()
    assert (row.period, row.respondents, row.category) == ("2026-Q4", 2, done.record["category"])
    assert "Ani" not in repr(tuple(row))  # the respondents' other columns are never kept

    [skm] = load_report_data(archive_settings, "2026-12").skm
    assert (skm.period, skm.ikm, skm.respondents) == ("2026-Q4", done.record["ikm"], 2)
    assert skm.nrr == tuple(done.record["nrr"].values())
    assert load_report_data(archive_settings, "2026-09").skm == []


def test_the_review_site_shows_the_newest_metrics_from_the_archive(archive_settings, tmp_path):

    store = EngagementStore(open_engine(archive_settings))
    target = PublishedTarget("paspor/facebook/main", "paspor", "main", "facebook", "1001_1", datetime.now(UTC))
    older = MetricSnapshot("facebook", "1001_1", {"reactions": 3, "shares": None}, "v24.0",
                           datetime.now(UTC) - timedelta(hours=1))  # fmt: skip
    newer = MetricSnapshot("facebook", "1001_1", {"reactions": 12, "shares": None}, "v24.0", datetime.now(UTC))
    store.add_snapshots([(target, older)], "1h")
    store.add_snapshots([(target, newer)], "manual")

    engagement = preview_engagement(archive_settings)
    assert engagement is not None
    report = build_site(None, archive_settings, tmp_path / "site", engagement=engagement, posters=False)
    page = (tmp_path / "site" / report.posts[0].page).read_text(encoding="utf-8")
    assert "reactions <b>12</b>" in page and "shares <b>missing</b>" in page and "reactions <b>3</b>" not in page
    assert "engagement (manual" in page


def test_a_preview_never_creates_an_archive(archive_settings, tmp_path):

    settings = archive_settings.model_copy(update={"database_url": None, "state_dir": tmp_path / "fresh"})
    assert preview_engagement(settings) is None
    assert not (tmp_path / "fresh").exists()


class CountedGate:
    """Admits ``allowed`` requests in all, then says "not now" (the beat's gate when the rate is spent)."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed

    def admit(self, platform: str) -> bool:
        self.allowed -= 1
        return self.allowed >= 0

    def hold(self, platform: str, seconds: float) -> None:
        return None


def test_what_the_rate_does_not_allow_now_is_read_on_the_next_pass(month_settings, archive_ledger, fake_platform):
    targets = publish_month(month_settings, archive_ledger)
    serve(fake_platform, targets)
    store = EngagementStore(open_engine(month_settings))
    later = max(t.published_at for t in targets) + timedelta(hours=2)
    settings = month_settings.model_copy(update={"read_x": False})

    def scheduled_pass_with(gate):
        return collect(settings, store, now=later, manual=False, adapters=adapters(settings), gate=gate)

    first = scheduled_pass_with(CountedGate(0))
    assert {p.platform: p.deferred for p in first.platforms.values()} == {p: len(POSTS) for p in PLATFORMS}
    assert first.exit_code == 0 and store.ages_taken() == set()  # deferred is not failed
    second = scheduled_pass_with(CountedGate(1_000))
    assert all(second.platforms[p].snapshots == len(POSTS) for p in PLATFORMS if p != "x")
    assert second.platforms["x"].skipped
