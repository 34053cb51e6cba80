"""Caption length rules per platform and the shortening that keeps the link."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from publisher.adapters import adapter_class
from publisher.captions import build_caption
from publisher.post import Post
from publisher.textcount import Counting, count

WIB = ZoneInfo("Asia/Jakarta")
LINK = "https://www.imigrasi.go.id/layanan/paspor-elektronik-dan-persyaratannya"


def make_post(body: str, **fields) -> Post:
    data = {
        "id": "p",
        "kind": "service-update",
        "title": "Judul",
        "publish_at": datetime(2026, 12, 1, 9, tzinfo=WIB),
        "platforms": ["x", "bluesky", "instagram", "mastodon", "telegram"],
        "body": body,
        **fields,
    }
    return Post.model_validate(data)


def test_x_weighting_urls_emoji_and_cjk():
    assert count("halo", Counting.X_WEIGHTED) == 4
    assert count(LINK, Counting.X_WEIGHTED) == 23
    assert count("🇮🇩", Counting.X_WEIGHTED) == 2  # one flag = one emoji sequence
    assert count("👨‍👩‍👧", Counting.X_WEIGHTED) == 2
    assert count("日本", Counting.X_WEIGHTED) == 4
    assert count("e\u0301", Counting.X_WEIGHTED) == 1  # NFC: é


def test_bluesky_counts_graphemes_and_telegram_utf16():
    assert count("👨‍👩‍👧 ok", Counting.GRAPHEMES) == 4
    assert count("👍", Counting.UTF16) == 2


def test_mastodon_counts_every_url_as_23():
    assert count(f"lihat {LINK}", Counting.CHARS_URL23) == 6 + 23


def test_short_caption_is_body_link_hashtags():
    post = make_post("Layanan paspor dibuka.", link=LINK, hashtags=["Imigrasi", "Paspor"])
    caption = build_caption(post, adapter_class("x"))
    assert caption.text == f"Layanan paspor dibuka.\n\n{LINK}\n\n#Imigrasi #Paspor"
    assert caption.fits and not caption.shortened


def test_long_caption_is_cut_at_a_word_with_ellipsis_and_keeps_the_link():
    body = " ".join(["Pelayanan"] * 80)
    post = make_post(body, link=LINK, hashtags=["Imigrasi"])
    for name in ("x", "bluesky", "mastodon"):
        adapter = adapter_class(name)
        caption = build_caption(post, adapter)
        assert caption.shortened and caption.fits, (name, caption.length)
        assert caption.text.endswith(LINK)
        first = caption.text.split("\n\n")[0]
        assert first.endswith("Pelayanan…")
        assert caption.length > adapter.max_chars - 15  # it uses the room it has


def test_override_is_used_verbatim_even_when_too_long():
    post = make_post("Isi.", text={"x": "a " * 200})
    caption = build_caption(post, adapter_class("x"))
    assert caption.overridden and not caption.fits and not caption.shortened


def test_instagram_keeps_at_most_30_hashtags():
    post = make_post("Isi.", hashtags=[f"tag{i}" for i in range(35)])
    caption = build_caption(post, adapter_class("instagram"))
    assert caption.text.count("#") == 30 and caption.dropped_hashtags == 5


def test_x_weight_fast_path_agrees_with_the_grapheme_walk():
    """Text without emoji is weighed by one regex; it must agree with weighing cluster by cluster."""
    import random

    from publisher.textcount import _GRAPHEME, _x_plain_weight

    pool = [*"abc —–“”‘’…é日本한", "e\u0301", " https://a.id/x ", *map(chr, (0x10FF, 0x1100, 0x2000, 0x200E, 0x2037))]
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        walked = sum(_x_plain_weight(cluster) for cluster in _GRAPHEME.findall(text))
        assert _x_plain_weight(text) == walked


def test_a_url_ending_in_a_bracket_it_opened_counts_as_one_link_for_x_and_mastodon():
    wiki = "https://id.wikipedia.org/wiki/Imigrasi_(Indonesia)"
    assert count(f"lihat {wiki}", Counting.X_WEIGHTED) == 6 + 23
    assert count(f"lihat {wiki}", Counting.CHARS_URL23) == 6 + 23
    assert count(f"({wiki})", Counting.CHARS_URL23) == 2 + 23
