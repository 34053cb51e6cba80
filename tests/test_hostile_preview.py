"""Issue 11, item 10: the preview's manifest lives in --out where anyone can edit it; nothing it names outside
--out is ever deleted or written."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from publisher.infra.settings import Settings
from publisher.preview import build_site
from publisher.preview.render import MANIFEST_NAME, MANIFEST_VERSION, OutDirLeadsOut

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_a_hostile_manifest_cannot_delete_outside_the_out_dir(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    shutil.copy(REPO / "posts" / "paspor-baru.md", posts)
    outside = tmp_path / "outside"
    outside.mkdir()
    victims = [outside / "x", outside / "card.png", outside / "page.html"]
    for victim in victims:
        victim.write_text("precious")
    out = tmp_path / "site"
    out.mkdir()
    card = {"width": 1, "height": 1, "format": "PNG", "alt": "", "key": "k"}
    hostile = {
        "version": MANIFEST_VERSION,
        "cards": {
            "../outside/card.png": {**card, "path": "../outside/card.png"},
            str(outside / "x"): {**card, "path": str(outside / "x")},
            "escape/card.png": {**card, "path": "escape/card.png"},
        },
        "pages": {"../outside/page.html": "k", str(outside / "page.html"): "k", "escape/x": "k"},
    }
    (out / MANIFEST_NAME).write_text(json.dumps(hostile))

    report = build_site(None, Settings(posts_dir=posts, state_dir=tmp_path / "state"), out, now=NOW, posters=False)

    assert report.ok and report.posts
    assert all(victim.read_text() == "precious" for victim in victims)
    assert sorted(os.listdir(outside)) == ["card.png", "page.html", "x"]
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert not any(
        ".." in path or path.startswith(("/", "escape")) for path in [*manifest["cards"], *manifest["pages"]]
    )


def test_a_folder_in_the_out_dir_linked_outside_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    shutil.copy(REPO / "posts" / "paspor-baru.md", posts)
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "site"
    out.mkdir()
    (out / "cards").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutDirLeadsOut, match="outside"):
        build_site(None, Settings(posts_dir=posts, state_dir=tmp_path / "state"), out, now=NOW, posters=False)
    assert not any(outside.iterdir())
