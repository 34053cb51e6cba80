"""``metrics.csv``: one row per snapshot, for a spreadsheet — the same conventions as ``publisher audit --format
csv`` (UTF-8 with a BOM for Excel, CRLF rows, a cell a spreadsheet would run as a formula gets a leading ``'``).

``value`` is empty when the platform did not return the metric or does not offer it: an empty cell, never 0, so
a sum in the spreadsheet is not pulled down by a zero that was never counted. Times are in the office's zone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.archive.audit import CSV_BOM, FORMULA_START
from publisher.listening.report_data import SnapshotRow

# The contract's columns first (post, platform, remote_id, metric, value, fetched_at), then what tells rows apart.
COLUMNS = ("post", "platform", "remote_id", "metric", "value", "fetched_at", "occurrence", "age", "api_version")


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def row_cells(row: SnapshotRow, tz: ZoneInfo) -> list[str]:
    return [
        text_cell(row.post_id),
        text_cell(row.platform),
        text_cell(row.remote_id),
        text_cell(row.metric),
        "" if row.value is None else str(row.value),
        row.fetched_at.astimezone(tz).isoformat(),
        text_cell(row.occurrence),
        text_cell(row.age),
        text_cell(row.api_version),
    ]


def write_metrics_csv(snapshots: Iterable[SnapshotRow], path: Path, tz: ZoneInfo) -> int:
    """Write the file (header, then one row per snapshot in the order given); returns the rows written."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(CSV_BOM)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in snapshots:
            writer.writerow(row_cells(row, tz))
            written += 1
    return written
