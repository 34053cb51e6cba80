"""Benchmark: ``publisher preview`` over 100 posts × 4 platforms, cold and warm, in one run.

    python bench/preview.py [--posts 100] [--keep]

The posts are generated into a temp dir from the examples in ``posts/`` (same kinds, bodies, hashtags, events and
reminders, an English version where the example has one), each on four platforms, with its own title and date, so
every card differs. Each figure is the wall time of the real command (``python -m publisher preview``, process
start included) with a fresh state dir:

- cold: empty output dir and empty render cache: every card (and poster, when the package draws them) rendered;
- warm: the same command again over the unchanged posts: nothing rendered, no image rewritten;
- fresh output dir, warm cache: a new ``--out`` served from the render cache in the state dir;
- cold and warm again with ``--no-posters`` (the A4 posters are the dearest part of a first run).

Targets on the 2-core machines: cold ≤ 8 s, warm ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.samples import shift_times  # noqa: E402

EXAMPLES = REPO / "posts"
PLATFORM_SETS = (
    ["facebook", "instagram", "x", "telegram"],
    ["facebook", "instagram", "threads", "bluesky"],
    ["facebook", "x", "telegram", "mastodon"],
    ["instagram", "x", "bluesky", "threads"],
)
PLACES = ("Manna", "Kedurang", "Seginim", "Pino Raya", "Air Nipis", "Bunga Mas", "Kota Manna", "Pasar Manna")
COLD_TARGET, WARM_TARGET = 8.0, 1.0


def generate(folder: Path, count: int) -> None:
    """``count`` posts in ``folder``, cycling through the examples with their own title, date and platforms."""
    examples = sorted(EXAMPLES.glob("*.md"))
    for n in range(count):
        source = examples[n % len(examples)].read_text(encoding="utf-8")
        front, body = source.split("\n---\n", 1)
        shift = timedelta(days=n // 3, hours=n % 3)
        place = PLACES[n % len(PLACES)]
        front = re.sub(
            r"^title: (.*)$",
            lambda m, suffix=f"{place} #{n + 1}": f'title: "{m.group(1).strip(chr(34))} — {suffix}"',
            front,
            flags=re.M,
        )
        front = re.sub(
            r"^platforms: .*$", f"platforms: [{', '.join(PLATFORM_SETS[n % len(PLATFORM_SETS)])}]", front, flags=re.M
        )
        front = re.sub(r"^(supersedes|repeat): .*$\n?", "", front, flags=re.M)
        front = re.sub(r"^text:\n(  .*\n?)+", "", front + "\n", flags=re.M).rstrip("\n")
        front = shift_times(front, shift)
        (folder / f"bench-{n + 1:03d}.md").write_text(f"{front}\n---\n{body}", encoding="utf-8")


def run(posts: Path, out: Path, state: Path, *options: str) -> tuple[float, str]:
    env = {**os.environ, "PUBLISHER_POSTS_DIR": str(posts), "PUBLISHER_STATE_DIR": str(state)}
    env.pop("PUBLISHER_REDIS_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "preview", "--out", str(out), *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"preview failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, done.stderr.strip().splitlines()[-1]


def composition(site: Path) -> str:
    """How many of each kind of file the site holds: platform cards, English cards, reminder cards, posters."""
    import json

    manifest = json.loads((site / ".preview-manifest.json").read_text(encoding="utf-8"))
    kinds = {"platform cards": 0, "English cards": 0, "reminder cards": 0, "posters": 0}
    for path in manifest["cards"]:
        if path.startswith("posters/"):
            kinds["posters"] += 1
        elif "-reminder-" in path:
            kinds["reminder cards"] += 1
        elif Path(path).stem.endswith("-en"):
            kinds["English cards"] += 1
        else:
            kinds["platform cards"] += 1
    return ", ".join(f"{count} {kind}" for kind, count in kinds.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (to open the site)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    try:
        posts, state = work / "posts", work / "state"
        posts.mkdir()
        generate(posts, args.posts)
        print(f"{args.posts} posts × 4 platforms in {posts} ({os.cpu_count()} CPU(s))")
        cold, summary = run(posts, work / "site", state)
        print(f"cold  {cold:6.2f} s  (target ≤ {COLD_TARGET:.0f} s)  {summary}")
        warm, summary = run(posts, work / "site", state)
        print(f"warm  {warm:6.2f} s  (target ≤ {WARM_TARGET:.0f} s)  {summary}")
        fresh, summary = run(posts, work / "site-2", state)
        print(f"fresh output dir, warm cache  {fresh:6.2f} s  {summary}")
        # The A4 posters are the slowest part of a first run; the cards alone, with a state dir of their own:
        cards_only, summary = run(posts, work / "site-3", work / "state-3", "--no-posters")
        print(f"cold, --no-posters  {cards_only:6.2f} s  {summary}")
        cards_warm, summary = run(posts, work / "site-3", work / "state-3", "--no-posters")
        print(f"warm, --no-posters  {cards_warm:6.2f} s  {summary}")
        print(f"what a cold run draws: {composition(work / 'site')}")
        verdict = "met" if cold <= COLD_TARGET and warm <= WARM_TARGET else "NOT met"
        print(f"targets {verdict}")
        if args.keep:
            print(f"site: {work / 'site' / 'index.html'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
