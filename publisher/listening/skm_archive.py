"""The SKM results in the archive (``skm_results``, one row per period), so the monthly report reads them with
everything else. ``publisher survey import`` writes the same record to its JSON file (the state dir) and here;
when the archive cannot be reached the import still succeeds and the report falls back to the JSON files."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError

from publisher.archive.database import open_engine
from publisher.archive.tables import skm_results
from publisher.infra.settings import Settings

log = logging.getLogger("publisher.listening")


def keep_result(settings: Settings, record: dict[str, Any]) -> bool:
    """Store (or replace) the period's result; ``False`` (logged) when the archive is unreachable."""
    row = {
        **{key: record[key] for key in ("period", "respondents", "ikm", "ikm_exact", "category", "mutu",
                                        "source_file", "source_sha256", "post")},
        "totals": json.dumps(record["totals"]),
        "nrr": json.dumps(record["nrr"]),
        "imported_at": datetime.fromisoformat(record["imported_at"]),
    }  # fmt: skip
    try:
        with open_engine(settings).begin() as connection:
            connection.execute(delete(skm_results).where(skm_results.c.period == row["period"]))
            connection.execute(skm_results.insert().values(**row))
    except (SQLAlchemyError, OSError) as exc:
        log.warning("SKM %s not archived (%s: %s); the report reads its JSON file", row["period"], type(exc).__name__,
                    exc)  # fmt: skip
        return False
    return True
