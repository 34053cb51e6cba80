"""Hypothesis strategies for hostile post files, and the property every generated file must keep (issue 11):
`check` never crashes or hangs; what it accepts, the preview and a dry-run publish handle without error; nothing
is written outside the output and state dirs. Used by tests/test_hostile_property.py and bench/fuzz.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from PIL import Image

from publisher.adapters.registry import adapter_classes
from publisher.adapters.results import Outcome
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.preview import build_site
from publisher.publishing.ledger import Ledger, State
from publisher.publishing.verbs import publish_post

PLATFORMS = sorted(adapter_classes())
# Every plane, surrogates excluded (they cannot be written as UTF-8).
ANY_CHAR = st.characters(exclude_categories=("Cs",))
ANY_TEXT = st.text(ANY_CHAR, max_size=80)
# What the card fonts draw (Latin, Arabic, some emoji), so that many generated posts pass `check` and go further.
DRAWABLE_CHAR = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=("Cc",)),
    st.characters(min_codepoint=0x621, max_codepoint=0x64A),
    st.sampled_from(["🛂", "✅", "\u200d", "👨", "🇮", "🇩", " ", "\u200b"]),
)
DRAWABLE = st.text(DRAWABLE_CHAR, min_size=1, max_size=60)
SOME_TEXT = st.one_of(DRAWABLE, DRAWABLE, DRAWABLE, ANY_TEXT)
WORDS = st.sampled_from(["Paspor", "Layanan", "خدمة", "电子护照", "🛂", "\u200b", "\x1b[2J", "A" * 60, "Besok", ""])
TITLE = st.one_of(
    DRAWABLE, DRAWABLE, ANY_TEXT, st.lists(WORDS, max_size=12).map(" ".join),
    st.text(DRAWABLE_CHAR, min_size=150, max_size=250), st.text(ANY_CHAR, min_size=200, max_size=400),
)  # fmt: skip
_datetime = __import__("datetime").datetime
VALID_WHEN = st.datetimes(min_value=_datetime(2026, 1, 1), max_value=_datetime(2035, 12, 31)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M")
)
WHEN = st.one_of(
    VALID_WHEN, VALID_WHEN, VALID_WHEN, VALID_WHEN,
    st.datetimes(min_value=_datetime(1, 1, 1)).map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    st.sampled_from(["2026-12-01 09:00", "2030-03-29 02:30", "9999-12-31 23:59", "0001-01-01 00:00", "besok",
                     "2026-12-01", "2026-12-01T09:00+14:00", "2026-12-01T09:00Z"]),
    ANY_TEXT,
)  # fmt: skip
OFFSET = st.one_of(
    st.sampled_from(["1d", "2h", "3d", "30m", "1w"]),
    st.sampled_from(["1d", "24h", "1440m", "7d", "2h", "999999999999999d", "0m", "52w", "1w1d1h1m"]),
    ANY_TEXT,
)
CRON = st.one_of(
    st.sampled_from(["0 8 * * 1", "* * * * *", "R * * * *", "0 0 30 2 *", "0 0 31 4 *", "H * * * *", "*/5 * * * *",
                     "0 8 1 1 *", "59 23 31 12 *"]),
    ANY_TEXT,
)  # fmt: skip
LINK = st.one_of(
    st.just("https://www.imigrasi.go.id/layanan"),
    st.sampled_from(["https://imigrasi.go.id", "https://a b", "https://imigrasi.go.id@evil.example/",
                     "javascript:alert(1)", "http://[::1", "https://x.example:99999/", "https://é.example/ü"]),
    ANY_TEXT,
)  # fmt: skip
IMAGE_MODES = ["RGB", "RGBA", "L", "LA", "P", "1", "I;16", "I", "F", "CMYK"]


def _risky() -> dict[str, st.SearchStrategy[Any]]:
    """Per field, values a careless or hostile author writes."""
    return {
        "id": ANY_TEXT,
        "kind": ANY_TEXT,
        "title": TITLE,
        "publish_at": WHEN,
        "platforms": st.one_of(ANY_TEXT, st.lists(st.sampled_from([*PLATFORMS, "myspace"]), max_size=9)),
        "status": st.sampled_from(["published", "", "READY"]),
        "subtitle": ANY_TEXT,
        "hashtags": st.lists(st.one_of(st.sampled_from(["电子", "a b", "x" * 400]), ANY_TEXT), max_size=40),
        "link": LINK,
        "alt": st.one_of(ANY_TEXT, st.text(DRAWABLE_CHAR, min_size=900, max_size=1500)),
        "valid_until": WHEN,
        "supersedes": st.sampled_from(["post", "other", "a", "", "Post"]),
        "text": st.dictionaries(st.sampled_from([*PLATFORMS, "myspace"]), ANY_TEXT, max_size=3),
        "event": st.fixed_dictionaries(
            {}, optional={"starts_at": WHEN, "location": ANY_TEXT, "reminders": st.lists(OFFSET, max_size=6)}
        ),
        "repeat": CRON,
        "en": st.fixed_dictionaries({"title": TITLE}, optional={"subtitle": ANY_TEXT, "body": ANY_TEXT}),
        "image": st.sampled_from(["", "../outside.png", "missing.png", "/etc/passwd", "posts"]),
        "unknown": ANY_TEXT,
    }


REMINDERS = st.lists(st.sampled_from(["1d", "2h", "3d", "1w"]), unique=True, max_size=4)
EVENT = st.fixed_dictionaries(
    {"starts_at": st.just("2036-06-01 09:00")}, optional={"location": DRAWABLE, "reminders": REMINDERS}
)


def _valid() -> st.SearchStrategy[dict[str, Any]]:
    """A post `check` should accept (most of the time), with every optional field in play."""
    optional = {
        "id": st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True),
        "status": st.sampled_from(["ready", "ready", "draft"]),
        "subtitle": DRAWABLE,
        "hashtags": st.lists(st.sampled_from(["Paspor", "Imigrasi", "جواز", "Layanan_2026"]), max_size=4),
        "link": st.sampled_from(["https://www.imigrasi.go.id/layanan", "http://é.example/ü?q=1#x"]),
        "alt": DRAWABLE,
        "valid_until": st.just("2040-01-01 09:00"),
        "event": EVENT,
        "repeat": st.sampled_from(["0 8 * * 1", "*/30 * * * *", "0 8 1 * *", "59 23 31 12 *"]),
        "en": st.fixed_dictionaries({"title": DRAWABLE}, optional={"subtitle": DRAWABLE, "body": DRAWABLE}),
        "image": st.just("pic.png"),
        "text": st.dictionaries(st.sampled_from(PLATFORMS), DRAWABLE, max_size=2),
    }
    required = {
        "kind": st.sampled_from(["service-update", "policy-change", "event-reminder"]),
        "title": st.one_of(DRAWABLE, st.lists(WORDS, min_size=1, max_size=12).map(" ".join)),
        "publish_at": VALID_WHEN,
        "platforms": st.lists(st.sampled_from(PLATFORMS), min_size=1, max_size=3),
    }
    return st.fixed_dictionaries(required, optional=optional)  # type: ignore[arg-type]


@st.composite
def _front(draw: st.DrawFn) -> dict[str, Any]:
    """A valid-looking front matter with, half the time, one or two fields made hostile."""
    front = draw(_valid())
    if front["kind"] == "event-reminder" and "event" not in front:
        front["event"] = draw(EVENT)
    risky = _risky()
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        key = draw(st.sampled_from(sorted(risky)))
        front[key] = draw(risky[key])
    return front


ODD_YAML = st.sampled_from([
    "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
    "title: " + "[" * 200 + "]" * 200 + "\n",
    "title: x\ntitle: y\n",
    "? [a, b]\n: c\n",
    "<<: {kind: service-update}\n",
    "!!python/object:os.system {}\n",
    "title: !!binary aGVsbG8=\n",
    "title: \"\\x1b[31mred\\u202eevil\"\n",
    "\t- tab\n",
])  # fmt: skip


@st.composite
def post_files(draw: st.DrawFn) -> tuple[str, str, str | None]:
    """(file name, file text, image mode or None): a post file as a careless or hostile author writes it."""
    front = draw(_front())
    text = yaml.safe_dump(front, allow_unicode=draw(st.booleans()), sort_keys=False)
    shape = draw(st.sampled_from(["plain"] * 8 + ["odd", "junk", "no-fence"]))
    if shape == "odd":
        text += draw(ODD_YAML)
    elif shape == "junk":
        text = draw(st.text(ANY_CHAR, max_size=200)) + "\n" + text
    body = draw(st.one_of(SOME_TEXT, st.lists(WORDS, max_size=40).map(" ".join)))
    document = text + body if shape == "no-fence" else f"---\n{text}---\n{body}\n"
    odd_name = st.from_regex(r"[a-z\n\x1b ]{1,12}", fullmatch=True).map(_md)
    name = draw(st.one_of(*[st.just("post.md")] * 6, odd_name))
    mode = draw(st.sampled_from(IMAGE_MODES)) if front.get("image") == "pic.png" else None
    return name, document, mode


def _md(stem: str) -> str:
    return f"{stem}.md"


def fake_credentials() -> dict[str, Any]:
    """Every platform configured, its API on a closed loopback port: a dry run sends nothing anyway."""
    base = "http://127.0.0.1:9"
    return {
        "facebook": {"page_id": "1", "access_token": "fb-token-fuzz", "api_base": base},
        "instagram": {"user_id": "2", "access_token": "ig-token-fuzz", "api_base": base},
        "x": {"bearer_token": "x-token-fuzz", "api_base": base},
        "telegram": {"bot_token": "123:fuzz", "chat_id": "@fuzz", "api_base": base},
        "mastodon": {"access_token": "ma-token-fuzz", "api_base": base},
        "bluesky": {"handle": "fuzz.bsky.social", "app_password": "bs-pass-fuzz", "api_base": base},
        "threads": {"user_id": "3", "access_token": "th-token-fuzz", "api_base": base},
    }


@dataclass
class Outcome11:
    accepted: bool
    errors: list[str] = field(default_factory=list)


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@contextmanager
def _namespace(redis_url: str) -> Iterator[str]:
    import redis

    namespace = f"fuzz-{uuid.uuid4().hex[:10]}"
    try:
        yield namespace
    finally:
        client = redis.Redis.from_url(redis_url)
        for pattern in (f"{namespace}:*", f"{namespace}-dry-run:*"):
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)


def exercise(workdir: Path, name: str, document: str, image_mode: str | None, redis_url: str) -> Outcome11:
    """Write the post, check it, and when accepted preview it and publish it dry; raises on any broken promise."""
    posts, out, state = workdir / "posts", workdir / "site", workdir / "state"
    posts.mkdir()
    (posts / name).write_text(document, encoding="utf-8")
    if image_mode is not None:
        # PNG cannot hold every mode; the others go in as TIFF bytes named .png (Pillow reads by content).
        image_format = "TIFF" if image_mode in ("F", "CMYK", "I") else "PNG"
        Image.new(image_mode, (64, 48)).save(posts / "pic.png", format=image_format)
    before = _snapshot(workdir)
    with _namespace(redis_url) as namespace:
        settings = Settings(posts_dir=posts, state_dir=state, redis_url=redis_url, namespace=namespace,
                            media_dir=state / "media", media_base_url="http://127.0.0.1:9/media",
                            **fake_credentials())  # type: ignore[arg-type]  # fmt: skip
        report = check_paths(None, settings)
        if not report.ok or not report.posts:
            _unchanged_outside(workdir, before, allowed=("state",))  # the check cache lives in the state dir
            return Outcome11(False, [str(p) for p in report.errors])
        site = build_site(None, settings, out, posters=True)
        assert site.ok and not site.invalid, [str(p) for i in site.invalid for p in i.problems]
        post = report.posts[0]
        results = publish_post(post.id, settings=settings, ledger=Ledger.from_settings(settings, dry_run=True),
                               dry_run=True)  # fmt: skip
        for result in results:
            assert "\n" not in result.line()
            assert not (result.state == State.FAILED and result.outcome == Outcome.INVALID), result.line()
    _unchanged_outside(workdir, before, allowed=("site", "state"))
    return Outcome11(True)


def _unchanged_outside(workdir: Path, before: set[str], *, allowed: tuple[str, ...]) -> None:
    after = _snapshot(workdir)
    changed = {p for p in after ^ before if p.split(os.sep, 1)[0] not in allowed}
    assert not changed, f"written outside the output and state dirs: {sorted(changed)}"
