"""Alembic's entry point. The archive passes its own connection (``config.attributes["connection"]``), already
inside a transaction and holding the migration lock; ``alembic -x url=...`` from a shell works too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from publisher.archive.tables import VERSION_TABLE, metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x url=postgresql+psycopg://... upgrade head")
    with create_engine(url).begin() as own:
        _run_on(own)


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that for us
    )
    with context.begin_transaction():
        context.run_migrations()


run()
