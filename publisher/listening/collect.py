"""One engagement collection pass: read the metrics and replies of published targets, store them as read.

    targets (archive)  →  per platform: read_metrics in batches, read_replies per thread  →  archive tables

Read-only: nothing here makes anything public. Each platform is read on its own: one failing (credentials
revoked, rate limited, an API change) is recorded and the others are still collected. A batch that failed keeps
what its earlier batches read (``ReadFailed.partial``). Every request first passes the platform's gate — the same
per-platform rate as publishing, counted in a bucket of its own so a collection never delays a publication — and a
platform's "wait" (RETRY_AFTER, from a read or a publication) stops its reads until then.

A scheduled pass (the beat) takes each target's due moment (:mod:`publisher.listening.moments`); a manual pass
(``publisher collect``) takes a ``manual`` snapshot of every published target and reads the replies of the posts
published within the last month (all of them for ``--post``). X bills reads: with ``PUBLISHER_READ_X=false`` no
X read call is made at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from publisher import defaults
from publisher.adapters.base import Adapter
from publisher.adapters.reads import MetricSnapshot, ReadFailed, Reply
from publisher.adapters.registry import ConfigurationError, build_adapter
from publisher.adapters.results import Outcome
from publisher.infra.settings import Settings
from publisher.listening.gate import OPEN, ReadGate
from publisher.listening.moments import MANUAL, due_age
from publisher.listening.store import EngagementStore, PublishedTarget

AdapterFactory = Callable[[str], Adapter]
THREADS_PER_WRITE = 100  # replies are written per this many threads: one transaction, not one per thread
AUDIENCE_METRIC = {"telegram": "member_count"}  # what each platform calls its audience figure; else "followers"


@dataclass(frozen=True)
class Work:
    target: PublishedTarget
    age: str
    replies: bool  # read this thread's replies in this pass


@dataclass
class PlatformPass:
    platform: str
    targets: int = 0
    snapshots: int = 0  # targets read
    replies: int = 0  # new replies stored
    deferred: int = 0  # targets left for the next pass (the gate said not now)
    failure: str | None = None
    skipped: str | None = None


@dataclass
class CollectReport:
    platforms: dict[str, PlatformPass] = field(default_factory=dict)
    audience: dict[str, int | None] = field(default_factory=dict)
    purged: int = 0

    @property
    def failed(self) -> list[PlatformPass]:
        return [p for p in self.platforms.values() if p.failure]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def collect(
    settings: Settings,
    store: EngagementStore,
    *,
    now: datetime,
    manual: bool,
    post: str | None = None,
    adapters: AdapterFactory | None = None,
    gate: ReadGate = OPEN,
) -> CollectReport:
    """One pass (see the module's docstring); ``now`` is aware UTC. Never raises for a platform's failure."""
    factory = adapters or (lambda name: build_adapter(name, settings, dry_run=False, reading=True))
    report = CollectReport()
    for platform, items in plan(store, now=now, manual=manual, post=post, ages=settings.snapshot_ages).items():
        result = report.platforms[platform] = PlatformPass(platform, targets=len(items))
        if platform == "x" and not settings.read_x:
            result.skipped = "X reading is off (PUBLISHER_READ_X=false): X bills every post read"
            result.deferred = len(items)
            continue
        try:
            adapter = factory(platform)
        except ConfigurationError as exc:
            result.failure = str(exc)
            continue
        _read_platform(adapter, items, store, gate, result, now)
    if post is None:
        _read_audience(factory, store, gate, report, now)
    report.purged = store.purge_replies(now, settings.reply_retention_days)
    return report


def plan(
    store: EngagementStore, *, now: datetime, manual: bool, post: str | None, ages: list[str]
) -> dict[str, list[Work]]:
    """What this pass reads, per platform, oldest publication first."""
    window = now - timedelta(days=defaults.REPLY_WINDOW_DAYS)
    taken: dict[str, set[str]] = defaultdict(set)
    if not manual:
        for target_id, taken_age in store.ages_taken():
            taken[target_id].add(taken_age)
    work: dict[str, list[Work]] = defaultdict(list)
    for target in store.published_targets(post):
        if manual:
            replies = post is not None or target.published_at >= window
            work[target.platform].append(Work(target, MANUAL, replies))
            continue
        age = due_age(target.published_at, now, ages, taken[target.target_id])
        if age is not None:
            work[target.platform].append(Work(target, age, True))
    return dict(sorted(work.items()))


def _read_platform(
    adapter: Adapter, items: list[Work], store: EngagementStore, gate: ReadGate, result: PlatformPass, now: datetime
) -> None:
    platform = adapter.name
    read: list[tuple[PublishedTarget, list[Reply]]] = []  # threads read, written THREADS_PER_WRITE at a time
    try:
        size = max(1, adapter.read_batch_size)
        for start in range(0, len(items), size):  # one chunk, one request: each passes the gate
            chunk = items[start : start + size]
            if not gate.admit(platform):
                result.deferred = len(items) - start
                return
            _store_metrics(store, chunk, adapter.read_metrics([w.target.remote_id for w in chunk]), result)
        for work in (w for w in items if w.replies and adapter.reads_replies):
            if not gate.admit(platform):
                break  # the snapshots are in; the conversation is read on a later pass
            read.append((work.target, adapter.read_replies(work.target.remote_id)))
            if len(read) >= THREADS_PER_WRITE:
                result.replies += store.add_replies(read, now)
                read.clear()
    except ReadFailed as failed:
        _store_metrics(store, items, failed.partial, result)
        result.failure = failed.result.message or failed.result.outcome.value
        if failed.result.outcome is Outcome.RETRY_AFTER:
            gate.hold(platform, failed.result.retry_after or defaults.RETRY_AFTER_SECONDS)
    result.replies += store.add_replies(read, now)


def _store_metrics(
    store: EngagementStore, chunk: list[Work], snapshots: list[MetricSnapshot], result: PlatformPass
) -> None:
    by_remote = {w.target.remote_id: w for w in chunk}
    pairs = [(by_remote[s.remote_id], s) for s in snapshots if s.remote_id in by_remote]
    store.add_snapshots([(w.target, s) for w, s in pairs], {w.target.target_id: w.age for w, _ in pairs})
    result.snapshots += len(pairs)


def _read_audience(
    factory: AdapterFactory,
    store: EngagementStore,
    gate: ReadGate,
    report: CollectReport,
    now: datetime,
) -> None:
    """Account-level figures, once per pass, from the platforms whose read calls give one (Telegram's members)."""
    for platform, result in report.platforms.items():
        if result.failure or result.skipped:
            continue
        adapter = factory(platform)
        if type(adapter)._read_audience is Adapter._read_audience or not gate.admit(platform):
            continue
        try:
            value = adapter.read_audience()
        except ReadFailed as failed:
            result.failure = failed.result.message
            continue
        report.audience[platform] = value
        store.add_audience(platform, AUDIENCE_METRIC.get(platform, "followers"), value, now)
