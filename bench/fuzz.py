"""A longer run of the hostile-input property (tests/test_hostile_property.py): generated post files through
check, preview and a dry-run publish. Runs batches of examples (a new seed each) until the time or example
budget is spent; prints how many examples ran, how many `check` accepted, the commonest refusals, and the
first broken promise found (shrunk by Hypothesis) if any.

    PYTHONPATH=. python bench/fuzz.py --minutes 5        # needs Redis (PUBLISHER_TEST_REDIS_URL or :6379)
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.redis import redis_url_for_tests

from tests.strategies import exercise, post_files

BATCH = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0, help="the first batch's seed (then +1 per batch)")
    args = parser.parse_args()
    url = redis_url_for_tests()
    counts: collections.Counter[str] = collections.Counter()
    refusals: collections.Counter[str] = collections.Counter()

    def one(case: tuple[str, str, str | None]) -> None:
        counts["examples"] += 1
        with tempfile.TemporaryDirectory() as folder:
            outcome = exercise(Path(folder), *case, url)
        counts["accepted" if outcome.accepted else "rejected"] += 1
        if outcome.errors:
            refusals[outcome.errors[0].split(": error: ", 1)[-1][:48]] += 1

    stop_at = time.monotonic() + args.minutes * 60
    found, batch = None, 0
    while found is None and time.monotonic() < stop_at and counts["examples"] < args.examples:
        run = settings(max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
            seed(args.seed + batch)(given(post_files())(one))
        )
        try:
            run()
        except Exception:  # Hypothesis re-raises the shrunk failing example
            found = traceback.format_exc()
        batch += 1
        print(f"... {counts['examples']} examples, {counts['accepted']} accepted", file=sys.stderr, flush=True)
    print(f"examples run: {counts['examples']} in {batch} batch(es) (accepted by check: {counts['accepted']}, "
          f"rejected: {counts['rejected']})")  # fmt: skip
    print("commonest refusals:")
    for message, count in refusals.most_common(15):
        print(f"  {count:5}  {message}")
    print("found: nothing broken" if found is None else f"found a broken promise:\n{found}")
    return 0 if found is None else 1


if __name__ == "__main__":
    sys.exit(main())
