"""``publisher new``: a post file written from a few answers, so a newcomer can schedule one and watch it go out.

The file is written into the posts dir under a name made from the title (unique there), with ``status: ready``,
then checked exactly as ``publisher check`` would; a file with an error is removed again, so bad input leaves
nothing behind.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.posts.model import Kind
from publisher.posts.problems import Problem

SLUG_MAX = 60


@dataclass(frozen=True)
class NewPost:
    kind: Kind
    title: str
    publish_at: datetime  # aware
    platforms: tuple[str, ...]
    body: str = ""
    starts_at: datetime | None = None  # an event reminder's event


class NewPostRefused(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def slug(title: str) -> str:
    """``Layanan Paspor Elektronik: Kini Tersedia!`` -> ``layanan-paspor-elektronik-kini-tersedia``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(words) > SLUG_MAX:
        words = words[:SLUG_MAX].rsplit("-", 1)[0]
    return words or "post"


def free_path(posts_dir: Path, stem: str) -> Path:
    """``posts_dir/stem.md``, or ``stem-2.md``, ``stem-3.md`` ...: a name no file in the posts dir has (a post's
    id defaults to its file's stem, and ids are unique across the posts dir, subfolders included)."""
    taken = {p.stem for p in posts_dir.rglob("*.md")} if posts_dir.is_dir() else set()
    candidate, number = stem, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}"
    return posts_dir / f"{candidate}.md"


def render(post: NewPost) -> str:
    """The file's text; the title is a JSON string, which YAML reads as a double-quoted scalar (any ``:`` or
    ``#`` in it stays text)."""
    lines = [
        "---",
        f"kind: {post.kind.value}",
        f"title: {json.dumps(post.title, ensure_ascii=False)}",
        f"publish_at: {_local(post.publish_at)}",
        f"platforms: [{', '.join(post.platforms)}]",
        "status: ready",
    ]
    if post.starts_at is not None:
        lines += ["event:", f"  starts_at: {_local(post.starts_at)}"]
    return "\n".join([*lines, "---", post.body.strip(), ""])


def _local(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"  # already in the office's zone: written without an offset, read in that zone


def write_post_file(post: NewPost, settings: Settings) -> Path:
    """Writes the post into the posts dir and checks it; on an error the file is removed and NewPostRefused
    raised with the problems (warnings, such as a platform not configured here, do not refuse it)."""
    settings.posts_dir.mkdir(parents=True, exist_ok=True)
    path = free_path(settings.posts_dir, slug(post.title))
    with path.open("x", encoding="utf-8") as out:  # never overwrites
        out.write(render(post))
    report = check_paths([path], settings)
    if report.errors:
        path.unlink()
        raise NewPostRefused(report.errors)
    return path
