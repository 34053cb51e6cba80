"""Benchmark: ``publisher check`` at archive scale, as ratios to a floor measured in the same run.

    python bench/check.py [--posts 10000] [--profile]

Generates ``--posts`` post files in a temp dir (the examples' kinds, bodies, hashtags, events, English versions and
``text:`` overrides, each with its own id, title and dates; one in fifty with a problem of its own: a YAML error,
an unknown key, a missing title, an impossible date; a few duplicate ids, a few ``supersedes`` of a post that
does not exist, a few with their own image), then measures, one after the other:

- floor: read every file and parse its front matter with libyaml (``yaml.CSafeLoader``), one process;
- cold: ``check_paths`` with an empty cache in a fresh state dir (goal ≤ 2 × floor);
- warm: ``check_paths`` again over the unchanged files (goal ≤ 0.5 × floor);
- uncached: one process, no cache (what ``check`` cost before the cache and the pool; for reference).

Each figure is the best of ``--repeat`` runs (the machine is shared; the best run is the least disturbed), and the
load average is printed beside them. ``--profile`` prints where an uncached check spends its time (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.samples import shift_times  # noqa: E402
from publisher.infra.settings import Settings  # noqa: E402
from publisher.posts.check import CheckReport, check_paths  # noqa: E402

EXAMPLES = REPO / "posts"
PLATFORM_SETS = (
    ["facebook", "instagram", "x", "telegram"],
    ["facebook", "instagram", "x", "telegram", "mastodon", "bluesky", "threads"],
    ["x", "bluesky"],
    ["telegram", "mastodon", "threads"],
)
# One in fifty files is invalid, each in its own way.
BREAKAGES = (
    lambda front: front.replace("platforms: [", "platforms: [[", 1),  # YAML syntax
    lambda front: front + "\nplatfroms: [x]",  # an unknown key, with a suggestion
    lambda front: re.sub(r"^title: .*$", "title: ''", front, count=1, flags=re.M),  # an empty title
    lambda front: re.sub(r"^publish_at: .*$", "publish_at: 2027-02-30 09:00", front, count=1, flags=re.M),
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cf"
    "c0f01f0005000201ffa1d5a3ae0000000049454e44ae426082"
)


def generate(folder: Path, count: int) -> None:
    """``count`` post files in ``folder`` (100 to a subfolder), varied, with invalid ones and cross-file problems."""
    examples = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.md"))]
    (folder / "img").mkdir(parents=True, exist_ok=True)
    (folder / "img" / "foto.png").write_bytes(PNG)
    for n in range(count):
        front, body = examples[n % len(examples)].split("\n---\n", 1)
        front = front.removeprefix("---\n")
        title = f"#{n + 1}"
        front = re.sub(
            r"^title: (.*)$", lambda m, t=title: f'title: "{m.group(1).strip(chr(34))} {t}"', front, flags=re.M
        )
        front = re.sub(r"^platforms: .*$", f"platforms: [{', '.join(PLATFORM_SETS[n % 4])}]", front, flags=re.M)
        front = re.sub(r"^(supersedes|image): .*$\n?", "", front, flags=re.M)
        front = shift_times(front, timedelta(days=n // 5, hours=n % 5))
        if n % 500 == 7:
            front += f"\nid: post-{n - 1:05d}"  # a duplicate id: this file and the one before
        if n % 500 == 11:
            front += "\nsupersedes: tidak-ada"  # a correction of a post that does not exist (a warning)
        if n % 250 == 3:
            front += "\nimage: ../img/foto.png"
        if n % 50 == 25:
            front = BREAKAGES[(n // 50) % len(BREAKAGES)](front)
        sub = folder / f"{n // 100:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"post-{n:05d}.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")


def floor(folder: Path) -> int:
    """Read every post file and parse its front matter with libyaml: what no checker can avoid."""
    parsed = 0
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        front = text[4:].split("\n---", 1)[0] if text.startswith("---\n") else ""
        try:
            yaml.load(front, Loader=yaml.CSafeLoader)
            parsed += 1
        except yaml.YAMLError:
            pass
    return parsed


def best(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def fingerprint(report: CheckReport) -> tuple:
    """Everything a check reports: each file's problems and post, in order."""
    return (
        [str(p) for p in report.problems],
        [(r.display, r.post_id, r.ok, r.post) for r in report.results],
    )


def summary(report: CheckReport) -> str:
    return f"{len(report.results)} files, {len(report.errors)} errors, {len(report.warnings)} warnings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="where an uncached check spends its time")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        posts = work / "posts"
        generate(posts, args.posts)
        settings = Settings(posts_dir=posts, state_dir=work / "state")
        print(f"{args.posts} post files in {posts}; {os.cpu_count()} CPU(s); load average {os.getloadavg()}")
        base, parsed = best(args.repeat, lambda: floor(posts))
        print(f"floor     {base:6.2f} s   read + libyaml parse, one process ({parsed} parsed)")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(check_paths, [posts], settings, cache=False)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)

        def cold() -> CheckReport:
            shutil.rmtree(settings.state_dir, ignore_errors=True)
            return check_paths([posts], settings)

        cold_time, cold_report = best(args.repeat, cold)
        warm_time, warm_report = best(args.repeat, lambda: check_paths([posts], settings))
        plain_time, plain_report = best(1, lambda: check_paths([posts], settings, cache=False, workers=1))
        same = all(fingerprint(r) == fingerprint(plain_report) for r in (cold_report, warm_report))
        print(f"cold      {cold_time:6.2f} s   {cold_time / base:5.2f} × floor (goal ≤ 2)     {summary(cold_report)}")
        print(f"warm      {warm_time:6.2f} s   {warm_time / base:5.2f} × floor (goal ≤ 0.5)   {summary(warm_report)}")
        print(f"uncached  {plain_time:6.2f} s   {plain_time / base:5.2f} × floor (one process, no cache)")
        print(f"same results as the uncached single-process check: {same}; load average {os.getloadavg()}")
        if not same:
            raise SystemExit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
