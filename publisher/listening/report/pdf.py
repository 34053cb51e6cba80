"""``report.pdf``: the month on A4 for the office's *laporan bulanan* — the page an official reads and signs.

Why fpdf2: maintained, pure Python (no cairo, no browser), embeds a TrueType font as a subset so the text stays
text (searchable, copyable, read by ``pdftotext``), and sets a variable font's weight — the cards' Plus Jakarta
Sans, so report and cards look like one office. Charts go in as the PNG matplotlib drew beside the site's SVG
(fpdf2 reads only part of SVG; a 200 dpi PNG prints sharp). Every page has the office and the month at the top
and "Halaman n dari N" at the bottom.

The PDF carries the summary tables and one line per post (all platforms added up), each long list cut at
:data:`LONG_LIST` rows with a line saying how many more there are; every row, and the per-platform detail of
every post, is in ``index.html`` and ``metrics.csv``. Characters the font lacks (emoji in a comment) are left out
of the PDF only; the site and the CSV keep every text exactly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF, FontFace

from publisher.cards.fonts import text_coverage, text_font_path
from publisher.listening.report import words
from publisher.listening.report.charts import Chart
from publisher.listening.report.figures import LATE_AFTER, Figures, Outgoing, SkmView, Timing
from publisher.listening.report.words import platform_label, show

FAMILY = "PlusJakartaSans"
NAVY = (11, 37, 69)
MUTED = (91, 102, 117)
HEADING_FILL = (238, 241, 245)
MARGIN_MM = 18
QUOTE_LIMIT = 300  # characters of a question shown in the PDF (the site shows it whole)
# Rows of a long list (all posts, questions — unanswered first —, failures, approvals) the PDF prints before
# pointing to the site: a usual month (tens of posts) fits whole, a month of a thousand stays a readable report
# (and fpdf2 lays out a table cell by cell: 1,000 rows of each list took ~20 s). The totals always count all.
LONG_LIST = 150
TITLE = "Laporan Bulanan Media Sosial"


class ReportPDF(FPDF):
    def __init__(self, office: str, label: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.office, self.label = office, label
        font = text_font_path()
        self.add_font(FAMILY, "", font, variations={"wght": 400.0})
        self.add_font(FAMILY, "B", font, variations={"wght": 700.0})
        self.set_margins(MARGIN_MM, MARGIN_MM + 4, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM)
        self.set_title(f"{TITLE} {label} — {office}")
        self.set_author(office)
        self.set_creator("publisher report")
        self.set_lang("id")

    def header(self) -> None:
        self.set_font(FAMILY, "B", 9)
        self.set_text_color(*NAVY)
        self.cell(0, 5, self.office, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 4, f"{TITLE} — {self.label}", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(242, 183, 5)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="C")


def write_pdf(figures: Figures, charts: Sequence[Chart], path: Path, tz: ZoneInfo) -> Path:
    pdf = ReportPDF(figures.office, figures.label)
    pdf.add_page()
    by_name = {chart.name: chart for chart in charts}
    _title(pdf, figures, tz)
    _summary(pdf, figures)
    _outgoing(pdf, figures, by_name)
    _platforms(pdf, figures, by_name)
    _posts(pdf, figures, by_name)
    _questions(pdf, figures, tz)
    _trouble(pdf, figures, tz)
    _approvals(pdf, figures)
    for view in figures.skm:
        _skm(pdf, view, by_name)
    _signature(pdf, figures)
    pdf.output(str(path))
    return path


# --- pieces ---------------------------------------------------------------------------------------------------


def _title(pdf: ReportPDF, figures: Figures, tz: ZoneInfo) -> None:
    pdf.set_font(FAMILY, "B", 16)
    pdf.set_text_color(*NAVY)
    pdf.multi_cell(0, 8, f"{TITLE}\n{figures.office}\n{figures.label}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, f"Dibuat {words.moment(figures.generated_at, tz)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _heading(pdf: ReportPDF, text: str) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 12)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, "", 9)


def _paragraph(pdf: ReportPDF, text: str, *, muted: bool = False) -> None:
    pdf.set_font(FAMILY, "", 8 if muted else 9)
    pdf.set_text_color(*(MUTED if muted else (0, 0, 0)))
    pdf.multi_cell(0, 4.5, printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, "", 9)


def _table(pdf: ReportPDF, widths: Sequence[int], rows: Sequence[Sequence[str]], right: Sequence[int] = (),
           *, limit: int | None = None) -> None:  # fmt: skip
    """A table whose first row is the headings; columns whose index is in ``right`` are numbers. ``limit``: at
    most that many rows below the headings, then a line saying how many more the site lists."""
    if limit is not None and len(rows) - 1 > limit:
        more = len(rows) - 1 - limit
        rows = [
            *rows[: limit + 1],
            [f"… dan {words.number(more)} baris lainnya: lihat index.html"] + [""] * (len(widths) - 1),
        ]
    align = tuple("RIGHT" if i in right else "LEFT" for i in range(len(widths)))
    pdf.set_font(FAMILY, "", 8.5)
    headings = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
    with pdf.table(col_widths=tuple(widths), text_align=align, line_height=4.6, headings_style=headings,
                   borders_layout="HORIZONTAL_LINES", padding=1) as table:  # fmt: skip
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(printable(cell))
    pdf.set_font(FAMILY, "", 9)


def _chart(pdf: ReportPDF, chart: Chart | None) -> None:
    if chart is None:
        return
    width_px, height_px = chart.size
    if pdf.will_page_break(6 + pdf.epw * height_px / width_px):  # the caption stays with its chart
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, chart.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    # Placed at the current line, the image moves to a new page itself when it does not fit.
    pdf.image(io.BytesIO(chart.png), w=pdf.epw, alt_text=f"{chart.title}: {chart.alt}")
    pdf.ln(2)


def _counts(label: str, outgoing: Outgoing) -> list[str]:
    counts = outgoing.counts
    return [label, str(outgoing.total), str(counts[Timing.ON_TIME]), str(counts[Timing.LATE]),
            str(counts[Timing.UNSCHEDULED]), str(outgoing.trouble)]  # fmt: skip


def _summary(pdf: ReportPDF, figures: Figures) -> None:
    _heading(pdf, "Ringkasan")
    total = figures.total
    rows = [
        ["Keterangan", "Jumlah"],
        ["Publikasi terbit", words.number(total.total)],
        ["  tepat waktu", words.number(total.counts[Timing.ON_TIME])],
        [f"  terlambat (lebih dari {_late_minutes()} menit)", words.number(total.counts[Timing.LATE])],
        ["  tanpa jadwal (diterbitkan langsung)", words.number(total.counts[Timing.UNSCHEDULED])],
        ["Gagal / tidak diketahui / terlewat", words.number(len(figures.trouble))],
        ["Jangkauan (semua platform)", show(figures.reach)],
        ["Interaksi (semua platform)", show(figures.engagement)],
        ["Komentar dan balasan publik", words.number(figures.replies)],
        ["Pertanyaan publik", words.number(len(figures.questions))],
        ["  belum dijawab", words.number(figures.unanswered)],
    ]
    _table(pdf, (70, 30), rows, right=(1,))
    _paragraph(pdf, _legend(), muted=True)


def _late_minutes() -> int:
    return int(LATE_AFTER.total_seconds() // 60)


def _legend() -> str:
    return (
        f"Terlambat: terbit lebih dari {_late_minutes()} menit setelah jadwalnya. «{words.NOT_OFFERED}»: platform "
        f"tidak menyediakan angka ini (mis. jumlah tayangan Telegram); «{words.MISSING}»: platform tidak "
        "mengembalikannya; * = sebagian metrik tidak ada. Angka yang tidak ada tidak pernah dihitung sebagai 0."
    )


def _outgoing(pdf: ReportPDF, figures: Figures, charts: dict[str, Chart]) -> None:
    _heading(pdf, "Yang terbit")
    if not figures.total.total and not figures.trouble:
        _paragraph(pdf, "Tidak ada publikasi pada bulan ini.")
        return
    head = ["Jenis", "Terbit", "Tepat waktu", "Terlambat", "Tanpa jadwal", "Gagal"]
    rows = [head] + [_counts(o.label, o) for o in figures.by_kind]
    _table(pdf, (50, 20, 24, 22, 24, 18), rows, right=(1, 2, 3, 4, 5))
    rows = [["Platform", *head[1:]]] + [_counts(platform_label(p.platform), p.outgoing) for p in figures.platforms]
    _table(pdf, (50, 20, 24, 22, 24, 18), rows, right=(1, 2, 3, 4, 5))
    _chart(pdf, charts.get("terbit"))


def _platforms(pdf: ReportPDF, figures: Figures, charts: dict[str, Chart]) -> None:
    _heading(pdf, "Jangkauan dan interaksi per platform")
    if not figures.platforms:
        _paragraph(pdf, "Belum ada data metrik bulan ini.")
        return
    rows = [["Platform", "Unggahan", "Jangkauan", "Interaksi"]]
    rows += [[platform_label(p.platform), str(p.targets), show(p.reach), show(p.engagement)] for p in figures.platforms]
    _table(pdf, (50, 25, 40, 40), rows, right=(1, 2, 3))
    if figures.audience:
        audience = [["Akun", "Metrik", "Nilai"]]
        audience += [[platform_label(a.platform), a.metric, words.MISSING if a.value is None else
                      words.number(a.value)] for a in figures.audience]  # fmt: skip
        _table(pdf, (50, 60, 40), audience, right=(2,))
    _chart(pdf, charts.get("jangkauan"))
    _chart(pdf, charts.get("interaksi"))


def _posts(pdf: ReportPDF, figures: Figures, charts: dict[str, Chart]) -> None:
    _heading(pdf, "Unggahan teratas")
    top = figures.top_posts
    if top:
        rows = [["#", "Unggahan", "Jangkauan", "Interaksi"]]
        rows += [[str(i), p.title, show(p.reach), show(p.engagement)] for i, p in enumerate(top, 1)]
        _table(pdf, (8, 112, 27, 27), rows, right=(2, 3))
        _chart(pdf, charts.get("teratas"))
    else:
        _paragraph(pdf, "Belum ada unggahan dengan data interaksi.")
    if figures.posts:
        _heading(pdf, "Semua unggahan bulan ini")
        rows = [["Unggahan", "Platform", "Jangkauan", "Interaksi"]]
        rows += [[p.title, ", ".join(map(platform_label, p.platforms)), show(p.reach), show(p.engagement)]
                 for p in sorted(figures.posts, key=lambda p: p.title)]  # fmt: skip
        _table(pdf, (80, 44, 25, 25), rows, right=(2, 3), limit=LONG_LIST)


def _questions(pdf: ReportPDF, figures: Figures, tz: ZoneInfo) -> None:
    _heading(pdf, "Pertanyaan dari publik")
    _paragraph(pdf, f"{words.number(figures.replies)} komentar/balasan, {words.number(len(figures.questions))} "
                    f"pertanyaan, {words.number(figures.unanswered)} belum dijawab.")  # fmt: skip
    if not figures.questions:
        return
    rows = [["Waktu", "Platform", "Pertanyaan", "Status"]]
    for question in figures.questions:
        reply = question.reply
        text = reply.text if len(reply.text) <= QUOTE_LIMIT else reply.text[: QUOTE_LIMIT - 1] + "…"
        rows.append([words.short_moment(reply.created_at, tz), platform_label(reply.platform),
                     f"{text}\n(unggahan: {question.title})" + (f"\n{reply.permalink}" if reply.permalink else ""),
                     "dijawab" if reply.answered else "BELUM DIJAWAB"])  # fmt: skip
    _table(pdf, (20, 20, 100, 34), rows, limit=LONG_LIST)


def _trouble(pdf: ReportPDF, figures: Figures, tz: ZoneInfo) -> None:
    _heading(pdf, "Gagal dan tidak diketahui")
    if not figures.trouble:
        _paragraph(pdf, "Tidak ada publikasi yang gagal atau tidak diketahui.")
        return
    rows = [["Waktu", "Unggahan", "Platform", "Status", "Sebab"]]
    rows += [[words.short_moment(r.settled_at, tz), r.title, platform_label(r.platform), words.state_label(r.state),
              (r.error or "—")[:QUOTE_LIMIT]] for r in figures.trouble]  # fmt: skip
    _table(pdf, (22, 50, 22, 22, 58), rows, limit=LONG_LIST)


def _approvals(pdf: ReportPDF, figures: Figures) -> None:
    _heading(pdf, "Persetujuan")
    if figures.approvals:
        rows = [["Disetujui oleh", "Unggahan", "Platform"]]
        for approver, published in figures.approvals:
            platforms: dict[str, list[str]] = {}
            for row in published:  # one line per post: a cell listing every post would outgrow the page
                platforms.setdefault(row.title, []).append(platform_label(row.platform))
            rows += [[approver, title, ", ".join(names)] for title, names in platforms.items()]
        _table(pdf, (36, 90, 48), rows, limit=LONG_LIST)
    _paragraph(pdf, f"{words.number(figures.unapproved)} publikasi terbit tanpa persetujuan tercatat.")


def _skm(pdf: ReportPDF, view: SkmView, charts: dict[str, Chart]) -> None:
    row = view.row
    if pdf.will_page_break(75):  # the index, its table and its chart read together
        pdf.add_page()
    _heading(pdf, f"Survei Kepuasan Masyarakat — {view.label}")
    respondents = words.number(row.respondents)
    _paragraph(pdf, f"IKM {_decimal(row.ikm)}, mutu pelayanan {row.category}, {respondents} responden.")
    rows = [["Unsur", "NRR"]] + [[f"U{i} {label}", _decimal(nrr)] for i, (label, nrr) in enumerate(view.unsur, 1)]
    _table(pdf, (130, 30), rows, right=(1,))
    _chart(pdf, charts.get(f"skm-{row.period.lower()}"))


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _signature(pdf: ReportPDF, figures: Figures) -> None:
    if pdf.will_page_break(45):
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font(FAMILY, "", 9.5)
    x = pdf.l_margin + pdf.epw * 0.55
    for line in ("Mengetahui,", f"Kepala {figures.office}", "", "", "", "(" + "." * 46 + ")"):
        pdf.set_x(x)
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")


def printable(text: str) -> str:
    """``text`` without the characters the font cannot draw (fpdf2 would print nothing for them and warn)."""
    covered = text_coverage()
    if all(ord(c) in covered or c in "\n\t" for c in text):
        return text
    return "".join(c for c in text if ord(c) in covered or c in "\n\t")
