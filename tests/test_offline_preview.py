"""The review site shows each post's radio, WhatsApp and SMS forms beside its platform frames, escaped."""

from __future__ import annotations

from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.infra.settings import Settings
from publisher.offline.texts import radio_script, sms_text, whatsapp_text
from publisher.preview import build_site

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
POST = """---
kind: event-reminder
title: "Seminar <script>alert(1)</script> & Dialog"
publish_at: 2027-01-20 09:00
event:
  starts_at: 2027-02-10 09:00
  location: Aula <b>Kantor</b>
platforms: [telegram]
status: ready
link: https://www.imigrasi.go.id/
---
Datang pukul 08.30 WIB.
"""


def test_post_page_shows_the_three_text_forms_escaped(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "seminar-uji.md").write_text(POST, encoding="utf-8")
    settings = Settings(posts_dir=posts, state_dir=tmp_path / "state")
    report = build_site(None, settings, tmp_path / "site", now=NOW, posters=False)
    assert report.ok
    page = (tmp_path / "site" / "posts" / "seminar-uji.html").read_text(encoding="utf-8")
    section = page[page.index('id="offline"') :]
    assert "<script>alert" not in page and "<b>Kantor</b>" not in page
    assert "&lt;script&gt;" in section
    post = report.posts[0].post
    for text in (radio_script(post, settings.brand, settings.tz), whatsapp_text(post, settings.brand, settings.tz),
                 sms_text(post, settings.brand, settings.tz).text):  # fmt: skip
        assert text in unescape(section)
    assert "Radio / mosque loudspeaker" in section and "WhatsApp" in section and "SMS" in section
    assert 'href="#offline"' in page
