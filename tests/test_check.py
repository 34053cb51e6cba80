"""The loader and `publisher check`, table-driven over the fixture files: one bad file per rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
WARN = FIXTURES / "warn"
GOOD = FIXTURES / "good"
REPO_POSTS = Path(__file__).parent.parent / "posts"

# file → its problems, exactly (with facebook and x configured, so the only warnings are the file's own)
BAD_CASES = {
    "bad-link.md": ["7: error: link 'ftp://imigrasi.go.id/berkas' is not an http(s) URL"],
    "bad-reminder-offset.md": [
        "9: error: event.reminders: unreadable reminder offset 'seminggu': use a number with w, d, h or m, e.g. 7d, "
        "1d, 2h, 30m",
    ],
    "bad-status.md": ["6: error: status 'published' must be draft or ready"],
    "caption-override-too-long.md": ["8: error: the X caption is 349 long; the limit is 280"],
    "duplicate-id-a.md": [
        "7: error: duplicate id 'pengumuman-sama': also used by tests/fixtures/bad/duplicate-id-b.md",
    ],
    "duplicate-id-b.md": [
        "7: error: duplicate id 'pengumuman-sama': also used by tests/fixtures/bad/duplicate-id-a.md",
    ],
    "duplicate-key.md": ["7: error: key 'title' appears twice"],
    "empty-platforms.md": ["5: error: platforms: is empty: name at least one platform"],
    "empty-title.md": ["3: error: title: must not be empty"],
    "empty.md": ["1: error: empty file: a post needs front matter and a body"],
    "event-without-start.md": ["7: error: an event-reminder needs event.starts_at"],
    "image-bomb.md": ["7: error: image 'bomb.png' is too large to open safely (limit 40 megapixels)"],
    "image-missing.md": ["7: error: image 'tidak-ada.png' not found"],
    "image-not-an-image.md": ["7: error: image 'not-an-image.png' is not a readable image"],
    "image-outside.md": ["7: error: image '../../../pyproject.toml' is outside the posts folder"],
    "impossible-date.md": ["4: error: publish_at: impossible date '2026-02-30 09:00': day is out of range for month"],
    "missing-title.md": ["1: error: missing required field 'title'"],
    "no-front-matter.md": ["1: error: missing front matter: the file must start with a line '---'"],
    "non-utf8.md": ["3: error: not UTF-8 text (byte 0xe9): save the file as UTF-8"],
    "publish-after-event.md": [
        "4: error: publish_at (Selasa, 1 Desember 2026 · 09.00 WIB) is not before the event starts (Senin, 30 "
        "November 2026 · 09.00 WIB)",
    ],
    "supersedes-self.md": ["8: error: supersedes names this post itself ('ralat')"],
    "unclosed-front-matter.md": ["1: error: front matter opened at line 1 is never closed with a '---' line"],
    "unknown-key.md": [
        "1: error: missing required field 'platforms'",
        "5: error: unknown key 'platfroms' (did you mean 'platforms'?)",
    ],
    "unknown-kind.md": [
        "2: error: kind: unknown kind 'announcement': expected one of service-update, policy-change, event-reminder",
    ],
    "unknown-platform.md": [
        "5: error: platforms: unknown platform 'myspace': expected one of bluesky, facebook, instagram, mastodon, "
        "telegram, threads, x",
    ],
    "unparseable-date.md": [
        "4: error: publish_at: unreadable date 'besok pagi': write it as YYYY-MM-DD HH:MM, e.g. 2026-12-01 09:00",
    ],
    "valid-until-before-publish.md": [
        "7: error: valid_until (Senin, 30 November 2026 · 09.00 WIB) is before publish_at (Selasa, 1 Desember 2026 · "
        "09.00 WIB): the post would never be valid",
    ],
    "yaml-syntax.md": [
        "3: error: YAML syntax: while parsing a flow sequence did not find expected ',' or ']' (at line 4)",
    ],
}


CONFIGURED = Settings(
    facebook={"page_id": "1", "access_token": "t"},  # type: ignore[arg-type]
    x={"bearer_token": "t"},  # type: ignore[arg-type]
)


@pytest.fixture(scope="module")
def bad_report():
    return check_paths([BAD.relative_to(Path.cwd()) if BAD.is_relative_to(Path.cwd()) else BAD], CONFIGURED)


def test_every_bad_fixture_has_a_case():
    assert sorted(p.name for p in BAD.glob("*.md")) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_gets_exactly_its_own_errors(bad_report, name):
    found = sorted(p for p in [*bad_report.errors, *bad_report.warnings] if p.path.endswith(f"bad/{name}"))
    assert [f"{p.line}: {p.severity}: {p.message}" for p in found] == BAD_CASES[name]
    for text in map(str, found):  # path:line: severity: message
        path, number, severity, _ = text.split(":", 3)
        assert path.endswith(name) and number.isdigit() and severity.strip() == "error"


# file → its one warning, exactly (facebook, x and instagram configured; telegram not)
WARN_CASES = {
    "caption-shortened.md": "8: warning: caption shortened for X (280 max): add text.x to choose the words yourself",
    "hashtags-dropped.md": "7: warning: Instagram allows 30 hashtags; 2 dropped",
    "not-configured.md": "5: warning: not configured here: telegram (publishing there fails until set; "
    "`publisher doctor` lists the settings)",
    "reminder-after-valid-until.md": "12: warning: reminder 2h (Kamis, 10 Desember 2026 · 07.00 WIB) falls after "
    "valid_until; it will be skipped",
    "reminder-before-publish.md": "10: warning: reminder 14d (Kamis, 26 November 2026 · 09.00 WIB) falls before "
    "publish_at; it will be skipped",
    "supersedes-unknown.md": "7: warning: supersedes 'jadwal-lama', which is not in the posts folder",
    "unused-text.md": "9: warning: text for 'bluesky' is unused: bluesky is not in platforms",
}


def test_each_warning_fixture_gets_exactly_its_warning():
    settings = Settings(
        facebook={"page_id": "1", "access_token": "t"},  # type: ignore[arg-type]
        x={"bearer_token": "t"},  # type: ignore[arg-type]
        instagram={"user_id": "1", "access_token": "t"},  # type: ignore[arg-type]
    )
    assert sorted(p.name for p in WARN.glob("*.md")) == sorted(WARN_CASES)
    report = check_paths([WARN], settings)
    assert report.errors == []
    found = {Path(p.path).name: f"{p.line}: {p.severity}: {p.message}" for p in report.warnings}
    assert found == WARN_CASES
    assert len(report.warnings) == len(WARN_CASES)


def test_example_posts_pass(monkeypatch):
    monkeypatch.chdir(REPO_POSTS.parent)
    result = CliRunner().invoke(cli, ["check", "posts"])
    assert result.exit_code == 0, result.output
    assert "error:" not in result.output
    assert len(list(REPO_POSTS.glob("*.md"))) >= 8


def test_one_bad_file_among_good_ones_still_reports_the_good_ones(tmp_path, monkeypatch):
    folder = tmp_path / "posts"
    shutil.copytree(GOOD, folder)
    shutil.copy(BAD / "unknown-kind.md", folder / "rusak.md")
    monkeypatch.chdir(tmp_path)
    result = CliRunner(mix_stderr=False).invoke(cli, ["check", "posts"]) if _mix_stderr_supported() else None
    result = result or CliRunner().invoke(cli, ["check", "posts"])
    assert result.exit_code == 1
    assert "posts/rusak.md:2: error: kind: unknown kind 'announcement'" in result.output
    for good in ("acara.md", "dengan-foto.md", "pengumuman.md"):
        assert f"posts/{good}: ok" in result.output


def _mix_stderr_supported() -> bool:
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_warning_alone_exits_zero(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.md").write_text(
        "---\nkind: service-update\ntitle: Judul\npublish_at: 2026-12-01 09:00\nplatforms: [x]\n"
        "supersedes: tidak-ada\n---\nIsi.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", "p.md"])
    assert result.exit_code == 0, result.output
    assert "p.md:6: warning: supersedes 'tidak-ada'" in result.output


def test_missing_path_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "tidak-ada"])
    assert result.exit_code == 1
    assert "tidak-ada:1: error: no such file or directory" in result.output


def test_unconfigured_platform_is_a_warning(monkeypatch):
    report = check_paths([GOOD / "pengumuman.md"], Settings())
    warnings = [p.message for p in report.warnings]
    assert any("not configured here: facebook, x" in w for w in warnings)
    configured = Settings(
        facebook={"page_id": "1", "access_token": "t"},  # type: ignore[arg-type]
        x={"bearer_token": "t"},  # type: ignore[arg-type]
    )
    report = check_paths([GOOD / "pengumuman.md"], configured)
    assert not any("not configured" in p.message for p in report.warnings)
