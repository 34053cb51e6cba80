"""Shared fixtures. The adapter fixtures below are self-contained (a loopback fake of the seven platforms and a
media web server); other fixtures may be appended after them."""

from __future__ import annotations

import functools
import io
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.fakeplatform import (
    BSKY_HANDLE,
    IG_USER,
    PAGE_ID,
    TG_CHANNEL,
    THREADS_USER,
    TOKENS,
    FakePlatform,
    MediaServer,
    start_fake_platform,
)
from helpers.redis import delete_namespace, new_namespace, redis_client, redis_url_for_tests
from PIL import Image
from pydantic import SecretStr

from publisher.i18n import pop_language, push_language

# The suite was written against the English source strings: they stay its language. Many tests clear every
# PUBLISHER_* variable to isolate their settings, so in this process English is an override that outlives that;
# subprocesses get the environment. Tests of the Indonesian ask for `native_language`.
os.environ["PUBLISHER_LANGUAGE"] = "en"
push_language("en")  # once: test modules import this as `conftest`, never as `tests.conftest` (a second copy)


@pytest.fixture
def native_language() -> Iterator[None]:
    """The language chosen as in production again: PUBLISHER_LANGUAGE, the settings, the default (Indonesian)."""
    pop_language()
    yield
    push_language("en")


# --- skips in CI ------------------------------------------------------------------------------------------------
# CI (.ci/run) installs every tool the tests need and sets PUBLISHER_STRICT_TOOLS=1: there a skip of a test that
# needs one of those tools means the tool went missing, so it is a failure, never a quiet green. Locally a missing
# tool still skips, with its reason. A test names its tool with `pytest.mark.tool("chromium")`; `redis`-marked
# tests need the Redis server. Module-level skips (an import that failed) are failures in CI as well.

STRICT_TOOLS = os.environ.get("PUBLISHER_STRICT_TOOLS") == "1"


