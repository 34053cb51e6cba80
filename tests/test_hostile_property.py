"""Issue 11's rule as a property: for generated post files (random fields, unicode from every plane, odd YAML),
`check` never crashes or hangs; what it accepts, the preview and a dry-run publish handle; nothing is written
outside the output and state dirs. A bounded run here; `python bench/fuzz.py` runs longer."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from helpers.redis import redis_url_for_tests
from hypothesis import HealthCheck, given, settings

from tests.strategies import exercise, post_files

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = redis_url_for_tests()
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server")
    return url


# The deadline only catches a hang (an example takes well under a second to a few seconds).
@settings(max_examples=60, deadline=timedelta(seconds=60), suppress_health_check=[HealthCheck.too_slow])
@given(post_files())
def test_whatever_check_accepts_previews_and_publishes_and_nothing_escapes(redis_url: str, case) -> None:  # type: ignore[no-untyped-def]
    name, document, image_mode = case
    with tempfile.TemporaryDirectory() as folder:
        exercise(Path(folder), name, document, image_mode, redis_url)
