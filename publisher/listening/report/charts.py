"""The report's charts, drawn with matplotlib: SVG for the site, PNG for the PDF, from the same figure.

Why matplotlib (not pygal): one maintained library draws both formats — the SVG with its text as paths (no font
needed where it is opened, no script, no outside reference; pygal's SVG loads its tooltip script from a CDN unless
told not to, and its PNG needs cairo on the host). Only the object API is used (``Figure``, no ``pyplot``): no
global figure state, no GUI backend, safe in a worker.

A missing value gets no bar and the words "tidak tersedia" / "tidak ada data" where the bar would be: a bar of
length 0 would read as 0.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from publisher.cards.fonts import TEXT_FAMILY, text_font_path
from publisher.listening.report.figures import Figures, Timing, Value
from publisher.listening.report.words import number, platform_label, show

INK, MUTED, GRID = "#1B2330", "#5B6675", "#DDE3EA"
NAVY, GOLD, RED, GREY = "#0B2545", "#F2B705", "#C62828", "#9AA5B1"
TIMING_COLOURS = {Timing.ON_TIME: NAVY, Timing.LATE: GOLD, Timing.UNSCHEDULED: GREY}
WIDTH_IN = 7.2  # fits the A4 page's text width at 25 mm margins
PNG_DPI = 200
STYLE: dict[str, Any] = {
    "font.family": TEXT_FAMILY,
    "font.size": 9,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "svg.hashsalt": "publisher-report",  # stable ids: the same month draws the same bytes
    "svg.fonttype": "path",
}


@dataclass(frozen=True)
class Chart:
    name: str  # file stem
    title: str
    alt: str  # what the chart says, for a screen reader and for the PDF's text
    svg: bytes
    png: bytes
    size: tuple[int, int]  # of the PNG, in pixels


@cache
def _font_registered() -> bool:
    matplotlib.font_manager.fontManager.addfont(str(text_font_path()))
    return True


def draw_all(figures: Figures) -> list[Chart]:
    """Every chart the month has data for (none for an empty month)."""
    _font_registered()
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]  # the style is read as the artists are made and drawn
        return _draw_all(figures)


def _draw_all(figures: Figures) -> list[Chart]:
    charts = []
    if figures.platforms:
        charts.append(outgoing_chart(figures))
        charts.append(value_chart("jangkauan", "Jangkauan per platform", figures, reach=True))
        charts.append(value_chart("interaksi", "Interaksi per platform", figures, reach=False))
    if figures.top_posts:
        top = figures.top_posts
        bars = [(p.title, p.engagement) for p in top]
        charts.append(bar_chart("teratas", "Unggahan teratas (interaksi)", bars))
    for view in figures.skm:
        labels = [f"U{i} {label}" for i, (label, _) in enumerate(view.unsur, 1)]
        charts.append(skm_chart(view.row.period, labels, [nrr for _, nrr in view.unsur]))
    return charts


def outgoing_chart(figures: Figures) -> Chart:
    lines = figures.platforms
    labels = [platform_label(p.platform) for p in lines]
    figure, axes = _figure(len(labels))
    left = [0] * len(lines)
    for kind, colour in TIMING_COLOURS.items():
        counts = [p.outgoing.counts[kind] for p in lines]
        axes.barh(labels, counts, left=left, color=colour, label=kind.value.capitalize(), height=0.6)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    trouble = [p.outgoing.trouble for p in lines]
    axes.barh(labels, trouble, left=left, color=RED, label="Gagal / tidak diketahui", height=0.6)
    figure.legend(loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    axes.invert_yaxis()
    alt = "; ".join(
        f"{label}: {p.outgoing.counts[Timing.ON_TIME]} tepat waktu, {p.outgoing.counts[Timing.LATE]} terlambat, "
        f"{p.outgoing.counts[Timing.UNSCHEDULED]} tanpa jadwal, {p.outgoing.trouble} gagal/tidak diketahui"
        for label, p in zip(labels, lines, strict=True)
    )
    return _chart("terbit", "Publikasi per platform", alt, figure)


def value_chart(name: str, title: str, figures: Figures, *, reach: bool) -> Chart:
    bars = [(platform_label(p.platform), p.reach if reach else p.engagement) for p in figures.platforms]
    return bar_chart(name, title, bars)


def bar_chart(name: str, title: str, bars: Sequence[tuple[str, Value]]) -> Chart:
    labels = [_short(label) for label, _ in bars]
    figure, axes = _figure(len(labels))
    numbers = [value.number or 0 for _, value in bars]
    axes.barh(range(len(bars)), numbers, color=NAVY, height=0.6)
    axes.set_yticks(range(len(bars)), labels)
    top = max(numbers, default=0) or 1
    for index, (_, value) in enumerate(bars):
        if value.number is None:
            axes.text(0, index, "  " + show(value), va="center", color=MUTED, fontsize=8, style="italic")
        else:
            axes.text(value.number + top * 0.01, index, show(value), va="center", color=INK, fontsize=8)
    axes.set_xlim(0, top * 1.18)
    axes.invert_yaxis()
    alt = "; ".join(f"{label}: {show(value)}" for label, value in bars)
    return _chart(name, title, alt, figure)


def skm_chart(period: str, labels: Sequence[str], nrr: Sequence[float]) -> Chart:
    figure, axes = _figure(len(labels))
    short = [_short(label, 42) for label in labels]
    axes.barh(range(len(nrr)), nrr, color=NAVY, height=0.6)
    axes.set_yticks(range(len(nrr)), short)
    for index, value in enumerate(nrr):
        axes.text(value + 0.03, index, f"{value:.2f}".replace(".", ","), va="center", color=INK, fontsize=8)
    axes.set_xlim(0, 4.4)
    axes.set_xticks([0, 1, 2, 3, 4])
    axes.invert_yaxis()
    alt = "; ".join(f"{label}: NRR {value:.2f}" for label, value in zip(labels, nrr, strict=True))
    return _chart(f"skm-{period.lower()}", f"Nilai rata-rata per unsur (SKM {period})", alt, figure)


def _figure(rows: int) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_IN, 1.1 + 0.34 * max(rows, 1)), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    # Whole counts written the Indonesian way (12.000), not as 1.2 under a "1e4" offset.
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(round(value))))
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def _chart(name: str, title: str, alt: str, figure: Figure) -> Chart:
    svg, png = io.BytesIO(), io.BytesIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})
    figure.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    width, height = figure.canvas.get_width_height(physical=True)
    scale = PNG_DPI / figure.dpi
    return Chart(name, title, alt, svg.getvalue(), png.getvalue(), (round(width * scale), round(height * scale)))


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
