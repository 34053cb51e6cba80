"""Caption length rules per platform and the shortening that keeps the link."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from publisher.adapters.registry import adapter_class
from publisher.posts.model import Post
from publisher.text.captions import build_caption
from publisher.text.counting import Counting, count

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


def test_short_caption_is_title_body_link_hashtags():
    post = make_post("Layanan paspor dibuka.", link=LINK, hashtags=["Imigrasi", "Paspor"])
    caption = build_caption(post, adapter_class("x"))
    assert caption.text == f"Judul\n\nLayanan paspor dibuka.\n\n{LINK}\n\n#Imigrasi #Paspor"
    assert caption.fits and not caption.shortened


def test_long_caption_is_cut_at_a_word_with_ellipsis_and_keeps_the_link():
    body = " ".join(["Pelayanan"] * 80)
    post = make_post(body, link=LINK, hashtags=["Imigrasi"])
    for name in ("x", "bluesky", "mastodon"):
        adapter = adapter_class(name)
        caption = build_caption(post, adapter)
        assert caption.shortened and caption.fits, (name, caption.length)
        assert caption.text.endswith(LINK)
        title, cut, _ = caption.text.split("\n\n")
        assert title == "Judul" and cut.endswith("Pelayanan…")
        assert caption.length > adapter.max_chars - 15  # it uses the room it has


def test_override_is_used_verbatim_even_when_too_long():
    post = make_post("Isi.", text={"x": "a " * 200})
    caption = build_caption(post, adapter_class("x"))
    assert caption.overridden and not caption.fits and not caption.shortened
    assert (caption.text, caption.dropped_hashtags) == (post.text["x"], 0)


def test_instagram_keeps_at_most_30_hashtags():
    post = make_post("Isi.", hashtags=[f"tag{i}" for i in range(35)])
    caption = build_caption(post, adapter_class("instagram"))
    assert caption.text.count("#") == 30 and caption.dropped_hashtags == 5


def test_x_weight_fast_path_agrees_with_the_grapheme_walk():
    """Text without emoji is weighed by one regex; it must agree with weighing cluster by cluster."""
    import random

    from publisher.text.counting import _GRAPHEME, _x_plain_weight

    pool = [*"abc —–“”‘’…é日本한", "e\u0301", " https://a.id/x ", *map(chr, (0x10FF, 0x1100, 0x2000, 0x200E, 0x2037))]
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        walked = sum(_x_plain_weight(cluster) for cluster in _GRAPHEME.findall(text))
        assert _x_plain_weight(text) == walked


def test_ascii_text_is_counted_as_the_general_counters_count_it():
    """ASCII captions skip normalising and the walks; every platform's count must not change."""
    import random

    from publisher.text.counting import COUNTERS

    pool = [*"aZ09 .,;:!?()[]#@_-'\"/", "\r\n", "\n", "\r", "\t", "https://", "http://a.id/x?y=(1)", "www.", "x://y"]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        for counting, general in COUNTERS.items():
            assert count(text, counting) == general(text), (counting, text)


def test_a_url_ending_in_a_bracket_it_opened_counts_as_one_link_for_x_and_mastodon():
    wiki = "https://id.wikipedia.org/wiki/Imigrasi_(Indonesia)"
    assert count(f"lihat {wiki}", Counting.X_WEIGHTED) == 6 + 23
    assert count(f"lihat {wiki}", Counting.CHARS_URL23) == 6 + 23
    assert count(f"({wiki})", Counting.CHARS_URL23) == 2 + 23


# --- captions lead with the title ---------------------------------------------------------------------------------

TITLE = "Layanan Paspor Elektronik Kini Tersedia"
ALL_PLATFORMS = ["facebook", "instagram", "x", "telegram", "mastodon", "bluesky", "threads"]


def test_the_derived_caption_starts_with_the_title_line():
    post = make_post("Mulai 1 Desember permohonan dibuka.", title=TITLE, link=LINK, hashtags=["Imigrasi"])
    caption = build_caption(post, adapter_class("telegram"))
    assert caption.text == f"{TITLE}\n\nMulai 1 Desember permohonan dibuka.\n\n{LINK}\n\n#Imigrasi"


def test_a_body_that_already_starts_with_the_title_is_not_given_it_twice():
    post = make_post(f"{TITLE.upper()}: mulai 1 Desember permohonan dibuka.", title=TITLE)
    assert build_caption(post, adapter_class("x")).text == f"{TITLE.upper()}: mulai 1 Desember permohonan dibuka."


def test_a_post_without_body_is_its_title():
    assert build_caption(make_post("", title=TITLE, link=LINK), adapter_class("x")).text == f"{TITLE}\n\n{LINK}"


