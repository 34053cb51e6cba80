"""The monthly report (`publisher report`): a ReportData with known numbers → index.html, report.pdf, metrics.csv."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publisher.listening.report import ReportFiles, write_report
from publisher.listening.report.figures import Timing, Value, add, compute, engagement_of, timing
from publisher.listening.report.pdf import LONG_LIST
from publisher.listening.report_data import (
    AudienceRow,
    PublicationRow,
    ReplyRow,
    ReportData,
    SkmRow,
    SnapshotRow,
)
from publisher.listening.storage import period_touches

OFFICE = "Kantor Imigrasi Bengkulu Selatan"
DUE = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 09.00 WIB
EVIL = "Paspor <script>alert(1)</script> & Visa"


def publication(post: str, platform: str, *, title: str = "Libur Nasional", kind: str = "policy-change",
                state: str = "published", late: timedelta = timedelta(minutes=1), due: datetime | None = DUE,
                approved_by: str | None = None, error: str | None = None) -> PublicationRow:  # fmt: skip
    return PublicationRow(
        post_id=post,
        occurrence="main",
        platform=platform,
        kind=kind,
        title=title,
        state=state,
        due_at=due,
        settled_at=(due or DUE) + late,
        remote_id=None if state == "failed" else f"{platform}-{post}",
        permalink=None if state == "failed" else f"https://{platform}.example/{post}",
        approved_by=approved_by,
        error=error,
    )


def snapshot(post: str, platform: str, metric: str, value: int | None, *, hours: int = 1) -> SnapshotRow:
    return SnapshotRow(post, "main", platform, f"{platform}-{post}", metric, value, "v1",
                       DUE + timedelta(hours=hours), "1h" if hours == 1 else "24h")  # fmt: skip


def sample() -> ReportData:
    """Three posts: paspor (facebook on time, telegram 12 min late), libur (x published now, instagram failed)."""
    publications = [
        publication("paspor", "facebook", title=EVIL, kind="service-update", approved_by="Budi"),
        publication(
            "paspor", "telegram", title=EVIL, kind="service-update", late=timedelta(minutes=12), approved_by="Budi"
        ),
        publication("libur", "x", due=None),
        publication("libur", "instagram", state="failed", error="OAuthException: token expired"),
    ]
    snapshots = [
        snapshot("paspor", "facebook", "reactions", 10, hours=1),
        snapshot("paspor", "facebook", "reactions", 40, hours=24),  # the latest counts
        snapshot("paspor", "facebook", "comments", 5),
        snapshot("paspor", "facebook", "shares", None),  # missing: the sum is partial
        snapshot("paspor", "facebook", "post_total_media_view_unique", 1200),
        snapshot("paspor", "telegram", "views", None),  # the Bot API has none: "tidak tersedia"
        snapshot("libur", "x", "impression_count", 300),
        *(
            snapshot("libur", "x", m, v)
            for m, v in [
                ("like_count", 7),
                ("reply_count", 1),
                ("retweet_count", 2),
                ("quote_count", 0),
                ("bookmark_count", 0),
            ]
        ),
        replace(snapshot("libur", "x", "like_count", 7), remote_id="=HYPERLINK(1)", fetched_at=DUE),
    ]
    replies = [
        ReplyRow(
            "facebook",
            "paspor",
            "facebook-paspor",
            "c1",
            "warga",
            "Apakah bisa daftar online? 🙏",
            DUE + timedelta(hours=2),
            "https://facebook.example/c1",
            True,
            False,
        ),
        ReplyRow(
            "x",
            "libur",
            "x-libur",
            "c2",
            None,
            "kantor buka tanggal 26?",
            DUE + timedelta(hours=3),
            "https://x.example/c2",
            True,
            True,
        ),
        ReplyRow("x", "libur", "x-libur", "c3", None, "Terima kasih infonya", None, None, False, False),
    ]
    return ReportData(
        month="2026-12",
        office=OFFICE,
        generated_at=datetime(2026, 12, 31, 2, 0, tzinfo=UTC),
        publications=publications,
        snapshots=snapshots,
        replies=replies,
        audience=[AudienceRow("telegram", "member_count", 812, DUE)],
        skm=[SkmRow("2026-Q4", 84.72, "B", 120, (3.4, 3.3, 3.2, 3.6, 3.5, 3.4, 3.3, 3.2, 3.6))],
    )


class Page(HTMLParser):
    """The page's text, its tables' rows by section, and every URL-bearing attribute with its tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.section = ""
        self.rows: dict[str, list[list[str]]] = {}
        self.cell: list[str] | None = None
        self.urls: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "section":
            self.section = values.get("id") or ""
        if tag == "tr":
            self.rows.setdefault(self.section, []).append([])
        if tag in ("td", "th"):
            self.cell = []
        for name in ("src", "href", "data", "srcset", "poster", "action"):
            if values.get(name):
                self.urls.append((tag, name, values[name] or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[self.section][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    return write_report(sample(), tmp_path_factory.mktemp("report"))


def parse(files: ReportFiles) -> tuple[str, Page]:
    html = files.index_html.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    return html, page


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- the figures --------------------------------------------------------------------------------------------


def test_late_means_more_than_five_minutes() -> None:
    assert timing(publication("a", "x", late=timedelta(minutes=5))) is Timing.ON_TIME
    assert timing(publication("a", "x", late=timedelta(minutes=5, seconds=1))) is Timing.LATE
    assert timing(publication("a", "x", due=None)) is Timing.UNSCHEDULED


def test_missing_is_never_zero() -> None:
    assert engagement_of("mastodon", {"favourites_count": None, "reblogs_count": None}) == Value(
        None, lacking=("favourites_count", "reblogs_count", "replies_count")
    )
    assert engagement_of("telegram", {"views": None}).not_offered
    partial = add([Value(3), Value(None, lacking=("shares",))])
    assert (partial.number, partial.lacking) == (3, ("shares",))
    assert add([Value(None, not_offered=True)]).number is None


def test_figures_of_the_sample() -> None:
    figures = compute(sample())
    assert (figures.total.total, figures.total.counts[Timing.LATE], len(figures.trouble)) == (3, 1, 1)
    assert figures.reach == Value(1500, lacking=())
    assert (figures.engagement.number, figures.engagement.lacking) == (55, ("shares",))  # 40+5 (+shares) + 10
    assert [p.post_id for p in figures.top_posts] == ["paspor", "libur"]
    assert (len(figures.questions), figures.unanswered) == (2, 1)
    assert [(name, len(rows)) for name, rows in figures.approvals] == [("Budi", 2)] and figures.unapproved == 1


def test_an_skm_period_touches_its_months() -> None:
    assert period_touches("2026-Q4", "2026-12") and not period_touches("2026-Q3", "2026-12")
    assert period_touches("2026", "2026-01") and period_touches("2026-S2", "2026-07")
    assert period_touches("2026-12", "2026-12") and not period_touches("2025-Q4", "2026-12")


# --- index.html -------------------------------------------------------------------------------------------


def test_the_page_shows_the_numbers(written: ReportFiles) -> None:
    _, page = parse(written)
    platforms = page.rows["terbit"][-5:]
    assert platforms == [
        ["Platform", "Terbit", "Tepat waktu", "Terlambat", "Tanpa jadwal", "Gagal"],
        ["Facebook", "1", "1", "0", "0", "0"],
        ["Instagram", "0", "0", "0", "0", "1"],
        ["Telegram", "1", "0", "1", "0", "0"],
        ["X", "1", "0", "0", "1", "0"],
    ]
    reach = page.rows["jangkauan"]
    assert reach[1:5] == [
        ["Facebook", "1", "1.200", "45*"],
        ["Instagram", "0", "tidak ada data", "tidak ada data"],
        ["Telegram", "1", "tidak tersedia", "tidak tersedia"],
        ["X", "1", "300", "10"],
    ]
    text = " ".join(" ".join(page.text).split())
    assert "3 publikasi terbit" in text and "terlambat (> 5 menit)" in text
    assert "3 komentar/balasan, 2 pertanyaan, 1 belum dijawab" in text
    assert "OAuthException: token expired" in text and "84,72" in text
    assert "1 publikasi terbit tanpa persetujuan tercatat" in text


def test_a_title_with_markup_is_text(written: ReportFiles) -> None:
    html, page = parse(written)
    assert "script" not in page.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Visa" in html
    assert EVIL in "".join(page.text)


def test_the_page_loads_nothing_from_outside(written: ReportFiles) -> None:
    html, page = parse(written)
    assert "default-src 'none'" in html
    remote = [u for u in page.urls if re.match(r"(https?:)?//", u[2]) and u[0] != "a"]
    assert remote == []
    links = {value for tag, _, value in page.urls if tag == "a"}
    assert {"https://facebook.example/c1", "https://x.example/libur"} <= links  # links, followed only when clicked
    for tag, _, value in page.urls:
        if tag != "a":
            assert (written.index_html.parent / value).is_file(), value
    for chart in (written.index_html.parent / "grafik").glob("*.svg"):
        svg = chart.read_text(encoding="utf-8")
        assert not re.search(r"(href=\"|url\()\s*(https?:)?//", svg) and "<script" not in svg, chart.name


# --- metrics.csv ------------------------------------------------------------------------------------------


def test_the_csv_is_the_snapshots(written: ReportFiles) -> None:
    raw = written.metrics_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    snapshots = sample().snapshots
    assert len(rows) == len(snapshots) == written.snapshots
    for row, snap in zip(rows, snapshots, strict=True):
        assert (row["post"], row["platform"], row["metric"]) == (snap.post_id, snap.platform, snap.metric)
        assert row["value"] == ("" if snap.value is None else str(snap.value))
        assert datetime.fromisoformat(row["fetched_at"]) == snap.fetched_at
        assert row["fetched_at"].endswith("+07:00")
    assert rows[-1]["remote_id"] == "'=HYPERLINK(1)"  # not a formula in a spreadsheet
    assert [r["value"] for r in rows if r["platform"] == "telegram"] == [""]


# --- report.pdf ---------------------------------------------------------------------------------------------


def test_the_pdf_is_a4_text_with_office_month_and_totals(written: ReportFiles) -> None:
    text = pdf_text(written.pdf)
    flat = " ".join(text.split())
    assert OFFICE in flat and "Desember 2026" in flat
    assert re.search(r"Publikasi terbit\s+3\b", text) and re.search(r"terlambat \(lebih dari 5 menit\)\s+1\b", text)
    assert re.search(r"Jangkauan \(semua platform\)\s+1\.500\b", text)
    assert "tidak tersedia" in flat and "BELUM DIJAWAB" in flat and "IKM 84,72" in flat
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(written.pdf)).group(1))  # type: ignore[union-attr]
    assert f"Halaman 1 dari {pages}" in flat and f"Halaman {pages} dari {pages}" in flat
    assert re.search(r"Page size:\s+595.28 x 841.89 pts \(A4\)", _pdfinfo(written.pdf))
    assert "Plus" in subprocess.run(["pdffonts", str(written.pdf)], capture_output=True, text=True).stdout


def _pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


# --- an empty month ---------------------------------------------------------------------------------------


def test_a_month_with_no_data_still_writes_all_three(tmp_path: Path) -> None:
    data = ReportData(month="2027-02", office=OFFICE, generated_at=datetime(2027, 3, 1, tzinfo=UTC))
    files = write_report(data, tmp_path / "kosong")
    assert all(p.is_file() and p.stat().st_size > 0 for p in (files.index_html, files.pdf, files.metrics_csv))
    assert files.metrics_csv.read_text(encoding="utf-8-sig").splitlines() == [
        "post,platform,remote_id,metric,value,fetched_at,occurrence,age,api_version"
    ]
    flat = " ".join(pdf_text(files.pdf).split())
    assert "Februari 2027" in flat and "Tidak ada publikasi pada bulan ini" in flat
    _, page = parse(files)
    assert "Tidak ada publikasi pada bulan ini." in page.text


def test_a_long_list_is_cut_in_the_pdf_not_on_the_site(tmp_path: Path) -> None:
    many = [publication(f"p{i:03d}", "x", title=f"Pengumuman {i:03d}") for i in range(LONG_LIST + 7)]
    data = ReportData("2026-12", OFFICE, datetime(2026, 12, 31, tzinfo=UTC), publications=many)
    files = write_report(data, tmp_path / "banyak")
    flat = " ".join(pdf_text(files.pdf).split())
    assert "… dan 7 baris lainnya: lihat index.html" in flat and f"Publikasi terbit {LONG_LIST + 7}" in flat
    _, page = parse(files)
    assert len(page.rows["per-unggahan"]) == LONG_LIST + 7 + 1
