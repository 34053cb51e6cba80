"""A longer run of the hostile-input property (tests/test_hostile_property.py): generated post files through
check, preview and a dry-run publish. Prints how many examples ran, how many `check` accepted, and the first
broken promise found (shrunk by Hypothesis) if any.

    PYTHONPATH=. python bench/fuzz.py --examples 2000        # needs Redis (PUBLISHER_TEST_REDIS_URL or :6379)
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_worker_fakes import redis_url_for_tests

from tests.strategies import exercise, post_files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=None, help="default: a fixed run, the same examples each time")
    args = parser.parse_args()
    url = redis_url_for_tests()
    counts: collections.Counter[str] = collections.Counter()
    first_errors: collections.Counter[str] = collections.Counter()

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=args.seed is None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @seed(args.seed if args.seed is not None else 0)
    @given(post_files())
    def run(case: tuple[str, str, str | None]) -> None:
        counts["examples"] += 1
        with tempfile.TemporaryDirectory() as folder:
            outcome = exercise(Path(folder), *case, url)
        counts["accepted" if outcome.accepted else "rejected"] += 1
        if outcome.errors:
            first_errors[outcome.errors[0].split(": error: ", 1)[-1][:40]] += 1

    found = None
    try:
        run()
    except Exception:  # Hypothesis re-raises the shrunk failing example
        found = traceback.format_exc()
    print(f"examples run: {counts['examples']} (accepted by check: {counts['accepted']}, "
          f"rejected: {counts['rejected']})")  # fmt: skip
    print("most common first errors:")
    for message, count in first_errors.most_common(12):
        print(f"  {count:5}  {message}")
    print("found: nothing broken" if found is None else f"found a broken promise:\n{found}")
    return 0 if found is None else 1


if __name__ == "__main__":
    sys.exit(main())
