"""Dispatch benchmark: N targets due within a window, real worker processes, a loopback fake API.

    python bench/dispatch.py                 # 10,000 targets due within one minute, 2 worker processes
    python bench/dispatch.py --n 1000 --window 10
    python bench/dispatch.py --n 2000 --skip-lateness --archive none,sqlite,postgresql

Two phases on one Redis server (PUBLISHER_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0), each in its own
namespace, removed afterwards:

* lateness — N targets due spread evenly over --window seconds: from each due time to the API call (p50/p99);
* capacity — N targets all due at once: targets per second from the first API call to the last, as a ratio to a
  raw ``requests`` loop sending N posts to the same server in the same run.

Duplicates and losses are counted on the server (posts per target), never taken from our ledger. Worker RSS is
read at start and end of each phase. The publish step is a light stand-in (``light_publish``: ledger
compare-and-set, one HTTP post, record) so the figures measure dispatch, not card rendering.

``--archive`` repeats the phases with the archive off, on an SQLite file, and on PostgreSQL
(``--postgresql-url``, default PUBLISHER_BENCH_DATABASE_URL or the test server; a schema of its own, dropped
afterwards): the stand-in then archives each settled target the way the publish step does
(:func:`publisher.archive.outcomes.archive_settled`), and the report gives each throughput as a ratio to the run
without the archive, and the archive's duplicate and missing rows against the platform's count.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
POST_ID = "bench"
PLATFORM = "telegram"

# --- the loopback API -------------------------------------------------------------------------------------------


class CountingAPI:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first_call: dict[str, float] = {}
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                now = time.time()
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                target = body["target"]
                with api.lock:
                    api.counts[target] += 1
                    api.first_call.setdefault(target, now)
                data = b'{"id": "1"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.first_call.clear()


# --- the stand-in publish step (runs in the workers: PUBLISHER_PUBLISH_HOOK=dispatch:light_publish) --------------

_local = threading.local()


def http_session():
    """A session configured like the real transport's (``RequestsTransport`` in publisher.adapters.transport.requests:
    ``trust_env`` off, so no proxy lookup in the environment per request); the raw loop uses the same, so both sides
    pay the same."""
    import requests

    session = requests.Session()
    session.trust_env = False
    return session


def light_publish(target, *, settings, ledger, post=None, dry_run=None):
    from publisher.adapters.results import Outcome
    from publisher.publishing.ledger import State
    from publisher.publishing.result import TargetResult

    if not ledger.begin_send(target, "bench"):
        record = ledger.get(target)
        return TargetResult.from_record(record, already=record.state == State.PUBLISHED)
    session = getattr(_local, "session", None) or http_session()
    _local.session = session
    answer = session.post(f"{settings.telegram.api_base}/publish", json={"target": target}, timeout=30)
    remote_id = answer.json()["id"]
    ledger.transition(target, [State.SENDING], State.PUBLISHED, remote_id=remote_id, outcome=Outcome.PUBLISHED)
    if settings.database_url is not None:  # --archive sqlite|postgresql: the publish step's last step
        from publisher.archive.outcomes import archive_settled

        archive_settled(settings, ledger, target)
    return TargetResult(target, PLATFORM, State.PUBLISHED, outcome=Outcome.PUBLISHED, remote_id=remote_id)


# --- the run ------------------------------------------------------------------------------------------------------


def raw_loop(url: str, n: int) -> float:
    session = http_session()
    start = time.perf_counter()
    for i in range(n):
        session.post(f"{url}/publish", json={"target": f"raw-{i}"}, timeout=30).json()
    return n / (time.perf_counter() - start)


def tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        parent = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]) / 2**20
    except psutil.NoSuchProcess:
        return 0.0


def schedule_targets(runtime, n: int, start: float, window: float) -> dict[str, float]:
    from publisher.posts.model import Post

    post = Post(id=POST_ID, kind="service-update", title="Bench", publish_at="2030-01-01 09:00", platforms=[PLATFORM])
    from publisher.scheduler.sync import store_post

    store_post(runtime, post, post.content_hash())
    due: dict[str, float] = {}
    for i in range(n):
        target = f"{POST_ID}/{PLATFORM}/o{i}"
        due[target] = start + (window * i / n if window else 0.0)
        runtime.schedule.put(
            target,
            due=due[target],
            fields={"post": POST_ID, "platform": PLATFORM, "occurrence": f"o{i}", "deadline": "", "hash": "bench"},
        )
    return due


def start_workers(env: dict[str, str], count: int, concurrency: int, pool: str, logdir: Path) -> list:
    workers = []
    for index in range(count):
        command = [
            *(sys.executable, "-m", "celery", "-A", "worker", "worker", "--loglevel", "WARNING"),
            *("--pool", pool, "--concurrency", str(concurrency), "-n", f"bench{index}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        if index == 0:
            command += ["--beat", "-s", str(logdir / "beat")]
        log = (logdir / f"worker{index}.log").open("wb")
        workers.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    return workers


def stop_workers(workers: list) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)


def archive_env(mode: str, args, logdir: Path) -> tuple[dict[str, str], str | None]:
    """The worker's settings for one archive mode, and the URL to count rows in (None: no archive)."""
    if mode == "none":
        # No URL would mean the default SQLite file: keep the worker's periodic catch-up out of the way instead.
        return {"PUBLISHER_ARCHIVE_CATCH_UP_SECONDS": str(10**9)}, None
    if mode == "sqlite":
        url = f"sqlite:///{logdir / 'archive.sqlite3'}"
    else:
        from sqlalchemy.engine import make_url

        url = make_url(args.postgresql_url).update_query_dict({"options": f"-csearch_path={logdir.name}"})
        url = url.render_as_string(hide_password=False)
        postgresql_schema(args, logdir.name)
    return {"PUBLISHER_DATABASE_URL": url}, url


