"""The `Post` the loader builds: times in the office zone, defaults, reminders, images, English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.adapters.registry import platform_names
from publisher.posts.loader import load_post
from publisher.posts.model import Kind, Status
from publisher.publishing.targets import publications

WIB = ZoneInfo("Asia/Jakarta")
GOOD = Path(__file__).parent / "fixtures" / "good"


def load(path: Path):
    result = load_post(path, tz=WIB, platforms=platform_names())
    assert result.ok, [str(p) for p in result.problems]
    assert result.post is not None
    return result.post


def write(tmp_path: Path, front: str, body: str = "Isi.") -> Path:
    path = tmp_path / "post.md"
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    return path


def test_naive_time_is_wib_and_stored_aware(tmp_path):
    post = load(write(tmp_path, "kind: service-update\ntitle: T\npublish_at: 2026-12-01 09:00\nplatforms: [x]"))
    assert post.publish_at.tzinfo is not None
    assert post.publish_at.astimezone(UTC) == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_explicit_offset_is_kept(tmp_path):
    post = load(write(tmp_path, "kind: service-update\ntitle: T\npublish_at: 2026-12-01T09:00+08:00\nplatforms: [x]"))
    assert post.publish_at.astimezone(UTC) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_defaults_id_from_stem_and_draft(tmp_path):
    post = load(write(tmp_path, "kind: service-update\ntitle: T\npublish_at: 2026-12-01 09:00\nplatforms: x"))
    assert post.id == "post"
    assert post.status is Status.DRAFT
    assert post.platforms == ("x",)
    assert post.body == "Isi."


def test_valid_until_date_means_end_of_that_day(tmp_path):
    post = load(
        write(
            tmp_path,
            "kind: policy-change\ntitle: T\npublish_at: 2026-12-01 09:00\nplatforms: [x]\nvalid_until: 2026-12-31",
        )
    )
    assert post.valid_until == datetime(2026, 12, 31, 23, 59, 59, tzinfo=WIB)


def test_event_reminders_become_publications():
    post = load(GOOD / "acara.md")
    assert post.kind is Kind.EVENT_REMINDER
    pubs = publications(post)
    assert [p.occurrence for p in pubs] == ["main", "reminder-1d", "reminder-2h"]
    assert [p.label for p in pubs] == [None, "Besok", "2 jam lagi"]
    starts = post.event.starts_at
    assert pubs[1].due_at == starts - timedelta(days=1)
    assert all(p.deadline == starts for p in pubs)


def test_image_is_resolved_next_to_the_post():
    post = load(GOOD / "dengan-foto.md")
    assert post.image == (GOOD / "foto.jpg").resolve()
    assert post.alt == "Foto petugas melayani pemohon paspor"


def test_content_hash_changes_with_content_only(tmp_path):
    front = "kind: service-update\ntitle: T\npublish_at: 2026-12-01 09:00\nplatforms: [x]"
    first = load(write(tmp_path, front)).content_hash()
    assert load(write(tmp_path, front)).content_hash() == first
    assert load(write(tmp_path, front, body="Isi lain.")).content_hash() != first


def test_repeat_expands_weekly_within_deadline(tmp_path):
    post = load(
        write(
            tmp_path,
            "kind: service-update\ntitle: T\npublish_at: 2026-12-03 08:00\nplatforms: [x]\n"
            "repeat: '0 8 * * 4'\nvalid_until: 2026-12-24",
        )
    )
    dues = [p.due_at for p in publications(post)]
    assert [d.day for d in dues] == [3, 10, 17, 24]
    assert len({p.occurrence for p in publications(post)}) == 4


def test_english_version(tmp_path):
    post = load(
        write(
            tmp_path,
            "kind: service-update\ntitle: Visa\npublish_at: 2026-12-01 09:00\nplatforms: [x]\n"
            "en:\n  title: Visa services\n  body: Apply online.",
        )
    )
    assert post.en is not None and post.en.title == "Visa services"
