"""The collection pass as the installation runs it: ``publisher collect`` (manual, waits for the rate limit) and
the beat (scheduled moments, defers what the rate limit does not allow now). Both first archive what the ledger
settled and the archive has not seen yet, so a target published a moment ago is read too."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from publisher.adapters.registry import adapter_class
from publisher.archive.database import open_engine
from publisher.archive.outcomes import catch_up_all
from publisher.infra.settings import Settings
from publisher.listening.collect import CollectReport, collect
from publisher.listening.gate import LimiterGate
from publisher.listening.moments import x_cost_estimate
from publisher.listening.store import EngagementStore
from publisher.publishing.ledger import State
from publisher.scheduler.runtime import Runtime

# A scheduled pass defers what the rate limit refuses, so it is short; this bounds one stuck on slow answers
# (below the broker's visibility timeout, so a pass still running is never delivered twice).
PASS_TIME_LIMIT_SECONDS = 240
PASS_SOFT_LIMIT_SECONDS = PASS_TIME_LIMIT_SECONDS - 10


def run_pass(
    settings: Settings, *, manual: bool, post: str | None = None, runtime: Runtime | None = None
) -> CollectReport:
    runtime = runtime or Runtime(settings)
    catch_up_all(settings, runtime.ledger)
    store = EngagementStore(open_engine(settings))
    gate = LimiterGate(runtime, wait=manual)
    return collect(settings, store, now=datetime.now(UTC), manual=manual, post=post, gate=gate)


def scheduled_pass(runtime: Runtime) -> CollectReport | None:
    """The beat's pass (``worker.tasks.collect_due``), or None when another is still running."""
    lock = runtime.redis.lock(f"{runtime.namespace}:listen:pass", timeout=PASS_TIME_LIMIT_SECONDS, blocking=False)
    if not lock.acquire(blocking=False):
        return None
    try:
        return run_pass(runtime.settings, manual=False, runtime=runtime)
    finally:
        lock.release()


def x_estimate_line(settings: Settings, runtime: Runtime | None = None, month: str | None = None) -> str:
    """ "X reads 2026-12: 40 scheduled snapshot(s) ≈ US$0.20 …" (or that X reading is off). Counts the X posts
    already published and, given the ``runtime``, those still scheduled (their due time stands in)."""
    month = month or datetime.now(settings.tz).strftime("%Y-%m")
    if not settings.read_x:
        return f"X reads {month}: off (PUBLISHER_READ_X=false), no X read calls, US$0"
    try:
        published = [t.published_at for t in EngagementStore(open_engine(settings)).published_targets()
                     if t.platform == "x"]  # fmt: skip
    except (SQLAlchemyError, OSError) as exc:
        return f"X reads {month}: no estimate, the archive cannot be read ({type(exc).__name__})"
    scheduled = [] if runtime is None else [
        r.due_at for r in runtime.ledger.all() if r.platform == "x" and r.state == State.SCHEDULED and r.due_at
    ]  # fmt: skip
    reads, dollars = x_cost_estimate([*published, *scheduled], settings.snapshot_ages, month, settings.tz,
                                     adapter_class("x").read_cost_usd)  # fmt: skip
    return f"X reads {month}: {reads} scheduled snapshot(s) ≈ US${dollars:.2f} (PUBLISHER_READ_X=false turns them off)"


def report_lines(report: CollectReport) -> list[str]:
    lines = []
    for name, result in report.platforms.items():
        if result.skipped:
            lines.append(f"{name}: skipped — {result.skipped}")
            continue
        line = f"{name}: {result.snapshots}/{result.targets} target(s) read, {result.replies} new repl(ies)"
        if result.deferred:
            line += f", {result.deferred} left for the next pass (rate limit)"
        lines.append(line + (f" — FAILED: {result.failure}" if result.failure else ""))
    lines.extend(f"{name} audience: {value if value is not None else 'not available'}"
                 for name, value in report.audience.items())  # fmt: skip
    if report.purged:
        lines.append(f"{report.purged} repl(ies) older than the retention purged")
    return lines or ["nothing published to read"]
