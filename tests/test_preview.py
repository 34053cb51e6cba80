"""``publisher preview`` without a browser: the files it writes, what they say, and that it stays off the network."""

from __future__ import annotations

import os
import re
import shutil
import socket
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from helpers.redis import new_namespace, redis_url_for_tests
from PIL import Image
from pydantic import SecretStr

from publisher.adapters.registry import adapter_classes
from publisher.cli import cli
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.preview import build_site
from publisher.preview.ledger import is_local_url, preview_ledger
from publisher.text.captions import build_caption

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "posts"
BAD = REPO / "tests" / "fixtures" / "bad"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir()
    for source in EXAMPLES.glob("*.md"):
        shutil.copy(source, folder / source.name)
    return folder


@pytest.fixture(scope="module")
def shared_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state dir for the module: its render cache spares each test re-drawing the same example cards."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture
def settings(posts: Path, shared_state: Path) -> Settings:
    return Settings(posts_dir=posts, state_dir=shared_state)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every outgoing connection attempt fails the test (forked render workers inherit the patch)."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"preview tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))  # type: ignore[arg-type]
    return attempts


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_site_over_the_examples(settings: Settings, posts: Path, tmp_path: Path, no_network: list[object]) -> None:
    out = tmp_path / "site"
    report = build_site(None, settings, out, now=NOW)
    assert report.ok and not no_network
    index = _text(out / "index.html")
    for source in posts.glob("*.md"):
        page = out / "posts" / f"{source.stem}.html"
        assert page.is_file(), source.stem
        assert f'data-post="{source.stem}"' in index
    # Every image the pages link exists and has its platform's real size.
    classes = adapter_classes()
    for page in [out / "index.html", *(out / "posts").glob("*.html")]:
        for src in re.findall(r'<img[^>]* src="([^"]+)"', _text(page)):
            image = (page.parent / src).resolve()
            assert image.is_file(), f"{page.name} links {src}"
    for card in (out / "cards").rglob("*.*"):
        platform = card.stem.split("-")[0]
        with Image.open(card) as opened:
            assert opened.size == classes[platform].card.size, card
    # Publish time in WIB, the calendar with an expanded repeat (Thursdays) and reminders.
    assert "Rabu, 2 Desember 2026 · 09.00 WIB" in index
    assert index.count("Layanan Konsultasi Hukum Keimigrasian Setiap Kamis") >= 5
    seminar = _text(out / "posts" / "seminar-pelayanan-prima.html")
    for label in ("7 hari lagi", "Besok", "2 jam lagi"):
        assert label in seminar
    english = _text(out / "posts" / "visa-izin-tinggal.html")
    assert "English version" in english and "Visa and Stay Permit Services" in english
    assert not re.search(r"(src|href)=\"(https?:)?//", index + seminar), "the site must not load anything remote"