def test_the_english_caption_leads_with_the_english_title():
    post = make_post("Isi.", title=TITLE, en={"title": "E-Passport Service Now Available", "body": "From 1 December."})
    text = build_caption(post, adapter_class("x"), english=True).text
    assert text == "E-Passport Service Now Available\n\nFrom 1 December."


def test_an_override_is_still_sent_word_for_word():
    post = make_post("Isi.", title=TITLE, text={"x": "Hanya ini."})
    assert build_caption(post, adapter_class("x")).text == "Hanya ini."


@pytest.mark.parametrize("name", ALL_PLATFORMS)
def test_shortening_keeps_the_title_and_the_link_within_each_platforms_limit(name):
    adapter = adapter_class(name)
    body = " ".join(["Pelayanan"] * (adapter.max_chars // 5))
    post = make_post(body, title=TITLE, link=LINK, hashtags=["Imigrasi", "Paspor"])
    caption = build_caption(post, adapter)
    assert caption.shortened and caption.fits, (name, caption.length, adapter.max_chars)
    title, cut, link = caption.text.split("\n\n")
    assert (title, link) == (TITLE, LINK)
    assert cut.endswith("Pelayanan…")
    assert caption.length > adapter.max_chars - 15  # it uses the room it has


def test_when_no_word_of_the_body_fits_the_caption_is_the_title_and_the_link():
    adapter = adapter_class("x")
    title = "Pengumuman " * 20  # 220 of X's 280 with the 23 of the link: no room for "Mulai…"
    post = make_post("Mulaiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii sekarang.", title=title.strip(), link=LINK)
    caption = build_caption(post, adapter)
    assert caption.text == f"{title.strip()}\n\n{LINK}" and caption.fits and caption.shortened


# --- boundaries: the exact limit, the order of shortening, the first word, English -----------------------------

PLATFORMS = ("facebook", "instagram", "threads", "x", "telegram", "mastodon", "bluesky")
LEAD = "Judul\n\n"  # every derived caption opens with make_post's title line


def _body_of_length(adapter, n: int) -> str:
    """A body of plain words that every counting weighs as ``n`` (ASCII letters and spaces weigh 1 everywhere)."""
    words = ["kata"] * (n // 5) + ["k" * (n % 5)] if n % 5 else ["kata"] * (n // 5)
    body = " ".join(words)
    body = body + "a" * (n - len(body)) if len(body) < n else body[:n]
    assert adapter.count(body) == n
    return body


@pytest.mark.parametrize("name", PLATFORMS)
def test_a_caption_exactly_at_the_limit_is_sent_whole(name):
    adapter = adapter_class(name)
    room = adapter.max_chars - adapter.count(f"{LEAD}\n\n{LINK}\n\n#Imigrasi")
    post = make_post(_body_of_length(adapter, room), link=LINK, hashtags=["Imigrasi"])
    caption = build_caption(post, adapter)
    assert caption.text.startswith(LEAD) and caption.text.endswith(f"{LINK}\n\n#Imigrasi")
    assert caption.length == adapter.max_chars and caption.fits
    assert (caption.shortened, caption.overridden, caption.dropped_hashtags) == (False, False, 0)


@pytest.mark.parametrize("name", PLATFORMS)
def test_one_over_the_limit_drops_a_hashtag_before_touching_the_body(name):
    adapter = adapter_class(name)
    room = adapter.max_chars - adapter.count(f"{LEAD}\n\n{LINK}\n\n#Imigrasi")
    body = _body_of_length(adapter, room + 1)
    caption = build_caption(make_post(body, link=LINK, hashtags=["Imigrasi"]), adapter)
    assert caption.text == f"{LEAD}{body}\n\n{LINK}"
    assert (caption.shortened, caption.dropped_hashtags, caption.fits) == (True, 1, True)


def test_hashtags_are_dropped_last_first_until_the_caption_fits_exactly():
    adapter = adapter_class("bluesky")
    kept = f"\n\n{LINK}\n\n#Satu #Dua"
    body = _body_of_length(adapter, adapter.max_chars - adapter.count(LEAD + kept))
    caption = build_caption(make_post(body, link=LINK, hashtags=["Satu", "Dua", "Tiga", "Empat"]), adapter)
    assert caption.text == LEAD + body + kept
    assert caption.length == adapter.max_chars
    assert (caption.shortened, caption.dropped_hashtags) == (True, 2)


def test_instagram_at_exactly_30_hashtags_drops_none():
    caption = build_caption(make_post("Isi.", hashtags=[f"tag{i}" for i in range(30)]), adapter_class("instagram"))
    assert caption.text.count("#") == 30
    assert (caption.dropped_hashtags, caption.shortened) == (0, False)


@pytest.mark.parametrize("name", PLATFORMS)
def test_the_body_is_cut_after_a_comma_exactly_at_the_limit_and_the_comma_goes(name):
    """The cut lands on a word ending in ",": without the comma the caption is exactly at the limit, with it one
    over; so the comma must be stripped both when measuring and in the text sent."""
    adapter = adapter_class(name)
    room = adapter.max_chars - adapter.count(f"{LEAD}…\n\n{LINK}")  # what the kept words may weigh, comma stripped
    pad = (room - 1) % 6 + 1  # kept = pad letters + "," + (" abcd,") * k, so that stripped it weighs `room`
    words = ["a" * pad + ","] + ["abcd,"] * (adapter.max_chars // 5 + 10)
    kept = 1 + (room - pad) // 6
    expected = LEAD + " ".join(words[:kept]).removesuffix(",") + f"…\n\n{LINK}"
    assert adapter.count(expected) == adapter.max_chars
    caption = build_caption(make_post(" ".join(words), link=LINK, hashtags=["Imigrasi"]), adapter)
    assert caption.text == expected
    assert (caption.length, caption.shortened, caption.dropped_hashtags) == (adapter.max_chars, True, 1)


@pytest.mark.parametrize("name", ["x", "bluesky", "mastodon", "threads", "telegram"])
def test_a_first_word_longer_than_the_limit_leaves_the_title_and_the_link(name):
    """No word of the body fits: the title line says what the post is about, so the body goes whole (a cut
    inside a word is only for a caption without a title line of its own)."""
    adapter = adapter_class(name)
    caption = build_caption(make_post("x" * (adapter.max_chars + 50) + " kata", link=LINK), adapter)
    assert caption.text == f"{LEAD}{LINK}"
    assert caption.shortened and caption.fits


def test_a_link_longer_than_the_limit_leaves_only_the_ellipsis_of_the_body():
    adapter = adapter_class("bluesky")
    link = "https://imigrasi.go.id/" + "p" * 300
    caption = build_caption(make_post("Isi pengumuman.", link=link), adapter)
    assert caption.text == f"…\n\n{link}" and not caption.fits


def test_english_caption_uses_the_english_body_then_title_never_the_override():
    en = {"title": "Electronic passport", "body": "Electronic passports are now issued."}
    post = make_post("Paspor elektronik kini tersedia.", en=en, link=LINK, text={"x": "Teks khusus X."})
    assert build_caption(post, adapter_class("x"), english=True).text == f"{en['title']}\n\n{en['body']}\n\n{LINK}"
    assert not build_caption(post, adapter_class("x"), english=True).overridden
    assert build_caption(post, adapter_class("x")).text == "Teks khusus X."
    assert build_caption(post, adapter_class("bluesky")).text == f"{LEAD}Paspor elektronik kini tersedia.\n\n{LINK}"
    titled = make_post("Isi.", en={"title": "Electronic passport"})
    assert build_caption(titled, adapter_class("bluesky"), english=True).text == "Electronic passport"
    assert build_caption(make_post("Isi."), adapter_class("bluesky"), english=True).text == f"{LEAD}Isi."
    assert build_caption(make_post(""), adapter_class("bluesky")).text == "Judul"  # no body: the title


def test_a_caption_is_a_frozen_value():
    import dataclasses

    caption = build_caption(make_post("Isi."), adapter_class("x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        caption.text = "lain"  # type: ignore[misc]


def test_counting_names_are_the_documented_ones():
    assert [c.value for c in Counting] == ["chars", "chars_url23", "utf16", "graphemes", "x_weighted"]


# --- the cut itself, on a platform of a few characters (exact boundaries) -----------------------------------------


class Narrow:
    """A platform whose limit is ``max_chars`` code points: small enough to put every cut on its boundary."""

    name = "narrow"
    max_hashtags = None

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars

    @staticmethod
    def count(text: str) -> int:
        return len(text)


def test_a_title_over_the_limit_is_cut_after_the_last_whole_word_that_fits_exactly():
    post = make_post("x", title="aaaa bbbb cccc dddd eeee ffff")
    caption = build_caption(post, Narrow(20))
    assert caption.text == "aaaa bbbb cccc dddd…" and caption.length == 20 and caption.shortened


def test_a_single_word_title_over_the_limit_is_cut_inside_the_word_to_the_last_character_that_fits():
    caption = build_caption(make_post("x", title="abcdefghijklmnop"), Narrow(10))
    assert caption.text == "abcdefghi…" and caption.length == 10


def test_a_body_of_which_only_the_first_word_fits_keeps_that_word():
    caption = build_caption(make_post("satu dua tiga", title="T"), Narrow(len("T\n\nsatu…")))
    assert caption.text == "T\n\nsatu…"


def test_check_measures_the_override_not_the_english_caption():
    from publisher.text.captions import measure_caption

    post = make_post("Isi.", text={"x": "Teks sendiri."}, en={"title": "Title", "body": "Body."})
    measured = measure_caption(post, adapter_class("x"))
    assert measured.overridden and measured.text == "Teks sendiri."
