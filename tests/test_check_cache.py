"""`publisher check` with its cache and its process pool says exactly what a plain single-process check says, and a
cached verdict goes stale with whatever it was computed from: the file, its image, the settings, the program.
Rules across files (duplicate ids, ``supersedes``) are judged afresh every time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from publisher.infra.settings import Settings
from publisher.posts import cache as check_cache
from publisher.posts.check import POOL_MIN_FILES, CheckReport, check_paths

BENCH = Path(__file__).parent.parent / "bench" / "check.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_check", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def everything(report: CheckReport) -> tuple:
    return (
        [str(p) for p in report.problems],
        [(r.display, r.post_id, r.ok, r.post) for r in report.results],
    )


@pytest.fixture
def generated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    posts = tmp_path / "posts"
    _bench().generate(posts, POOL_MIN_FILES + 100)  # enough for the process pool
    return posts, Settings(posts_dir=posts, state_dir=tmp_path / "state")


def test_cold_warm_and_pooled_checks_equal_a_plain_single_process_check(generated):
    posts, settings = generated
    plain = check_paths([posts], settings, cache=False, workers=1)
    assert len(plain.errors) >= 10 and any("duplicate id" in p.message for p in plain.errors)
    assert any("YAML syntax" in p.message for p in plain.errors)
    assert any("which is not in the posts folder" in p.message for p in plain.warnings)
    cold = check_paths([posts], settings)  # empty cache: the pool checks every file
    assert (settings.state_dir / check_cache.CACHE_FILE).is_file()
    warm = check_paths([posts], settings)  # every verdict from the cache
    assert everything(cold) == everything(plain)
    assert everything(warm) == everything(plain)
    one = posts / "000" / "post-00007.md"  # a duplicate of post-00006: judged against the whole folder
    assert everything(check_paths([one], settings)) == everything(check_paths([one], settings, cache=False))


def test_a_cached_verdict_goes_stale_with_its_file_its_image_the_settings_and_the_program(generated, monkeypatch):
    posts, settings = generated
    check_paths([posts], settings)
    with_image = posts / "000" / "post-00003.md"
    assert "image: ../img/foto.png" in with_image.read_text()

    def problems_of(path: Path, report: CheckReport) -> list[str]:
        return [p.message for p in report.problems if p.path.endswith(path.name)]

    # The image's bytes: a broken picture is reported though the post file did not change.
    (posts / "img" / "foto.png").write_bytes(b"not a picture")
    assert any("not a readable image" in m for m in problems_of(with_image, check_paths([posts], settings)))

    # The file's bytes.
    plain = posts / "000" / "post-00001.md"
    plain.write_text(plain.read_text().replace("kind: ", "kind: pengumuman-", 1))
    assert any("kind" in m for m in problems_of(plain, check_paths([posts], settings)))

    # The settings: a platform configured here no longer draws the "not configured" warning.
    configured = settings.model_copy(
        update={"telegram": settings.telegram.model_copy(update={"bot_token": "1:abc", "chat_id": "@kanal"})}
    )
    before = [m for m in problems_of(posts / "000" / "post-00000.md", check_paths([posts], settings))]
    after = [m for m in problems_of(posts / "000" / "post-00000.md", check_paths([posts], configured))]
    assert any("telegram" in m for m in before) and not any("telegram" in m for m in after)

    # The program: another cache version starts from nothing.
    assert check_cache.CheckCache.open(configured).entries  # the last check's, under its own settings
    monkeypatch.setattr(check_cache, "CACHE_VERSION", check_cache.CACHE_VERSION + 1)
    assert not check_cache.CheckCache.open(configured).entries


def test_rules_across_files_are_judged_afresh_on_unchanged_files(generated):
    posts, settings = generated
    first, second = posts / "001" / "post-00100.md", posts / "001" / "post-00101.md"
    check_paths([posts], settings)
    second.write_text(second.read_text().replace("---\n", "---\nid: post-00100\n", 1))  # now a duplicate
    report = check_paths([posts], settings)
    assert any("duplicate id 'post-00100'" in p.message and p.path.endswith(first.name) for p in report.errors)
    second.write_text(second.read_text().replace("id: post-00100\n", "", 1))  # and no longer
    report = check_paths([posts], settings)
    assert not any("duplicate id 'post-00100'" in p.message for p in report.errors)
    assert everything(report) == everything(check_paths([posts], settings, cache=False, workers=1))
