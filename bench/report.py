"""Monthly report benchmark: a synthetic month of 1,000 posts and 100,000 snapshots through ``write_report``.

    python bench/report.py [--posts N] [--snapshots N] [--replies N] [--rounds N]

Prints, for ``write_report`` and for merely serialising ``metrics.csv`` of the same snapshots in the same run, the
time (median of the rounds) and the peak RSS above the process's size before the call (Linux: the high-water mark
is reset through ``/proc/self/clear_refs`` before each call), then their ratio; and a breakdown of one
``write_report`` into its steps (figures, charts, site, PDF, CSV) with the output sizes. The rows are built once
before anything is measured: reading them from the archive is not what this measures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.listening.report import write_report  # noqa: E402
from publisher.listening.report.charts import draw_all  # noqa: E402
from publisher.listening.report.figures import ENGAGEMENT, REACH, compute  # noqa: E402
from publisher.listening.report.metrics import write_metrics_csv  # noqa: E402
from publisher.listening.report.pdf import write_pdf  # noqa: E402
from publisher.listening.report.site import write_site  # noqa: E402
from publisher.listening.report_data import (  # noqa: E402
    PublicationRow,
    ReplyRow,
    ReportData,
    SkmRow,
    SnapshotRow,
)

WIB = ZoneInfo("Asia/Jakarta")
PLATFORMS = ("facebook", "instagram", "x", "telegram")
KINDS = ("service-update", "policy-change", "event-reminder")
AGES = (("1h", timedelta(hours=1)), ("24h", timedelta(days=1)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30)))
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def metric_names(platform: str) -> list[str]:
    return sorted({*ENGAGEMENT.get(platform, ()), *([REACH[platform]] if platform in REACH else [])})


def synthetic_month(posts: int, snapshots: int, replies: int, seed: int = 13) -> ReportData:
    rng = random.Random(seed)
    publications: list[PublicationRow] = []
    for number in range(posts):
        due = START + timedelta(minutes=43 * number)
        for platform in PLATFORMS:
            state = "failed" if rng.random() < 0.01 else "published"
            late = timedelta(minutes=rng.choice((0, 1, 2, 3, 12)))
            publications.append(PublicationRow(
                f"post-{number:04d}", "main", platform, KINDS[number % 3], f"Pengumuman layanan nomor {number}",
                state, due, due + late, None if state == "failed" else f"{platform}-{number}",
                None if state == "failed" else f"https://{platform}.example/{number}",
                approved_by=("Budi", "Dewi", None)[number % 3], error="HTTP 500" if state == "failed" else None,
            ))  # fmt: skip
    published = [p for p in publications if p.state == "published"]
    rows: list[SnapshotRow] = []
    while len(rows) < snapshots:
        for target in published:
            for age, after in AGES:
                for metric in metric_names(target.platform):
                    value = None if target.platform == "telegram" or rng.random() < 0.02 else rng.randrange(5000)
                    rows.append(SnapshotRow(target.post_id, "main", target.platform, target.remote_id or "", metric,
                                            value, "v1", target.settled_at + after, age))  # fmt: skip
                    if len(rows) == snapshots:
                        break
                if len(rows) == snapshots:
                    break
            if len(rows) == snapshots:
                break
    comments = [
        ReplyRow(t.platform, t.post_id, t.remote_id or "", f"c{i}", None,
                 "Apakah syaratnya sama untuk anak-anak?" if i % 5 == 0 else "Terima kasih informasinya",
                 t.settled_at + timedelta(hours=2), f"{t.permalink}?c={i}", i % 5 == 0, i % 10 == 0)
        for i, t in enumerate(rng.choices([p for p in published if p.platform != "telegram"], k=replies))
    ]  # fmt: skip
    skm = [SkmRow("2026-Q4", 84.72, "B", 120, (3.4, 3.3, 3.2, 3.6, 3.5, 3.4, 3.3, 3.2, 3.6))]
    return ReportData("2026-12", "Kantor Imigrasi Bengkulu Selatan", START + timedelta(days=31), publications,
                      rows, comments, [], skm)  # fmt: skip


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(call: Callable[[], object]) -> tuple[float, int]:
    """Seconds, and peak RSS above the size before the call (KiB)."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = rss_kib("VmRSS")
    started = time.perf_counter()
    call()
    elapsed = time.perf_counter() - started
    return elapsed, rss_kib("VmHWM") - before


def breakdown(data: ReportData, out: Path) -> None:
    steps: dict[str, float] = {}
    started = time.perf_counter()
    figures = compute(data)
    steps["figures"] = time.perf_counter() - started
    started = time.perf_counter()
    charts = draw_all(figures)
    steps["charts"] = time.perf_counter() - started
    started = time.perf_counter()
    write_site(figures, charts, out, WIB)
    steps["site"] = time.perf_counter() - started
    started = time.perf_counter()
    write_pdf(figures, charts, out / "report.pdf", WIB)
    steps["pdf"] = time.perf_counter() - started
    started = time.perf_counter()
    write_metrics_csv(data.snapshots, out / "metrics.csv", WIB)
    steps["csv"] = time.perf_counter() - started
    print("one write_report, by step: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = synthetic_month(args.posts, args.snapshots, args.replies)
    print(f"month: {args.posts} posts, {len(data.publications)} targets, {len(data.snapshots)} snapshots, "
          f"{len(data.replies)} replies; RSS {rss_kib('VmRSS') / 1024:.0f} MiB after building them")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        write_report(data, out / "warm-up")  # fonts, matplotlib and templates load once per process
        report = [measure(lambda: write_report(data, out / "report")) for _ in range(args.rounds)]
        only_csv = [
            measure(lambda: write_metrics_csv(data.snapshots, out / "only.csv", WIB)) for _ in range(args.rounds)
        ]
        breakdown(data, out / "steps")
        sizes = {p.name: p.stat().st_size for p in (out / "report").iterdir() if p.is_file()}
    report_s, csv_s = statistics.median(r[0] for r in report), statistics.median(r[0] for r in only_csv)
    report_kib, csv_kib = max(r[1] for r in report), max(r[1] for r in only_csv)
    print(f"write_report:      {report_s:7.2f} s   peak RSS +{report_kib / 1024:6.1f} MiB   (median of {args.rounds})")
    print(f"metrics.csv alone: {csv_s:7.2f} s   peak RSS +{csv_kib / 1024:6.1f} MiB")
    print(f"ratio write_report / csv alone: time {report_s / csv_s:.1f}×")
    print("sizes: " + ", ".join(f"{name} {size / 1024:,.0f} KiB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
