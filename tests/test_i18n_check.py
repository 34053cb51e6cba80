"""`publisher check` explains a broken file in Indonesian by default, in the same `path:line: error:` form; the
summary, the CLI's own messages and `status` lines too. With PUBLISHER_LANGUAGE=en they read as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import cli

BROKEN = """---
kind: service-update
title: Layanan Paspor Elektronik
publish_at: 2027-01-04 09:00
platfroms: [x]
status: ready
---
Mulai 4 Januari 2027 ...
"""


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # check names files relative to here
    posts = Path("posts")
    posts.mkdir()
    (posts / "paspor.md").write_text(BROKEN, "utf-8")
    (posts / "kosong.md").write_text("", "utf-8")
    return posts


def _check(posts: Path, language: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"PUBLISHER_LANGUAGE": language, "PUBLISHER_POSTS_DIR": str(posts), "PUBLISHER_STATE_DIR": str(posts)}
    return CliRunner().invoke(cli, [*args, "check", str(posts)], env=env)


def test_check_explains_in_indonesian(broken: Path, native_language: None) -> None:
    result = _check(broken, "id")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "posts/paspor.md:5: error: kunci 'platfroms' tidak dikenal (maksud Anda 'platforms'?)" in lines
    assert "posts/paspor.md:1: error: kolom wajib 'platforms' belum diisi" in lines
    assert "posts/kosong.md:1: error: berkas kosong: unggahan memerlukan front matter dan isi" in lines
    assert "2 berkas diperiksa: 0 benar, 2 mengandung kesalahan; 3 kesalahan, 0 peringatan" in lines


def test_check_reads_as_before_in_english(broken: Path, native_language: None) -> None:
    for result in (_check(broken, "en"), _check(broken, "id", "--lang", "en")):
        lines = result.output.splitlines()
        assert "posts/paspor.md:5: error: unknown key 'platfroms' (did you mean 'platforms'?)" in lines
        assert "2 file(s) checked: 0 ok, 2 with errors; 3 error(s), 0 warning(s)" in lines


def test_status_and_publish_lines_in_indonesian(native_language: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.publishing.ledger import State
    from publisher.publishing.result import TargetResult

    monkeypatch.setenv("PUBLISHER_LANGUAGE", "id")
    published = TargetResult("p/x/main", "x", State.PUBLISHED, permalink="https://x.com/i/1", dry_run=True)
    assert published.line() == "x: terbit (uji coba) https://x.com/i/1"
    failed = TargetResult("p/x/main", "x", State.FAILED, message="401", outcome=None)
    assert failed.line() == "x: gagal (error): 401"
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "en")
    assert published.line() == "x: published (dry run) https://x.com/i/1"


def test_status_plain_text_in_indonesian(native_language: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.publishing.ledger import State
    from publisher.scheduler.status import Row, Status, plain_text

    row = Row("p/x/main", State.UNKNOWN, "2026-12-02T09:00:00+07:00", None, None, "lost", 1, False, False)
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "id")
    text = plain_text(Status(paused=True, rows=[row]))
    assert text.splitlines() == [
        "DIHENTIKAN SEMENTARA: tidak ada yang diterbitkan sampai `publisher resume`",
        "TIDAK DIKETAHUI  p/x/main  jadwal 2026-12-02 09:00 WIB  percobaan 1  lost",
    ]
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "en")
    english = "UNKNOWN  p/x/main  due 2026-12-02 09:00 WIB  attempts 1  lost"
    assert plain_text(Status(paused=False, rows=[row])) == english
