"""`publisher report` as an operator runs it (a subprocess) over a real archive, SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_audit_cli import run

from publisher.archive.outcomes import Archive
from publisher.infra.settings import Settings
from publisher.listening.survey import import_survey
from publisher.publishing.ledger import Ledger, State

pytestmark = pytest.mark.redis


def test_report_of_an_archived_month(archive_settings: Settings, archive_ledger: Ledger, tmp_path: Path) -> None:
    now = datetime.now(archive_settings.tz)
    target = "paspor/telegram/main"
    archive_ledger.schedule(target, "c0ffee", now - timedelta(minutes=30))  # due half an hour ago: late
    archive_ledger.begin_send(target, "c0ffee", caption="Layanan Paspor Elektronik")
    archive_ledger.transition(target, [State.SENDING], State.PUBLISHED, remote_id="101",
                              permalink="https://t.me/imigrasi/101")  # fmt: skip
    assert Archive.from_settings(archive_settings).catch_up(archive_ledger) == 1
    survey = tmp_path / "skm.csv"
    survey.write_text("U1,U2,U3,U4,U5,U6,U7,U8,U9\n4,4,4,4,4,4,4,4,4\n3,3,3,3,3,3,3,3,3\n", encoding="utf-8")
    quarter = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    import_survey(survey, quarter, archive_settings)

    out = tmp_path / "laporan"
    done = run(archive_settings, "report", "--month", f"{now:%Y-%m}", "--out", str(out))
    assert done.returncode == 0, done.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Layanan Paspor Elektronik" in html and "https://t.me/imigrasi/101" in html
    assert "87,50" in html  # IKM of (4 + 3) / 2 × 25, the SKM section
    pdf = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Kantor Imigrasi Bengkulu Selatan" in pdf
    assert re.search(r"Telegram\s+1\s+0\s+1\s+0\s+0\n", pdf)  # went out, late, no failure
    assert (out / "metrics.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    assert run(archive_settings, "report", "--month", "2026-13", "--out", str(out)).returncode == 2
