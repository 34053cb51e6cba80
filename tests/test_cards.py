"""Image cards: sizes and formats per platform, fitting, emoji, contrast, alt text, posters, photos, cache, OCR."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from PIL import Image, ImageOps

from publisher.adapters.registry import adapter_class, adapter_classes
from publisher.brand.palette import AA_NORMAL, NAVY, contrast_ratio, text_pairs
from publisher.cards import RenderedCard, compose_card, render_card
from publisher.cards import cache as card_cache
from publisher.cards.cache import cached_render_card
from publisher.cards.emoji import font_for_cluster, split_runs
from publisher.cards.encode import TooLarge, encode
from publisher.cards.fonts import BOLD, EXTRABOLD, emoji_coverage, text_coverage, text_font
from publisher.cards.layout import draw_line
from publisher.cards.poster import A4_PIXELS, compose_poster, render_poster
from publisher.cards.templates import Frame
from publisher.posts.loader import load_post
from publisher.posts.model import Kind, Post
from publisher.publishing.targets import Publication, publications

ROOT = Path(__file__).resolve().parent.parent
POSTS_DIR = ROOT / "posts"
TZ = ZoneInfo("Asia/Jakarta")
ADAPTERS = adapter_classes()
PLATFORMS = sorted(ADAPTERS)
# One example post per template; the policy change also supersedes another (the RALAT / PEMBARUAN mark).
TEMPLATE_POSTS = {
    Kind.SERVICE_UPDATE: "paspor-baru",
    Kind.POLICY_CHANGE: "ralat-kebijakan-antrean-daring",
    Kind.EVENT_REMINDER: "seminar-pelayanan-prima",
}
LONG_TITLE = (
    "Pemberitahuan Perubahan Jadwal Pelayanan Paspor, Visa, dan Izin Tinggal Selama Libur Nasional Natal dan "
    "Tahun Baru 2027 di Kantor Imigrasi Bengkulu Selatan"
)


def load(post_id: str) -> Post:
    result = load_post(POSTS_DIR / f"{post_id}.md", tz=TZ, root=POSTS_DIR)
    assert result.post is not None, result.problems
    return result.post


def example_posts() -> list[Post]:
    return [load(path.stem) for path in sorted(POSTS_DIR.glob("*.md"))]


def opened(card: RenderedCard) -> Image.Image:
    image = Image.open(io.BytesIO(card.data))
    image.load()
    return image


def variant(post_id: str, **changes) -> Post:
    return load(post_id).model_copy(update=changes)


# --- sizes and formats ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("kind", list(TEMPLATE_POSTS))
def test_every_template_renders_at_the_platforms_exact_size_and_format(kind: Kind, platform: str) -> None:
    adapter = ADAPTERS[platform]
    card = render_card(load(TEMPLATE_POSTS[kind]), adapter)
    image = opened(card)
    assert image.size == adapter.card.size == (card.width, card.height)
    assert image.format == adapter.card.format == card.format
    assert len(card.data) <= adapter.card.max_bytes
    assert image.mode == "RGB"


def test_bluesky_card_stays_under_its_byte_limit_even_for_a_noisy_photo(tmp_path: Path) -> None:
    noise = Image.effect_noise((2400, 1350), 120).convert("RGB")
    noise = Image.merge("RGB", (noise.getchannel(0), noise.rotate(90, expand=False).getchannel(0), noise.getchannel(0)))
    path = tmp_path / "noise.png"
    noise.save(path)
    adapter = adapter_class("bluesky")
    card = render_card(variant("paspor-baru", image=path), adapter)
    assert len(card.data) <= adapter.card.max_bytes == 1_000_000
    assert opened(card).size == adapter.card.size


def test_encode_lowers_jpeg_quality_until_it_fits_and_refuses_the_impossible() -> None:
    noise = Image.effect_noise((600, 400), 100).convert("RGB")
    full = encode(noise, "JPEG")
    smaller = encode(noise, "JPEG", max_bytes=len(full) * 2 // 3)
    assert len(smaller) <= len(full) * 2 // 3
    with pytest.raises(TooLarge):
        encode(noise, "JPEG", max_bytes=1000)


# --- fitting ------------------------------------------------------------------------------------------------------


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("post_id", ["seminar-pelayanan-prima", "ralat-kebijakan-antrean-daring", "paspor-baru"])
def test_the_longest_realistic_title_fits_whole_inside_the_card_and_stays_legible(post_id: str, platform: str) -> None:
    assert len(LONG_TITLE) >= 120
    spec = ADAPTERS[platform].card
    post = variant(post_id, title=LONG_TITLE)
    composition = compose_card(post, spec, occurrence=Publication(post.id, "reminder-1d", post.publish_at,
                                                                 label="Besok"))  # fmt: skip
    frame = Frame(spec.width, spec.height)
    title = composition.title
    assert title is not None
    assert title.size >= composition.title_floor >= round(0.034 * spec.width)
    assert " ".join(title.lines) == LONG_TITLE  # every word drawn, none cut off or ellipsised
    card_box = (0, 0, spec.width, spec.height)
    content_box = (frame.margin, frame.header_height, spec.width - frame.margin, spec.height - frame.footer_height)
    blocks = composition.blocks
    for block in blocks:
        assert _inside(block.box, card_box), block
    (title_block,) = [b for b in blocks if b.role == "title"]
    assert _inside(title_block.box, content_box)
    # The ink of every line (accents, descenders included) stays inside the reserved box.
    font = text_font(title.size, EXTRABOLD)
    baseline = title_block.box[1] + round(title.size * 0.98)
    for line in title.lines:
        _left, top, right, bottom = font.getbbox(line, anchor="ls")
        assert baseline + top >= title_block.box[1]
        assert baseline + bottom <= title_block.box[3]
        assert title_block.box[0] + right <= content_box[2]
        baseline += title.pitch
    # No drawn text overlaps another (title vs badges, subtitle, panel rows, bands).
    content_blocks = [b for b in blocks if b.role not in ("office-kicker", "office-name", "footer", "footer-accent")]
    for index, first in enumerate(content_blocks):
        for second in content_blocks[index + 1 :]:
            assert not _overlap(first.box, second.box), (first, second)


def test_a_single_word_wider_than_the_box_is_broken_rather_than_overflowing() -> None:
    spec = ADAPTERS["facebook"].card
    post = variant("paspor-baru", title="Kunjungi " + "imigrasibengkuluselatan" * 4)
    composition = compose_card(post, spec)
    (title_block,) = [b for b in composition.blocks if b.role == "title"]
    assert title_block.box[2] <= spec.width - Frame(spec.width, spec.height).margin


# --- emoji and missing glyphs -------------------------------------------------------------------------------------

EMOJI_TITLE = "Layanan Paspor 🛂 Kini Lebih Cepat ✅ untuk Keluarga 👨‍👩‍👧 Indonesia 🇮🇩"
EMOJI_SUBTITLE = "Datang tepat waktu ⏰ dan bawa dokumen asli 😊"


def test_run_splitting_gives_every_character_a_font_that_has_it() -> None:
    for text in (EMOJI_TITLE, EMOJI_SUBTITLE, "Rabu, 10 Februari 2027 · 09.00 WIB — “Ayo!”"):
        runs = split_runs(text)
        assert "".join(r.text for r in runs) == text  # nothing dropped: both fonts cover all of it
        for run in runs:
            coverage = emoji_coverage() if run.emoji else text_coverage()
            missing = [c for c in run.text if ord(c) not in coverage and ord(c) not in (0x200D, 0xFE0F)]
            assert not missing, (run, missing)
    assert [r.text for r in split_runs("A 🇮🇩 B") if r.emoji] == ["🇮🇩"]  # a flag stays one cluster
    assert font_for_cluster("👨‍👩‍👧") == "emoji"


def test_a_character_in_neither_font_is_dropped_not_drawn_as_tofu() -> None:
    unknown = "\U00013000\ue000"  # an Egyptian hieroglyph and a private-use character
    assert all(font_for_cluster(c) is None for c in unknown)
    assert "".join(r.text for r in split_runs(f"Paspor{unknown} Baru")) == "Paspor Baru"
    canvas = Image.new("RGB", (400, 120), NAVY)
    draw_line(canvas, canvas_draw(canvas), 10, 80, unknown, 60, BOLD, (255, 255, 255))
    assert canvas.getcolors() == [(400 * 120, NAVY)]  # nothing at all was drawn


def canvas_draw(canvas: Image.Image):
    from PIL import ImageDraw

    return ImageDraw.Draw(canvas)


def _saturated_pixels(image: Image.Image) -> int:
    hsv = image.convert("HSV")
    saturation = hsv.getchannel("S").point(lambda v: 255 if v > 120 else 0)
    value = hsv.getchannel("V").point(lambda v: 255 if v > 120 else 0)
    from PIL import ImageChops

    return ImageChops.multiply(saturation, value).histogram()[255]


@pytest.mark.parametrize("platform", ["instagram", "x"])
def test_emoji_in_title_and_subtitle_render_in_colour(platform: str) -> None:
    spec = ADAPTERS[platform].card
    with_emoji = compose_card(variant("paspor-baru", title=EMOJI_TITLE, subtitle=EMOJI_SUBTITLE), spec)
    for role in ("title", "subtitle"):
        (block,) = [b for b in with_emoji.blocks if b.role == role]
        region = with_emoji.image.crop(block.box)
        # The card's own colours in these regions are navy, white and ice blue: bright saturated pixels are emoji.
        assert _saturated_pixels(region) > 200, role


def test_emoji_in_the_poster_body_render_in_colour() -> None:
    post = variant("paspor-baru", body="Bawa dokumen asli 📄 dan datang tepat waktu ⏰. Terima kasih 🙏")
    composition = compose_poster(post)
    (block,) = [b for b in composition.blocks if b.role == "body"]
    assert _saturated_pixels(composition.image.crop(block.box)) > 500


# --- contrast -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_every_declared_text_pair_meets_wcag_aa(kind: Kind) -> None:
    for role, (text, ground) in text_pairs(kind).items():
        assert contrast_ratio(text, ground) >= AA_NORMAL, (kind, role, contrast_ratio(text, ground))


@pytest.mark.parametrize("platform", ["instagram", "facebook", "telegram"])
@pytest.mark.parametrize("kind", list(TEMPLATE_POSTS))
def test_every_drawn_text_meets_wcag_aa_on_the_colour_actually_under_it(kind: Kind, platform: str) -> None:
    post = load(TEMPLATE_POSTS[kind])
    occurrence = next((p for p in publications(post) if p.label), None)
    composition = compose_card(post, ADAPTERS[platform].card, occurrence=occurrence)
    roles = {b.role for b in composition.blocks}
    assert {"title", "badge", "office-name", "footer"} <= roles
    for block in composition.blocks:
        assert contrast_ratio(block.fill, block.background) >= AA_NORMAL, block
        # The declared background is what the renderer really painted there: the box's most common colour.
        _, most_common = max(composition.image.crop(block.box).getcolors(1 << 20))
        assert most_common == block.background, block


# --- alt text, language, reminders, corrections -------------------------------------------------------------------


@pytest.mark.parametrize("post", example_posts(), ids=lambda p: p.id)
def test_every_card_has_alt_text_from_its_own_words(post: Post) -> None:
    for platform in post.platforms:
        adapter = ADAPTERS[platform]
        card = render_card(post, adapter)
        assert card.alt.strip()
        assert post.title in card.alt
        assert len(card.alt) <= adapter.max_alt_chars
        if post.subtitle:
            assert post.subtitle in card.alt


def test_event_alt_text_reads_the_date_time_and_place_in_indonesian() -> None:
    card = render_card(load("seminar-pelayanan-prima"), ADAPTERS["instagram"])
    assert "Rabu, 10 Februari 2027" in card.alt
    assert "09.00 WIB" in card.alt
    assert "Aula Kantor Imigrasi Bengkulu Selatan, Manna" in card.alt


def test_the_posts_own_alt_text_wins() -> None:
    card = render_card(variant("paspor-baru", alt="Petugas melayani pemohon paspor."), ADAPTERS["x"])
    assert card.alt == "Petugas melayani pemohon paspor."


def test_english_card_and_alt_text() -> None:
    post = load("visa-izin-tinggal")
    adapter = ADAPTERS["instagram"]
    indonesian = render_card(post, adapter)
    english = render_card(post, adapter, english=True)
    assert english.data != indonesian.data
    assert post.en is not None and post.en.title in english.alt
    assert english.alt.startswith("Information card")
    composition = compose_card(post, adapter.card, english=True)
    texts = {b.role: b.text for b in composition.blocks}
    assert texts["badge"] == "SERVICE UPDATE"
    assert texts["title"] == post.en.title


def test_reminder_card_shows_the_countdown_badge() -> None:
    post = load("layanan-paspor-keliling")
    reminder = next(p for p in publications(post) if p.occurrence == "reminder-3d")
    assert reminder.label == "3 hari lagi"
    composition = compose_card(post, ADAPTERS["instagram"].card, occurrence=reminder)
    assert [b.text for b in composition.blocks if b.role == "countdown"] == ["3 HARI LAGI"]
    english = compose_card(post, ADAPTERS["instagram"].card, occurrence=reminder, english=True)
    assert [b.text for b in english.blocks if b.role == "countdown"] == ["3 HARI LAGI"]  # no `en`: stays Indonesian
    card = render_card(post, ADAPTERS["instagram"], occurrence=reminder)
    assert "3 hari lagi" in card.alt
    assert card.data != render_card(post, ADAPTERS["instagram"]).data


def test_a_correction_carries_the_ralat_mark_and_others_do_not() -> None:
    spec = ADAPTERS["instagram"].card
    ralat = compose_card(load("ralat-kebijakan-antrean-daring"), spec)
    assert "RALAT / PEMBARUAN" in [b.text for b in ralat.blocks if b.role == "correction"]
    plain = compose_card(load("kebijakan-antrean-daring"), spec)
    assert not [b for b in plain.blocks if b.role == "correction"]
    assert "RALAT / PEMBARUAN" in render_card(load("ralat-kebijakan-antrean-daring"), ADAPTERS["x"]).alt


# --- the post's own image -----------------------------------------------------------------------------------------


def test_a_posts_own_image_is_fitted_upright_with_exif_stripped(tmp_path: Path) -> None:
    # Stored landscape (red left half, blue right half) with EXIF orientation 6: shown upright it is portrait
    # with red on top.
    stored = Image.new("RGB", (800, 400), (220, 0, 0))
    stored.paste((0, 0, 220), (400, 0, 800, 400))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # Make
    path = tmp_path / "photo.jpg"
    stored.save(path, exif=exif.tobytes(), quality=95)
    for platform in ("instagram", "x"):
        adapter = ADAPTERS[platform]
        card = render_card(variant("paspor-baru", image=path), adapter)
        image = opened(card)
        assert image.size == adapter.card.size and image.format == adapter.card.format
        assert not image.getexif() and "exif" not in image.info
        assert b"SecretCam" not in card.data
        rgb = image.convert("RGB")
        middle_x = image.width // 2
        top = rgb.getpixel((middle_x, image.height // 2 - image.height // 8 if platform == "x" else image.height // 4))
        bottom = rgb.getpixel(
            (middle_x, image.height // 2 + image.height // 8 if platform == "x" else 3 * image.height // 4)
        )
        assert top[0] > 150 and top[2] < 100, top  # red above
        assert bottom[2] > 150 and bottom[0] < 100, bottom  # blue below
        assert card.alt  # generated from the post when the image has no alt of its own


# --- poster -------------------------------------------------------------------------------------------------------


def test_poster_pdf_is_one_a4_page() -> None:
    data = render_poster(load("seminar-pelayanan-prima"), fmt="PDF")
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert len(boxes) == 1
    x0, y0, x1, y1 = (float(v) for v in boxes[0])
    assert (round(x1 - x0), round(y1 - y0)) == (595, 842)


def test_poster_png_is_a4_at_300_dpi_with_the_body_text() -> None:
    data = render_poster(load("layanan-paspor-keliling"), fmt="PNG")
    image = Image.open(io.BytesIO(data))
    assert image.size == A4_PIXELS == (2480, 3508)
    assert round(image.info["dpi"][0]) == 300
    composition = compose_poster(load("layanan-paspor-keliling"))
    assert any(b.role == "body" and "Kecamatan Kedurang" in b.text for b in composition.blocks)


def test_poster_cli_writes_pdf_or_png_and_fails_clearly_on_a_missing_id(tmp_path: Path, monkeypatch) -> None:
    from publisher.cli import cli

    monkeypatch.setenv("PUBLISHER_POSTS_DIR", str(POSTS_DIR))
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["poster", "seminar-pelayanan-prima", "--out", str(tmp_path / "poster.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "poster.pdf").read_bytes().startswith(b"%PDF")
    result = runner.invoke(cli, ["poster", "paspor-baru", "--out", str(tmp_path / "poster.png")])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "poster.png").size == A4_PIXELS
    result = runner.invoke(cli, ["poster", "no-such-post", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "no-such-post" in result.output
    assert not (tmp_path / "x.pdf").exists()


# --- render cache -------------------------------------------------------------------------------------------------


def test_an_unchanged_card_is_never_rendered_twice(tmp_path: Path, monkeypatch) -> None:
    post = load("seminar-pelayanan-prima")
    adapter = ADAPTERS["instagram"]
    first = cached_render_card(post, adapter, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.jpg"))) == 1

    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(card_cache, "render_card", must_not_render)
    again = cached_render_card(post, adapter, cache_dir=tmp_path)
    assert again == first
    monkeypatch.undo()

    reminder = next(p for p in publications(post) if p.label == "Besok")
    changed = [
        cached_render_card(post.model_copy(update={"title": post.title + " 2027"}), adapter, cache_dir=tmp_path),
        cached_render_card(post, adapter, occurrence=reminder, cache_dir=tmp_path),
        cached_render_card(post, ADAPTERS["x"], cache_dir=tmp_path),
    ]
    assert len({c.data for c in [first, *changed]}) == 4
    assert len(list(tmp_path.glob("*.json"))) == 4


def test_cache_defaults_to_the_state_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    cached_render_card(load("paspor-baru"), ADAPTERS["facebook"])
    assert list((tmp_path / "state" / "cards").glob("*.png"))


# --- OCR ----------------------------------------------------------------------------------------------------------


def _tesseract_skip_reason() -> str | None:
    binary = shutil.which("tesseract")
    if binary is None:
        return "the tesseract binary is not installed (apt-get install tesseract-ocr tesseract-ocr-ind)"
    listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, check=False)
    if "ind" not in (listed.stdout + listed.stderr).split():
        return "tesseract has no Indonesian data (apt-get install tesseract-ocr-ind)"
    return None


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[0-9a-z]+", text.lower()) if w]


@pytest.mark.tool("tesseract")
@pytest.mark.skipif(_tesseract_skip_reason() is not None, reason=_tesseract_skip_reason() or "")
@pytest.mark.parametrize("post", example_posts(), ids=lambda p: p.id)
def test_ocr_reads_back_the_title(post: Post, tmp_path: Path) -> None:
    spec = ADAPTERS[post.platforms[0]].card
    image = compose_card(post, spec).image
    # Tesseract reads black ink on white paper best: invert the navy card and threshold it (anti-aliased edges
    # otherwise make it read a bold "11" as "TI").
    path = tmp_path / "card.png"
    ImageOps.invert(image.convert("L")).point(lambda v: 0 if v < 140 else 255).save(path)
    result = subprocess.run(
        ["tesseract", str(path), "-", "-l", "ind"], capture_output=True, text=True, check=True, timeout=120
    )
    read = set(_words(result.stdout))
    expected = _words(post.title)
    found = [w for w in expected if w in read]
    assert len(found) / len(expected) >= 0.95, (expected, result.stdout)


def test_the_emoji_font_ships_with_the_package_and_its_licence() -> None:
    from publisher.cards.fonts import ASSETS, EMOJI_FONT_PATH

    assert EMOJI_FONT_PATH.is_file() and EMOJI_FONT_PATH.parent == ASSETS
    assert "SIL OPEN FONT LICENSE Version 1.1" in (ASSETS / "NotoColorEmoji-LICENSE.txt").read_text()
    assert 0x1F600 in emoji_coverage() and ord("a") in text_coverage()


# --- performance work: the faster paths must give the same cards ------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_reminder_drawn_from_the_shared_stem_matches_one_drawn_in_full(platform: str) -> None:
    """compose() draws a reminder as the post's cached card plus the countdown pill; it must be the very card that
    drawing everything in order gives (pixels, text blocks and their order, the title)."""
    from dataclasses import replace

    from publisher.cards import templates
    from publisher.cards.content import build_content

    spec = ADAPTERS[platform].card
    for post_id in (*TEMPLATE_POSTS.values(), "layanan-paspor-keliling"):
        for english in (False, True):
            for countdown in (None, "BESOK", "3 HARI LAGI", "HARI INI — 7 JAM LAGI 🎉"):
                content = replace(build_content(load(post_id), english=english), countdown=countdown)
                full = templates._compose(content, spec.width, spec.height, with_body=False)
                shared = templates.compose(content, spec.width, spec.height)
                assert shared.image.tobytes() == full.image.tobytes(), (post_id, english, countdown)
                assert shared.blocks == full.blocks and shared.title == full.title
                assert shared.image is not templates.compose(content, spec.width, spec.height).image


def test_drawing_on_a_composed_card_does_not_change_the_next_one() -> None:
    spec = ADAPTERS["instagram"].card
    post = load("paspor-baru")
    first = compose_card(post, spec).image
    expected = first.tobytes()
    first.paste((255, 0, 0), (0, 0, spec.width, spec.height))
    assert compose_card(post, spec).image.tobytes() == expected


def test_a_drawn_png_card_is_lossless_minimal_and_smaller_than_pillows() -> None:
    from publisher.cards.encode import PNG_COMPRESS_LEVEL, png_unfiltered

    image = compose_card(load("seminar-pelayanan-prima"), ADAPTERS["x"].card).image
    data = encode(image, "PNG", flat=True)
    assert data == png_unfiltered(image)
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    assert decoded.format == "PNG" and decoded.mode == "RGB" and decoded.size == image.size
    assert decoded.tobytes() == image.tobytes()
    assert not decoded.info  # no text, EXIF, ICC or dpi chunks
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]
    pillow = io.BytesIO()
    image.save(pillow, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    assert len(data) <= len(pillow.getvalue())


def test_a_photo_png_keeps_pillows_filtered_encoder(tmp_path: Path) -> None:
    noise = Image.effect_noise((320, 200), 60).convert("RGB")
    assert encode(noise, "PNG") != encode(noise, "PNG", flat=True)
    for data in (encode(noise, "PNG"), encode(noise, "PNG", flat=True)):
        assert Image.open(io.BytesIO(data)).tobytes() == noise.tobytes()


def test_cards_drawn_from_several_threads_are_identical_to_serial_ones():
    """A Celery thread pool renders in one process: the shared fonts and caches must not mix cards up."""
    from concurrent.futures import ThreadPoolExecutor

    from publisher.adapters.registry import adapter_classes
    from publisher.infra.settings import Settings
    from publisher.posts.check import check_paths

    posts_dir = Path(__file__).parent.parent / "posts"
    posts = check_paths([posts_dir], Settings(posts_dir=posts_dir)).posts[:4]
    jobs = [(post, adapter) for post in posts for adapter in adapter_classes().values()]
    serial = [render_card(post, adapter).data for post, adapter in jobs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda job: render_card(*job).data, jobs))
    assert threaded == serial
