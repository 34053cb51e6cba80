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
GOOD = FIXTURES / "good"
REPO_POSTS = Path(__file__).parent.parent / "posts"

# file → (line, a phrase the error must contain)
BAD_CASES = {
    "non-utf8.md": (3, "not UTF-8"),
    "empty.md": (1, "empty file"),
    "no-front-matter.md": (1, "missing front matter"),
    "unclosed-front-matter.md": (1, "never closed"),
    "yaml-syntax.md": (3, "YAML syntax"),
    "missing-title.md": (1, "missing required field 'title'"),
    "empty-title.md": (3, "title: must not be empty"),
    "unknown-kind.md": (2, "unknown kind 'announcement'"),
    "unknown-key.md": (5, "unknown key 'platfroms' (did you mean 'platforms'?)"),
    "unknown-platform.md": (5, "unknown platform 'myspace'"),
    "empty-platforms.md": (5, "platforms: is empty"),
    "unparseable-date.md": (4, "unreadable date 'besok pagi'"),
    "impossible-date.md": (4, "impossible date '2026-02-30 09:00'"),
    "bad-status.md": (6, "status 'published' must be draft or ready"),
    "valid-until-before-publish.md": (7, "valid_until"),
    "event-without-start.md": (7, "needs event.starts_at"),
    "bad-reminder-offset.md": (9, "unreadable reminder offset 'seminggu'"),
    "publish-after-event.md": (4, "is not before the event starts"),
    "bad-link.md": (7, "is not an http(s) URL"),
    "image-outside.md": (7, "outside the posts folder"),
    "image-missing.md": (7, "not found"),
    "image-not-an-image.md": (7, "not a readable image"),
    "image-bomb.md": (7, "too large to open safely"),
    "duplicate-id-a.md": (7, "duplicate id 'pengumuman-sama': also used by tests/fixtures/bad/duplicate-id-b.md"),
    "duplicate-id-b.md": (7, "duplicate id 'pengumuman-sama': also used by tests/fixtures/bad/duplicate-id-a.md"),
    "supersedes-self.md": (8, "supersedes names this post itself"),
    "caption-override-too-long.md": (8, "the X caption is 349 long; the limit is 280"),
    "duplicate-key.md": (7, "key 'title' appears twice"),
}


@pytest.fixture(scope="module")
def bad_report():
    return check_paths([BAD.relative_to(Path.cwd()) if BAD.is_relative_to(Path.cwd()) else BAD], Settings())


def test_every_bad_fixture_has_a_case():
    assert sorted(p.name for p in BAD.glob("*.md")) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_gets_its_own_error_line(bad_report, name):
    line, phrase = BAD_CASES[name]
    errors = [p for p in bad_report.errors if p.path.endswith(f"bad/{name}")]
    assert errors, f"no error for {name}"
    rendered = [str(p) for p in errors]
    assert any(p.line == line and phrase in p.message for p in errors), rendered
    for text in rendered:  # path:line: error: message
        path, number, severity, _ = text.split(":", 3)
        assert path.endswith(name) and number.isdigit() and severity.strip() == "error"


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
