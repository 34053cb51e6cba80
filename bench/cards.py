"""Card rendering benchmark: every example post × every platform, render + encode, against the encode floor.

    python bench/cards.py [--rounds N] [--posts DIR]

For each platform prints the card size and format, the per-card time (median and p95 over all posts and rounds),
the encode floor (encoding a blank image of the same size and format with the same encoder the cards use) and the
ratio of the two. One warm-up round runs first: fonts and the shared header/footer layer are built once per
process, as in a real run, and are not what this measures. The caches that serve a repeat of the same words
(text measurements, and the drawn card a reminder shares with its post's card) are emptied before each card, so
every round draws each card in full rather than finding it from the round before.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.adapters.registry import adapter_classes  # noqa: E402
from publisher.brand.palette import NAVY  # noqa: E402
from publisher.cards import layout, render_card, templates  # noqa: E402
from publisher.cards.encode import encode  # noqa: E402
from publisher.posts.loader import load_post  # noqa: E402
from publisher.posts.model import Post  # noqa: E402


def load_posts(directory: Path) -> list[Post]:
    posts = []
    for path in sorted(directory.glob("*.md")):
        result = load_post(path, tz=ZoneInfo("Asia/Jakarta"), root=directory)
        if result.post is not None:
            posts.append(result.post)
    return posts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def encode_once(blank: Image.Image, fmt: str) -> float:
    started = time.perf_counter()
    encode(blank, fmt, flat=True)  # as render_card encodes a drawn card
    return (time.perf_counter() - started) * 1000


def forget_repeats() -> None:
    """Empties the caches that only a repeat of the same card's words would hit."""
    layout.measure.cache_clear()
    layout._run_length.cache_clear()
    templates._stem.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per post and platform (default 5)")
    parser.add_argument("--posts", type=Path, default=ROOT / "posts", help="posts folder (default: the examples)")
    args = parser.parse_args()

    posts = load_posts(args.posts)
    adapters = adapter_classes()
    for post in posts:  # warm-up: font objects, emoji, the per-size base layer
        for adapter in adapters.values():
            render_card(post, adapter)

    print(f"{len(posts)} posts × {len(adapters)} platforms × {args.rounds} rounds; times in ms per card")
    header = f"{'platform':<10} {'size':>10} {'format':<6} {'median':>8} {'p95':>8} {'floor':>8} {'ratio':>7} {'KB':>6}"
    print(header)
    print("-" * len(header))
    by_format: dict[str, list[tuple[float, float]]] = {}
    timings: dict[str, list[float]] = {name: [] for name in adapters}
    floors: dict[str, list[float]] = {name: [] for name in adapters}
    sizes: dict[str, list[int]] = {name: [] for name in adapters}
    blanks = {name: Image.new("RGB", adapter.card.size, NAVY) for name, adapter in adapters.items()}
    # Interleaved: each card's render is followed by its encode floor, so load from other processes on the
    # machine falls on both alike and the ratio stays meaningful.
    for _ in range(args.rounds):
        for post in posts:
            for name, adapter in adapters.items():
                forget_repeats()
                started = time.perf_counter()
                card = render_card(post, adapter)
                timings[name].append((time.perf_counter() - started) * 1000)
                sizes[name].append(len(card.data))
                floors[name].append(encode_once(blanks[name], adapter.card.format))
    for name, adapter in sorted(adapters.items()):
        spec = adapter.card
        median, floor = statistics.median(timings[name]), statistics.median(floors[name])
        by_format.setdefault(f"{spec.format} {spec.width}×{spec.height}", []).append((median, floor))
        print(
            f"{name:<10} {spec.width:>5}×{spec.height:<4} {spec.format:<6} {median:>8.1f} "
            f"{percentile(timings[name], 0.95):>8.1f} {floor:>8.1f} {median / floor:>6.2f}× "
            f"{statistics.median(sizes[name]) / 1024:>6.0f}"
        )
    print()
    print("by format and size (median of platform medians):")
    for key, rows in sorted(by_format.items()):
        median = statistics.median(r[0] for r in rows)
        floor = statistics.median(r[1] for r in rows)
        print(f"  {key:<16} {median:>6.1f} ms   floor {floor:>5.1f} ms   ratio {median / floor:.2f}×")


if __name__ == "__main__":
    main()