def test_captions_and_counts_are_the_publishers(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "site"
    report = build_site(None, settings, out, now=NOW)
    by_id = {view.post.id: view for view in report.posts}
    post = by_id["paspor-baru"].post
    page = unescape(_text(out / "posts" / "paspor-baru.html"))
    page_text = re.sub(r"<[^>]+>", "", page)
    for name in post.platforms:
        caption = build_caption(post, adapter_classes()[name])
        assert f"{caption.length}/{caption.limit}" in page_text
        assert caption.text in page_text  # the exact words, links and hashtags only styled
    x = build_caption(post, adapter_classes()["x"])
    assert x.shortened and "shortened to fit" in page_text
    override = unescape(_text(out / "posts" / "perpanjangan-paspor.html"))
    assert "own text (text.x)" in override


def test_invalid_posts_exit_1_and_the_others_are_previewed(posts: Path, tmp_path: Path) -> None:
    for name in ("unknown-kind.md", "missing-title.md", "yaml-syntax.md"):
        shutil.copy(BAD / name, posts / name)
    out = tmp_path / "site"
    env = {"PUBLISHER_POSTS_DIR": str(posts), "PUBLISHER_STATE_DIR": str(tmp_path / "state")}
    result = CliRunner().invoke(cli, ["preview", "--out", str(out)], env=env)
    assert result.exit_code == 1, result.output
    index = _text(out / "index.html")
    assert index.count('data-status="invalid"') == 3
    assert "unknown kind" in index and 'class="problem error"' in index
    assert len(list((out / "posts").glob("*.html"))) == len(list(EXAMPLES.glob("*.md")))
    assert "unknown-kind.md" in result.output  # the errors are printed too


def test_post_text_is_escaped(posts: Path, settings: Settings, tmp_path: Path) -> None:
    (posts / "bahaya.md").write_text(
        "---\nkind: service-update\ntitle: 'Awas <script>alert(1)</script>'\nsubtitle: '<img src=x onerror=alert(2)>'\n"
        "publish_at: 2026-12-05 09:00\nplatforms: [x]\n---\nIsi <script>alert(3)</script> & lainnya\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build_site(None, settings, out, now=NOW)
    for page in (out / "index.html", out / "posts" / "bahaya.html"):
        html = _text(page)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt; &amp; lainnya" in _text(out / "posts" / "bahaya.html")


def test_second_run_renders_nothing_and_rewrites_no_image(settings: Settings, posts: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = build_site(None, settings, out, now=NOW)
    assert first.cards_rendered > 0
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = build_site(None, settings, out, now=NOW)
    assert second.cards_rendered == 0 and second.cards_reused == first.cards_rendered
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps

    # An edit re-renders that post's cards only; a removed post's files go away.
    source = posts / "survei-kepuasan.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Bantu Kami", "Mohon Bantu Kami"), encoding="utf-8")
    (posts / "workshop-mitra-pendidikan.md").unlink()
    third = build_site(None, settings, out, now=NOW)
    survey = next(v for v in third.posts if v.post.id == "survei-kepuasan")
    assert 0 < third.cards_rendered <= len(survey.post.platforms) + 2  # its cards (and poster, when drawn)
    assert not (out / "cards" / "workshop-mitra-pendidikan").exists() or not any(
        (out / "cards" / "workshop-mitra-pendidikan").iterdir()
    )
    assert not (out / "posts" / "workshop-mitra-pendidikan.html").exists()


def test_out_dir_files_of_others_are_kept(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    build_site(None, settings, out, now=NOW)
    build_site(None, settings, out, now=NOW)
    assert (out / "notes.txt").read_text() == "mine"


def test_cli_preview_over_examples_opens_no_socket(
    posts: Path, tmp_path: Path, no_network: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PUBLISHER_REDIS_URL", raising=False)
    env = {"PUBLISHER_POSTS_DIR": str(posts), "PUBLISHER_STATE_DIR": str(tmp_path / "state")}
    result = CliRunner().invoke(cli, ["preview", "--out", str(tmp_path / "site")], env=env)
    assert result.exit_code == 0, result.output
    assert "10 post(s) previewed" in result.output
    assert not no_network
    assert not (tmp_path / "state" / "redis.db").exists()  # the embedded Redis was not started


def test_ledger_is_read_only_from_this_machine_unless_asked(settings: Settings) -> None:
    assert preview_ledger(settings) is None  # no PUBLISHER_REDIS_URL: no state, no embedded Redis
    assert is_local_url("redis://127.0.0.1:6379/0") and is_local_url("redis://localhost/1")
    assert is_local_url("unix:///run/redis.sock") and is_local_url("redis+socket:///tmp/r.sock")
    assert not is_local_url("redis://redis:6379/0") and not is_local_url("rediss://10.0.0.5:6380")
    remote = settings.model_copy(update={"redis_url": SecretStr("redis://redis.example.org:6379/0")})
    assert preview_ledger(remote) is None
    assert preview_ledger(remote, False) is None


@pytest.mark.redis
def test_ledger_state_is_shown(settings: Settings, tmp_path: Path) -> None:
    import redis

    url = redis_url_for_tests()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    local = settings.model_copy(update={"redis_url": SecretStr(url), "namespace": new_namespace("preview-test")})
    ledger = preview_ledger(local)
    assert ledger is not None
    ledger.purge()
    try:
        report = check_paths(None, local)
        post = next(p for p in report.posts if p.id == "paspor-baru")
        ledger.schedule("paspor-baru/x/main", post.content_hash(), post.publish_at)
        build_site(None, local, tmp_path / "site", now=NOW, ledger=ledger)
        page = _text(tmp_path / "site" / "posts" / "paspor-baru.html")
        assert "ledger: <b>scheduled</b>" in page
    finally:
        ledger.purge()


def test_progress_bar_only_on_a_terminal(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    build_site(None, settings, tmp_path / "site", now=NOW, show_progress=False)
    assert capsys.readouterr().err == ""


def test_workers_started_before_the_check_give_the_serial_site_and_end_with_it(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run over many posts forks the render workers before checking the posts; the site it writes is the one
    rendering card by card in this process writes, and no worker outlives build_site."""
    import multiprocessing

    from publisher.preview import render

    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        pytest.skip("the pool needs fork and two CPUs")
    started: list[object] = []
    real_start = render._start_pool
    monkeypatch.setattr(render, "_start_pool", lambda sizes: started.append(sizes) or real_start(sizes))
    pooled = build_site(None, Settings(posts_dir=posts, state_dir=tmp_path / "state-a"), tmp_path / "a", now=NOW)
    assert len(started) == 1  # once, and early: not again when the cards are rendered
    assert multiprocessing.active_children() == []

    threshold = render.POOL_THRESHOLD
    monkeypatch.setattr(render, "POOL_THRESHOLD", 10**9)
    monkeypatch.setattr(render, "_can_fork", lambda: False)
    serial = build_site(None, Settings(posts_dir=posts, state_dir=tmp_path / "state-b"), tmp_path / "b", now=NOW)
    assert len(started) == 1
    assert pooled.cards_rendered == serial.cards_rendered > threshold
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for name in files_a:
        if name.suffix in (".png", ".jpg"):
            assert Image.open(tmp_path / "a" / name).tobytes() == Image.open(tmp_path / "b" / name).tobytes()
        elif name.suffix != ".pdf":  # a PDF records when it was made
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
