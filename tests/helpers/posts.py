"""Post files written by tests: one ``write_post`` for every test that needs a post file."""

from __future__ import annotations


def write_post(
    folder, post_id: str, *, publish_at: str, platforms=("telegram",), status="ready", kind="service-update", **extra
) -> None:
    lines = [
        "---",
        f"kind: {kind}",
        f"title: Pengumuman {post_id}",
        f"publish_at: {publish_at}",
        f"platforms: [{', '.join(platforms)}]",
        f"status: {status}",
    ]
    for key, value in extra.items():
        lines.append(f"{key}: {value}")
    lines += ["---", f"Isi pengumuman {post_id}."]
    (folder / f"{post_id}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
