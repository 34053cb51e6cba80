"""``publisher report --month YYYY-MM --out DIR``: the month's ``index.html``, ``report.pdf`` and ``metrics.csv``.

    figures.py  every number the report shows, computed once from the rows (what "late" means, reach, top posts)
    words.py    how a figure, a platform and a time are written in Indonesian (site and PDF say the same)
    charts.py   the charts (matplotlib): SVG for the site, PNG for the PDF
    site.py     index.html (Jinja2, autoescaped, opens from disk, loads nothing from outside)
    pdf.py      report.pdf (fpdf2, A4, text, the cards' font, page numbers)
    metrics.py  metrics.csv (one row per snapshot, empty value when missing)

:func:`write_report` needs only a :class:`ReportData`; :func:`build` reads it for the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher import defaults
from publisher.infra.settings import Settings
from publisher.listening.month import month_start
from publisher.listening.report.charts import draw_all
from publisher.listening.report.figures import compute
from publisher.listening.report.metrics import write_metrics_csv
from publisher.listening.report.pdf import write_pdf
from publisher.listening.report.site import write_site
from publisher.listening.report_data import ReportData
from publisher.listening.storage import load_report_data


@dataclass(frozen=True)
class ReportFiles:
    index_html: Path
    pdf: Path
    metrics_csv: Path
    snapshots: int  # rows in metrics.csv


def write_report(data: ReportData, out_dir: Path, *, tz: ZoneInfo | None = None) -> ReportFiles:
    """Write the three files (and the site's stylesheet and chart files) into ``out_dir``, created if needed.
    ``tz``: the zone times are shown in (default: the office's)."""
    zone = tz or ZoneInfo(defaults.TIMEZONE)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = compute(data)
    charts = draw_all(figures)
    index = write_site(figures, charts, out_dir, zone)
    pdf = write_pdf(figures, charts, out_dir / "report.pdf", zone)
    rows = write_metrics_csv(data.snapshots, out_dir / "metrics.csv", zone)
    return ReportFiles(index, pdf, out_dir / "metrics.csv", rows)


def build(settings: Settings, month: str, out: Path) -> ReportFiles:
    """The CLI's whole job: read the month from the archive, write the report."""
    month_start(month)  # a clear error for "2026-13" before the database is opened
    return write_report(load_report_data(settings, month), out, tz=settings.tz)
