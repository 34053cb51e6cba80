"""The Celery app: ``celery -A worker worker`` and ``celery -A worker beat`` (or ``publisher run`` for both)."""

from worker.celery_app import app

__all__ = ["app"]