def _tool_needed(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("tool")
    if marker is not None:
        return str(marker.args[0])
    return "Redis" if item.get_closest_marker("redis") is not None else None


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    tool = _tool_needed(item)
    if STRICT_TOOLS and report.skipped and tool is not None and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"PUBLISHER_STRICT_TOOLS=1: skipped, but CI installs {tool}: {_skip_reason(report)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if STRICT_TOOLS and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"PUBLISHER_STRICT_TOOLS=1: {collector.nodeid} skipped whole: {_skip_reason(report)}"


# --- adapters against the fake platform server ----------------------------------------------------------------


@pytest.fixture
def fake_platform() -> Iterator[FakePlatform]:
    from publisher.adapters.bluesky import BlueskyAdapter

    BlueskyAdapter.forget_sessions()  # sessions are per process; each fake server is a new "PDS"
    fake = start_fake_platform()
    yield fake
    fake.stop()
    BlueskyAdapter.forget_sessions()


@pytest.fixture
def fake_media(tmp_path: Path) -> Iterator[tuple[Path, MediaServer]]:
    media_dir = tmp_path / "media"
    media_dir.mkdir()
    server = MediaServer(media_dir)
    yield media_dir, server
    server.stop()


def fake_platform_settings(fake: FakePlatform, name: str, **overrides: object) -> object:
    """The platform's settings object pointing at the fake, with the fake's credentials."""
    from publisher.infra import settings as s

    secret = SecretStr
    made: dict[str, Callable[[], object]] = {
        "facebook": lambda: s.FacebookSettings(
            page_id=PAGE_ID, access_token=secret(TOKENS["facebook"]), api_base=fake.base("facebook")
        ),
        "instagram": lambda: s.InstagramSettings(
            user_id=IG_USER, access_token=secret(TOKENS["instagram"]), api_base=fake.base("instagram")
        ),
        "threads": lambda: s.ThreadsSettings(
            user_id=THREADS_USER, access_token=secret(TOKENS["threads"]), api_base=fake.base("threads")
        ),
        "x": lambda: s.XSettings(
            api_base=fake.base("x"),
            consumer_key=secret(TOKENS["x_consumer_key"]),
            consumer_secret=secret(TOKENS["x_consumer_secret"]),
            access_token=secret(TOKENS["x_access_token"]),
            access_token_secret=secret(TOKENS["x_access_token_secret"]),
        ),
        "telegram": lambda: s.TelegramSettings(
            bot_token=secret(TOKENS["telegram"]), chat_id=TG_CHANNEL, api_base=fake.base("telegram")
        ),
        "mastodon": lambda: s.MastodonSettings(api_base=fake.base("mastodon"), access_token=secret(TOKENS["mastodon"])),
        "bluesky": lambda: s.BlueskySettings(
            api_base=fake.base("bluesky"), handle=BSKY_HANDLE, app_password=secret(TOKENS["bluesky_password"])
        ),
    }
    config = made[name]()
    return config.model_copy(update=overrides) if overrides else config


@pytest.fixture
def make_adapter(fake_platform: FakePlatform, fake_media: tuple[Path, MediaServer]):  # type: ignore[no-untyped-def]
    """``make_adapter("x", progress=[...], **settings_overrides)``: a real adapter on a real RequestsTransport."""
    from publisher.adapters.media import MediaStore
    from publisher.adapters.registry import adapter_class
    from publisher.adapters.transport.requests import RequestsTransport

    media_dir, media_server = fake_media

    def make(name: str, *, progress: list | None = None, timeouts=(2.0, 5.0), **overrides: object):  # type: ignore[no-untyped-def]
        config = fake_platform_settings(fake_platform, name, **overrides)
        on_progress = (
            (lambda target, key, value: progress.append((target, key, value))) if progress is not None else None
        )
        adapter = adapter_class(name)(
            config,
            RequestsTransport(timeouts=timeouts),
            media=MediaStore(media_dir, media_server.url),
            on_progress=on_progress,
        )
        adapter.sleep = lambda seconds: None  # polls answer at once on the fake
        return adapter

    return make


@functools.cache
def card_image(width: int, height: int, image_format: str, *, seed: int = 1) -> bytes:
    """A card-sized image with a little noise, so JPEG and PNG sizes are realistic rather than trivially small."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (12, 74, 110))
    for _ in range(300):
        x, y = rng.randrange(width - 20), rng.randrange(height - 20)
        img.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 20, y + 20))
    out = io.BytesIO()
    img.save(out, format=image_format, **({"quality": 85} if image_format == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture
def outgoing_for():  # type: ignore[no-untyped-def]
    """``outgoing_for("x", caption=..., alt=...)``: an Outgoing with a card of the platform's own size and format."""
    from publisher.adapters.base import Outgoing
    from publisher.adapters.registry import adapter_class

    def make(name: str, *, caption: str | None = None, alt: str | None = "Kartu layanan paspor", **extra):  # type: ignore[no-untyped-def]
        card = adapter_class(name).card
        fields = {
            "target_id": f"paspor-elektronik/{name}/main",
            "post_id": "paspor-elektronik",
            "platform": name,
            "caption": caption or "Layanan paspor elektronik kini tersedia. https://imigrasi.go.id/paspor #imigrasi",
            "image": card_image(card.width, card.height, card.format),
            "image_format": card.format,
            "alt": alt,
            "idempotency_key": f"paspor-elektronik/{name}/main/abc123",
        }
        fields.update(extra)
        return Outgoing(**fields)

    return make


# --- the publisher command against the fake platforms (publish step tests) ------------------------------------


@pytest.fixture
def publisher_env(fake_platform: FakePlatform, fake_media: tuple[Path, MediaServer], tmp_path: Path):  # type: ignore[no-untyped-def]
    """Environment for running ``publisher`` as a subprocess: the example posts (copied), every platform's
    ``__API_BASE`` on the fake server with the fake's credentials, Redis at PUBLISHER_TEST_REDIS_URL under a
    namespace of its own (deleted afterwards, dry-run twin included)."""
    import os
    import shutil

    media_dir, media_server = fake_media
    shutil.copytree(Path(__file__).parent.parent / "posts", tmp_path / "posts")
    redis_url = redis_url_for_tests()
    namespace = new_namespace()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_LANGUAGE="en",
        PUBLISHER_POSTS_DIR=str(tmp_path / "posts"),
        PUBLISHER_STATE_DIR=str(tmp_path / "state"),
        PUBLISHER_SECRETS_DIR=str(tmp_path / "no-secrets-dir"),
        PUBLISHER_REDIS_URL=redis_url,
        PUBLISHER_NAMESPACE=namespace,
        PUBLISHER_MEDIA_DIR=str(media_dir),
        PUBLISHER_MEDIA_BASE_URL=media_server.url,
    )
    for name in ("facebook", "instagram", "threads", "x", "telegram", "mastodon", "bluesky"):
        config = fake_platform_settings(fake_platform, name)
        for key, value in config.model_dump().items():
            if value:
                text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
                env[f"PUBLISHER_{name.upper()}__{key.upper()}"] = text
    yield env
    delete_namespace(redis_client(), namespace)


def run_publisher(env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 120):  # type: ignore[no-untyped-def]
    """``publisher ARGS`` as a subprocess, the way an operator runs it; returns the CompletedProcess (text)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        env=env,
        cwd=cwd or Path(env["PUBLISHER_STATE_DIR"]).parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- the archive on SQLite and PostgreSQL (tests/archive_db.py) --------------------------------------------------

from archive_db import archive_ledger, archive_settings, archive_url  # noqa: E402, F401
