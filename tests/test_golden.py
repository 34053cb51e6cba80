"""Golden record of what the publisher would send: every request the dry-run transport records for every example
post in ``posts/`` × each of its platforms × each of its publications, byte for byte.

It was recorded before the house refactor (issue 9) moved any module, so a move that changes a request, a caption,
a card's bytes or the order of the calls shows here. Each target goes through the real publish step
(``publish_target`` with ``dry_run=True``) on a real Redis ledger, at a fixed clock (``time_machine``, so Bluesky's
``createdAt`` and record key are fixed too) and with ``random`` seeded per target.

A draft post is published as if it were ready (its cards and captions are covered too); every publication is sent
at its own due time, as the worker would send it, so reminders and repeats are covered as well as ``main``.

The file is ``tests/golden/dry_run_requests.json``. When a change of what is sent is intended (a caption rule, a
card layout), regenerate it and review the diff like any other change:

    PUBLISHER_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py -p no:cacheprovider

Without that variable the test only compares; it never writes.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from helpers.redis import delete_namespace, new_namespace, redis_client
from pydantic import SecretStr

from publisher.adapters.bluesky import BlueskyAdapter
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.posts.model import Status
from publisher.publishing.ledger import Ledger
from publisher.publishing.step import publish_target
from publisher.publishing.targets import publications

pytestmark = pytest.mark.redis

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden" / "dry_run_requests.json"
CLOCK = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # before every example post is due


def golden_settings(tmp_path: Path) -> Settings:
    """Every platform configured with recognisable fake credentials (masked in what is recorded)."""
    secret = SecretStr
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        posts_dir=ROOT / "posts",
        state_dir=tmp_path / "state",
        timezone="Asia/Jakarta",
        media_base_url="https://media.golden.invalid",
        facebook={"page_id": "1000001", "access_token": secret("golden-facebook-token")},
        instagram={"user_id": "1000002", "access_token": secret("golden-instagram-token")},
        x={
            "consumer_key": secret("golden-x-consumer-key"),
            "consumer_secret": secret("golden-x-consumer-secret"),
            "access_token": secret("golden-x-access-token"),
            "access_token_secret": secret("golden-x-access-token-secret"),
        },
        telegram={"bot_token": secret("1000003:golden-telegram-token"), "chat_id": "@golden_channel"},
        mastodon={"api_base": "https://mastodon.golden.invalid", "access_token": secret("golden-mastodon-token")},
        bluesky={"handle": "golden.bsky.social", "app_password": secret("golden-bluesky-password")},
        threads={"user_id": "1000004", "access_token": secret("golden-threads-token")},
    )


def record_everything(tmp_path: Path) -> str:
    settings = golden_settings(tmp_path)
    client = redis_client()
    ledger = Ledger(client, namespace=new_namespace("publisher-test-golden"))
    report = check_paths(None, settings)
    assert report.ok, [str(p) for p in report.errors]
    golden: dict[str, object] = {}
    try:
        for post in sorted(report.posts, key=lambda p: p.id):
            ready = post.model_copy(update={"status": Status.READY})
            for publication in publications(ready, now=CLOCK):
                for platform in ready.platforms:
                    target = publication.target_id(platform)
                    BlueskyAdapter.forget_sessions()  # each target starts from the same (empty) session cache
                    random.seed(target)
                    result = publish_target(
                        target,
                        settings=settings,
                        ledger=ledger,
                        post=ready,
                        dry_run=True,
                        manual=True,
                        now=publication.due_at,
                    )
                    record = ledger.for_dry_run().get(target)
                    assert record is not None, target
                    golden[target] = {
                        "state": str(result.state),
                        "line": result.line(),
                        "image_sha256": record.image_sha256,
                        "image_bytes": record.image_bytes,
                        "requests": json.loads(record.dry_run_requests or "[]"),
                    }
    finally:
        delete_namespace(client, ledger.namespace)
        BlueskyAdapter.forget_sessions()
    return json.dumps(golden, indent=1, ensure_ascii=False) + "\n"


def test_dry_run_requests_match_the_golden_record(tmp_path):
    with time_machine.travel(CLOCK, tick=False):
        recorded = record_everything(tmp_path)
    if os.environ.get("PUBLISHER_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(recorded, encoding="utf-8")
    assert GOLDEN.exists(), f"no golden record yet: run with PUBLISHER_UPDATE_GOLDEN=1 to write {GOLDEN}"
    expected = GOLDEN.read_text(encoding="utf-8")
    assert recorded == expected, "what the dry run sends changed; if intended, regenerate (see the docstring)"
