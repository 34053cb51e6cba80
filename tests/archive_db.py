"""Fixtures for the archive: every test that asks for ``archive_url`` runs twice, on an SQLite file and on the
real PostgreSQL server at ``PUBLISHER_TEST_DATABASE_URL`` (``.ci/run`` starts one), each PostgreSQL run in a
schema of its own that is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from publisher.archive.database import forget_engines
from publisher.infra.settings import Settings
from publisher.publishing.ledger import Ledger

POST = """---
kind: service-update
title: Layanan Paspor Elektronik
publish_at: 2026-12-01 09:00
platforms: [telegram, facebook]
status: ready
{extra}---
Mulai 1 Desember, permohonan paspor elektronik dapat diajukan di kantor kami.
"""


def write_post(folder: Path, post_id: str = "paspor", *, extra: str = "", body: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text_ = POST.format(extra=extra)
    if body is not None:
        text_ = text_.rsplit("---\n", 1)[0] + "---\n" + body + "\n"
    path = folder / f"{post_id}.md"
    path.write_text(text_, encoding="utf-8")
    return path


def _postgres_schema_url(base: str) -> Iterator[str]:
    schema = f"archive_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        forget_engines()  # close the pooled connections before the schema goes
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
        forget_engines()
        return
    base = os.environ.get("PUBLISHER_TEST_DATABASE_URL")
    if not base:
        reason = "PUBLISHER_TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL and sets it)"
        if os.environ.get("PUBLISHER_STRICT_TOOLS") == "1":  # CI starts PostgreSQL: a skip there hides a missing server
            pytest.fail(f"PUBLISHER_STRICT_TOOLS=1: {reason}")
        pytest.skip(reason)
    yield from _postgres_schema_url(base)


@pytest.fixture
def archive_settings(archive_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("PUBLISHER_") and not name.startswith("PUBLISHER_TEST_"):
            monkeypatch.delenv(name)
    posts = tmp_path / "posts"
    write_post(posts)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        posts_dir=posts,
        state_dir=tmp_path / "state",
        redis_url=os.environ.get("PUBLISHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        namespace=f"archive-test-{uuid.uuid4().hex}",
        database_url=archive_url,
    )


@pytest.fixture
def archive_ledger(archive_settings: Settings) -> Iterator[Ledger]:
    client = redis.Redis.from_url(os.environ.get("PUBLISHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    ledger = Ledger(client, archive_settings.namespace)
    yield ledger
    ledger.purge()
    ledger.for_dry_run().purge()
