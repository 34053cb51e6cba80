"""Alembic migrations of the archive, applied at start by :func:`publisher.archive.database.migrate`."""
