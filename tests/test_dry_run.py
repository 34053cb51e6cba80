"""``publisher publish --dry-run`` opens no socket except to Redis, records what would be sent, and does not stop
the real run that follows."""

from __future__ import annotations

import json
import os
import socket
from urllib.parse import urlsplit

import pytest
import redis
from click.testing import CliRunner
from conftest import run_publisher
from helpers.redis import redis_url_for_tests

from publisher.infra.masking import uninstall_log_masking
from publisher.publishing.ledger import Ledger

pytestmark = pytest.mark.redis

SEVEN = ["facebook", "instagram", "x", "telegram", "mastodon", "bluesky", "threads"]


@pytest.fixture
def no_sockets_but_redis(monkeypatch):
    """Every connect and name lookup fails, except the test's Redis server; returns the refused attempts."""
    redis_url = urlsplit(redis_url_for_tests())
    allowed = {(redis_url.hostname or "127.0.0.1", redis_url.port or 6379)}
    attempts: list[object] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):  # type: ignore[no-untyped-def]
        if isinstance(address, tuple) and tuple(address[:2]) in allowed:
            return real_connect(sock, address)
        attempts.append(address)
        raise OSError(f"the dry-run test forbids connecting to {address!r}")

    def guarded_getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if (host, port) in allowed:
            return real_getaddrinfo(host, port, *args, **kwargs)
        attempts.append((host, port))
        raise socket.gaierror(f"the dry-run test forbids looking up {host!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return attempts


def use_env(monkeypatch, env: dict[str, str]) -> None:
    for name in list(os.environ):
        if name.startswith("PUBLISHER_") and name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("PUBLISHER_"):
            monkeypatch.setenv(name, value)


def invoke(*args: str):  # type: ignore[no-untyped-def]
    from publisher.cli import cli

    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        uninstall_log_masking()


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_dry_run_opens_no_socket_and_records_what_would_be_sent(
    publisher_env, fake_platform, monkeypatch, no_sockets_but_redis, how
):
    # Every platform points at the loopback fake: a single request reaching it would show in the fake's log.
    if how == "setting":
        publisher_env["PUBLISHER_DRY_RUN"] = "true"
    use_env(monkeypatch, publisher_env)
    args = ["publish", "paspor-baru"] + (["--dry-run"] if how == "flag" else [])

    result = invoke(*args)

    assert result.exit_code == 0, result.output + repr(result.exception)
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines] == SEVEN
    assert all("published (dry run)" in line for line in lines), lines
    assert no_sockets_but_redis == []
    assert fake_platform.requests == []

    client = redis.Redis.from_url(publisher_env["PUBLISHER_REDIS_URL"])
    real = Ledger(client, publisher_env["PUBLISHER_NAMESPACE"])
    assert real.for_post("paspor-baru") == []  # the real ledger is untouched
    records = {r.platform: r for r in real.for_dry_run().for_post("paspor-baru")}
    assert sorted(records) == sorted(SEVEN)
    for name, record in records.items():
        assert record.state == "published"
        assert "Kantor Imigrasi Bengkulu Selatan" in record.caption
        assert record.image_bytes and record.image_sha256
        requests = json.loads(record.dry_run_requests)
        assert requests and all(r["url"] for r in requests), name
        assert "SECRET" not in record.dry_run_requests  # the fake's tokens all contain SECRET

    # Again: the dry-run ledger already has them; still no socket.
    again = invoke(*args)
    assert again.exit_code == 0 and all("already published" in line for line in again.output.splitlines())
    assert no_sockets_but_redis == []


def test_a_real_run_after_a_dry_run_still_publishes(publisher_env, fake_platform):
    # Two processes, as an operator runs them. (In one process the Bluesky adapter's session cache, keyed by
    # handle and PDS only, would hand the dry run's fake session to the real run: reported to the adapters.)
    dry = run_publisher(publisher_env, "publish", "paspor-baru", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert fake_platform.requests == []
    result = run_publisher(publisher_env, "publish", "paspor-baru")
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(": published http" in line for line in result.stdout.splitlines()), result.stdout
    assert all(len(fake_platform.published(name)) == 1 for name in SEVEN)
