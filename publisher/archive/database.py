"""The archive's database: which one (``PUBLISHER_DATABASE_URL``), its engine, and its schema brought up to date.

Unset URL → an SQLite file in the state dir (``archive.sqlite3``), the embedded default, like Redis. Several
machines share a PostgreSQL server instead (``postgresql+psycopg://user:password@host/db``).

The schema is Alembic's: the migrations live in ``publisher/archive/migrations`` and :func:`migrate` runs
``upgrade head`` through the API when a process first opens the database. Two processes starting at once (two
workers, a worker and ``publisher audit``) must not both create the tables, so the upgrade runs under a lock:
PostgreSQL's transaction-scoped advisory lock (DDL is transactional there, so the upgrade is all or nothing), and
for SQLite an exclusive ``flock`` on a file beside the database.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from publisher.archive.tables import VERSION_TABLE
from publisher.infra.settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_FILE = "archive.sqlite3"
# pg_advisory_xact_lock takes a bigint; any constant the project owns will do.
MIGRATION_LOCK_KEY = 0x7075626C_61726368  # "publarch"
CONNECT_TIMEOUT_SECONDS = 5
SQLITE_BUSY_SECONDS = 30  # workers writing at once wait for each other's short transactions, never fail


def database_url(settings: Settings) -> URL:
    """``PUBLISHER_DATABASE_URL`` (with ``PUBLISHER_DATABASE_PASSWORD`` when it has none), or the SQLite file."""
    if settings.database_url is not None and settings.database_url.get_secret_value().strip():
        url = make_url(settings.database_url.get_secret_value().strip())
        password = settings.database_password.get_secret_value().strip() if settings.database_password else ""
        return url.set(password=password) if password and url.password is None else url
    path = Path(settings.state_dir).resolve() / SQLITE_FILE
    return URL.create("sqlite", database=str(path))


def create_archive_engine(url: URL | str) -> Engine:
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        # pre_ping: a connection the server dropped (a restart) is replaced, not handed to a writer. A bounded
        # connect timeout: an unreachable server must cost a publish a few seconds, not the OS's two minutes.
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if url.get_backend_name() == "postgresql" else {}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL: readers (audit, status) never block the workers' writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL: a commit does not wait for the disk (WAL stays consistent); a power cut may lose the last commits,
    # which the catch-up writes again from the ledger.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """``alembic upgrade REVISION`` on ``engine`` under the migration lock (see the module's docstring)."""
    with _migration_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # PostgreSQL locks inside the transaction; an in-memory SQLite belongs to one process
        return
    lock_path = Path(database + ".migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def open_engine(settings: Settings) -> Engine:
    """This process's engine for the settings' database, migrated to head the first time it is asked for."""
    url = database_url(settings)
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_archive_engine(url)
            migrate(engine)
            _engines[key] = engine
        return engine


def forget_engines() -> None:
    """Dispose of every cached engine (tests that drop their schema; a worker after fork)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def after_fork() -> None:
    """In a forked child (a Celery prefork worker): drop the parent's pooled connections without closing them
    (they are the parent's), so the child opens its own."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose(close=False)
