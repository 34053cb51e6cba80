"""Post files written by tests: one ``write_post`` for every test that needs a post file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def write_post(
    folder: Path,
    post_id: str,
    *,
    publish_at: str,
    platforms: Iterable[str] = ("telegram",),
    status: str = "ready",
    kind: str = "service-update",
    title: str | None = None,
    body: str | None = None,
    **extra: object,
) -> Path:
    """``folder/POST_ID.md`` with these fields; every ``extra`` keyword is one more ``key: value`` line, in order."""
    lines = [
        "---",
        f"kind: {kind}",
        f"title: {title or f'Pengumuman {post_id}'}",
        f"publish_at: {publish_at}",
        f"platforms: [{', '.join(platforms)}]",
        f"status: {status}",
    ]
    for key, value in extra.items():
        lines.append(f"{key}: {value}")
    lines += ["---", body or f"Isi pengumuman {post_id}."]
    path = folder / f"{post_id}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