def postgresql_schema(args, name: str, *, drop: bool = False) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(args.postgresql_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE' if drop else f'CREATE SCHEMA "{name}"'))
    engine.dispose()


def archive_rows(args, mode: str, url: str | None, logdir: Path) -> Counter[str] | None:
    """Published rows per target in the archive (read after the workers stopped; the schema is dropped then)."""
    from sqlalchemy import create_engine, text

    if url is None:
        return None
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT target_id FROM outcomes WHERE state = 'published'"))
        counted = Counter(row.target_id for row in rows)
    engine.dispose()
    if mode == "postgresql":
        postgresql_schema(args, logdir.name, drop=True)
    return counted


def row_counts(rows: Counter[str] | None, on_platform: set[str]) -> dict:
    """Duplicate rows, and targets the platform has but the archive does not (None: no archive)."""
    if rows is None:
        return {"rows_duplicate": None, "rows_missing": None}
    return {"rows_duplicate": sum(c - 1 for c in rows.values() if c > 1), "rows_missing": len(on_platform - set(rows))}


def workers_env(args, api: CountingAPI, namespace: str, logdir: Path, archive_settings: dict[str, str]) -> dict:
    """The workers' environment: this phase's namespace, the loopback API, the stand-in step, the archive mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_REDIS_URL=args.redis_url,
        PUBLISHER_NAMESPACE=namespace,
        PUBLISHER_POSTS_DIR=str(logdir / "no-posts"),
        PUBLISHER_STATE_DIR=str(logdir / "state"),
        PUBLISHER_SECRETS_DIR=str(logdir / "no-secrets"),
        PUBLISHER_TELEGRAM__API_BASE=api.url,
        PUBLISHER_RATE_LIMITS=json.dumps({PLATFORM: 10_000_000}),
        PUBLISHER_MISSED_GRACE_MINUTES="600",
        PUBLISHER_PUBLISH_HOOK="dispatch:light_publish",
        PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
        **archive_settings,
    )
    return env


def phase(args, api: CountingAPI, *, window: float, label: str, archive: str = "none") -> dict:
    import redis

    from publisher.infra.settings import Settings
    from publisher.scheduler.runtime import Runtime

    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    logdir = Path(args.logdir) / namespace
    logdir.mkdir(parents=True, exist_ok=True)
    archive_settings, archive_url = archive_env(archive, args, logdir)
    env = workers_env(args, api, namespace, logdir, archive_settings)
    settings = Settings(redis_url=args.redis_url, namespace=namespace, telegram={"api_base": api.url})
    runtime = Runtime(settings)
    api.reset()
    workers = start_workers(env, args.workers, args.concurrency, args.pool, logdir)
    try:
        time.sleep(3)  # let the workers and the beat come up before anything is due
        rss_start = [tree_rss_mb(w.pid) for w in workers]
        # Due times start after the schedule is written, so writing it does not count as lateness.
        start = time.time() + 2 + args.n / 2000
        due = schedule_targets(runtime, args.n, start, window)
        if time.time() > start:
            print(f"  warning: writing the schedule took {time.time() - start:.1f} s longer than planned")
        deadline = start + window + args.timeout
        while time.time() < deadline and len(api.counts) < args.n:
            time.sleep(0.5)
        time.sleep(1)  # anything still arriving would be a duplicate: count it
        rss_end = [tree_rss_mb(w.pid) for w in workers]
    finally:
        stop_workers(workers)
        client = redis.Redis.from_url(args.redis_url)
        for pattern in (f"{namespace}:*", f"{namespace}-dry-run:*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            for i in range(0, len(keys), 1000):
                client.delete(*keys[i : i + 1000])
    rows = archive_rows(args, archive, archive_url, logdir)
    calls = api.first_call
    late = sorted(calls[t] - due[t] for t in due if t in calls)
    made = [api.counts[t] for t in due]
    first, last = (min(calls.values()), max(calls.values())) if calls else (0.0, 0.0)
    return {
        "label": label,
        "archive": archive,
        **row_counts(rows, {t for t in due if api.counts[t]}),
        "published": sum(1 for c in made if c),
        "duplicates": sum(c - 1 for c in made if c > 1),
        "lost": sum(1 for c in made if c == 0),
        "throughput": len(calls) / (last - first) if last > first else 0.0,
        "p50": statistics.quantiles(late, n=100)[49] if len(late) > 1 else float("nan"),
        "p99": statistics.quantiles(late, n=100)[98] if len(late) > 1 else float("nan"),
        "rss_start": rss_start,
        "rss_end": rss_end,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="targets per phase (default 10,000)")
    parser.add_argument("--window", type=float, default=60.0, help="seconds the lateness phase's targets span")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (celery worker instances)")
    parser.add_argument("--pool", default="threads", help="each worker's pool: threads or prefork")
    parser.add_argument("--concurrency", type=int, default=4, help="threads (or children) per worker")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait after the last due time")
    parser.add_argument("--redis-url", default=os.environ.get("PUBLISHER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--logdir", default="/tmp/publisher-bench")
    parser.add_argument("--skip-capacity", action="store_true", help="only the lateness phase")
    parser.add_argument("--skip-lateness", action="store_true", help="only the capacity phase")
    parser.add_argument(
        "--archive",
        default="none",
        help="comma-separated archive modes to run the phases with: none, sqlite, postgresql (e.g. none,sqlite)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat the modes, interleaved; medians are compared")
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get(
            "PUBLISHER_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/publisher_test"
        ),
    )
    args = parser.parse_args()
    modes = [m.strip() for m in args.archive.split(",") if m.strip()]
    if not set(modes) <= {"none", "sqlite", "postgresql"}:
        parser.error("--archive takes none, sqlite and postgresql")

    api = CountingAPI()
    raw = raw_loop(api.url, min(args.n, 5000))
    api.reset()
    print(f"raw requests loop against the same server: {raw:,.0f} posts/s")
    print(f"{args.workers} worker process(es), pool={args.pool}, concurrency {args.concurrency} each; N={args.n:,}")
    results = []
    for mode in [m for _ in range(args.rounds) for m in modes]:  # interleaved: load changes hit every mode alike
        if not args.skip_lateness:
            label = f"lateness (due over {args.window:.0f} s), archive {mode}"
            results.append(phase(args, api, window=args.window, label=label, archive=mode))
        if not args.skip_capacity:
            label = f"capacity (all due at once), archive {mode}"
            results.append(phase(args, api, window=0.0, label=label, archive=mode))
    for r in results:
        print(f"\n{r['label']}")
        print(f"  published {r['published']:,} of {args.n:,}; duplicates {r['duplicates']}; lost {r['lost']}")
        if r["rows_missing"] is not None:
            print(f"  archive rows against the platform: duplicate {r['rows_duplicate']}, missing {r['rows_missing']}")
        print(f"  lateness due→API call: p50 {r['p50']:.3f} s, p99 {r['p99']:.3f} s")
        print(f"  throughput {r['throughput']:,.0f} targets/s = {r['throughput'] / raw:.2f} × raw loop")
        rss = ", ".join(f"{a:.0f}→{b:.0f} MB" for a, b in zip(r["rss_start"], r["rss_end"], strict=True))
        print(f"  worker RSS (process tree) start→end: {rss}")
    print_archive_ratios(results)


def print_archive_ratios(results: list[dict]) -> None:
    """Each archive mode's median throughput as a ratio to the same phase's median without the archive
    (goal ≥ 0.95), and the archive's duplicate and missing rows summed over the rounds (goal 0)."""
    by_kind: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        by_kind.setdefault((r["label"].rsplit(", archive", 1)[0], r["archive"]), []).append(r)
    print()
    for (kind, mode), runs in sorted(by_kind.items()):
        baseline = by_kind.get((kind, "none"))
        if mode == "none" or not baseline:
            continue
        median = statistics.median(r["throughput"] for r in runs)
        reference = statistics.median(r["throughput"] for r in baseline)
        rounds = ", ".join(f"{r['throughput']:.0f}" for r in runs)
        print(
            f"throughput archive {mode} / none, {kind}: {median / reference:.2f} (median {median:.0f} of {rounds} "
            f"vs {reference:.0f} targets/s); archive rows duplicate {sum(r['rows_duplicate'] for r in runs)}, "
            f"missing {sum(r['rows_missing'] for r in runs)}"
        )


if __name__ == "__main__":
    main()
