"""``index.html``: the month as a static page that opens from disk, like the review site (``publisher preview``).

Same rules as the review site: Jinja2 with autoescape on (a title with ``<script>`` is shown as text), a
Content-Security-Policy that lets the page load nothing but its own folder's files, the charts as SVG files beside
it (``<img>``: an SVG shown as an image runs nothing), system fonts. Links to the posts and the public's comments
are plain ``<a>`` links — followed only when clicked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from publisher.listening.report import words
from publisher.listening.report.charts import Chart
from publisher.listening.report.figures import LATE_AFTER, Figures, Timing

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "report.css"
CHART_DIR = "grafik"


def environment(tz: ZoneInfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["show"] = words.show
    env.filters["number"] = words.number
    env.filters["platform"] = words.platform_label
    env.filters["state"] = words.state_label
    env.filters["moment"] = lambda value: words.moment(value, tz)
    env.filters["short"] = lambda value: words.short_moment(value, tz)
    return env


def write_site(figures: Figures, charts: Sequence[Chart], out_dir: Path, tz: ZoneInfo) -> Path:
    """Write ``index.html``, its stylesheet and the charts' SVG files into ``out_dir``; returns the page."""
    chart_dir = out_dir / CHART_DIR
    chart_dir.mkdir(parents=True, exist_ok=True)
    for chart in charts:
        (chart_dir / f"{chart.name}.svg").write_bytes(chart.svg)
    (out_dir / STYLESHEET).write_bytes((TEMPLATES / STYLESHEET).read_bytes())
    page = (
        environment(tz)
        .get_template("report.html")
        .render(
            f=figures,
            charts={chart.name: chart for chart in charts},
            chart_dir=CHART_DIR,
            stylesheet=STYLESHEET,
            timing=Timing,
            late_minutes=int(LATE_AFTER.total_seconds() // 60),
            words=words,
        )
    )
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
