"""Collection benchmark: one pass over N published targets on the loopback fake platform server.

    python bench/collect.py                  # 10,000 targets over the seven platforms, SQLite archive
    python bench/collect.py --n 2000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/publisher_test

The published targets are written straight into the archive (publishing 10,000 posts is not what is measured);
the fake serves metrics and a three-reply conversation for each. The fake runs in a child process, so its own
request log does not count in this process's memory. Two manual passes run back to back (the second reads the
same targets again, its replies already stored): API requests per platform against the bound
ceil(targets / read_batch_size) + one per thread read (+ one lookup of the account itself: Graph's username,
Bluesky's session, Telegram's member count), and this process's RSS at start, after pass 1 and after pass 2.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pydantic import SecretStr  # noqa: E402

from publisher.adapters.registry import adapter_class  # noqa: E402
from publisher.archive.database import open_engine  # noqa: E402
from publisher.archive.outcomes import ArchiveState  # noqa: E402
from publisher.archive.tables import outcomes  # noqa: E402
from publisher.infra import settings as s  # noqa: E402
from publisher.listening.collect import collect  # noqa: E402
from publisher.listening.store import EngagementStore  # noqa: E402

PLATFORMS = ("facebook", "instagram", "threads", "x", "mastodon", "bluesky", "telegram")


def remote_id(platform: str, n: int) -> str:
    if platform == "facebook":
        return f"1001_{n}"
    if platform == "bluesky":
        return f"at://did:plc:fakeimigrasi/app.bsky.feed.post/3lb{n:07d}"
    return str(100_000 + n)


def targets(n: int) -> list[tuple[str, str]]:
    return [(PLATFORMS[i % len(PLATFORMS)], remote_id(PLATFORMS[i % len(PLATFORMS)], i)) for i in range(n)]


def serve(n: int, conn) -> None:  # the child: the fake, seeded, until told to stop; then its request counts
    from helpers.fakeplatform import SAMPLE_METRICS, FakeReply, seed, start_fake_platform
    from helpers.fakeplatform.server import _Handler

    # Headers and body go out as two writes: without TCP_NODELAY each answer waits ~40 ms for a delayed ACK,
    # which would measure the fake's socket, not the pass.
    _Handler.disable_nagle_algorithm = True

    fake = start_fake_platform()
    for i, (platform, rid) in enumerate(targets(n)):
        replies = [] if platform == "telegram" else [
            FakeReply(f"q{i}", "warga", "Apa syarat paspor anak?", replies=[
                FakeReply(f"a{i}", "office", "Akta lahir dan KK.", from_office=True)]),
            FakeReply(f"t{i}", "budi", "Terima kasih"),
        ]  # fmt: skip
        seed(fake, platform, rid, metrics=SAMPLE_METRICS[platform], replies=replies)
    conn.send({p: fake.base(p) for p in PLATFORMS})
    while conn.recv() != "stop":
        with fake.lock:
            conn.send(Counter(p for p, _ in fake.requests))
    fake.stop()


def settings_for(bases: dict[str, str], state: Path, database_url: str) -> s.Settings:
    from helpers.fakeplatform import BSKY_HANDLE, IG_USER, PAGE_ID, TG_CHANNEL, THREADS_USER, TOKENS

    t = {k: SecretStr(v) for k, v in TOKENS.items()}
    return s.Settings(
        _env_file=None,  # type: ignore[call-arg]
        state_dir=state,
        posts_dir=state / "posts",
        database_url=database_url,
        facebook=s.FacebookSettings(page_id=PAGE_ID, access_token=t["facebook"], api_base=bases["facebook"]),
        instagram=s.InstagramSettings(user_id=IG_USER, access_token=t["instagram"], api_base=bases["instagram"]),
        threads=s.ThreadsSettings(user_id=THREADS_USER, access_token=t["threads"], api_base=bases["threads"]),
        x=s.XSettings(api_base=bases["x"], consumer_key=t["x_consumer_key"], consumer_secret=t["x_consumer_secret"],
                      access_token=t["x_access_token"], access_token_secret=t["x_access_token_secret"]),
        telegram=s.TelegramSettings(bot_token=t["telegram"], chat_id=TG_CHANNEL, api_base=bases["telegram"]),
        mastodon=s.MastodonSettings(api_base=bases["mastodon"], access_token=t["mastodon"]),
        bluesky=s.BlueskySettings(api_base=bases["bluesky"], handle=BSKY_HANDLE, app_password=t["bluesky_password"]),
    )  # fmt: skip


def archive_published(settings: s.Settings, n: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {"target_id": f"bench-{i}/{platform}/main", "post_id": f"bench-{i}", "occurrence": "main",
         "platform": platform, "state": ArchiveState.PUBLISHED.value, "attempts": 1, "dry_run": False, "remote_id": rid,
         "settled_at": now - timedelta(hours=2), "archived_at": now}
        for i, (platform, rid) in enumerate(targets(n))
    ]  # fmt: skip
    with open_engine(settings).begin() as connection:
        connection.execute(outcomes.insert(), rows)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("PUBLISHER_BENCH_DATABASE_URL"))
    args = parser.parse_args()

    parent, child = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(target=serve, args=(args.n, child), daemon=True)
    server.start()
    bases = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'archive.sqlite3'}"
        if url.startswith("postgresql"):  # a schema of its own, dropped afterwards
            url = _postgres_schema(url)
        settings = settings_for(bases, Path(tmp), url)
        archive_published(settings, args.n)
        store = EngagementStore(open_engine(settings))
        rss = [rss_mib()]
        calls: list[Counter[str]] = []
        for _ in range(2):
            started = time.perf_counter()
            report = collect(settings, store, now=datetime.now(UTC), manual=True)
            elapsed = time.perf_counter() - started
            parent.send("count")
            calls.append(parent.recv())
            rss.append(rss_mib())
            failed = [p.platform + ": " + (p.failure or "") for p in report.failed]
            print(f"pass: {sum(p.snapshots for p in report.platforms.values())} targets read in {elapsed:.1f} s"
                  + (f"; FAILED {failed}" if failed else ""))  # fmt: skip
    parent.send("stop")
    server.join(5)
    _print(report, calls, rss)


def _print(report, calls: list[Counter[str]], rss: list[float]) -> None:
    print(f"{'platform':10} {'targets':>8} {'batch':>6} {'bound':>7} {'pass 1':>7} {'pass 2':>7}")
    within = True
    for name, result in report.platforms.items():
        cls = adapter_class(name)
        threads = result.targets if cls.reads_replies else 0
        metric_calls = 0 if name == "telegram" else math.ceil(result.targets / cls.read_batch_size)
        bound = metric_calls + threads + 1
        first, second = calls[0][name], calls[1][name] - calls[0][name]
        within &= first <= bound and second <= bound
        print(f"{name:10} {result.targets:>8} {cls.read_batch_size:>6} {bound:>7} {first:>7} {second:>7}")
    print(f"requests within the bound: {'yes' if within else 'NO'}")
    print("RSS MiB: start {:.1f} → after pass 1 {:.1f} → after pass 2 {:.1f}".format(*rss))


def _postgres_schema(base: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_collect_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    import atexit

    def drop() -> None:
        from publisher.archive.database import forget_engines

        forget_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    atexit.register(drop)
    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)


if __name__ == "__main__":
    main()
