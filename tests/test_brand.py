"""Branding from settings: a second office (Kantor Imigrasi Kelas I TPI Medan, its own colours and logo file) on
every template, and colours failing WCAG AA refused at settings load with the variable named."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from publisher.adapters.registry import adapter_classes
from publisher.brand.identity import Brand, card_look, print_look
from publisher.brand.palette import AA_NORMAL, contrast_ratio
from publisher.cards import compose_card, render_card
from publisher.cards.templates import Frame
from publisher.infra.settings import Settings
from publisher.offline.digest import Entry, IsoWeek, compose_digest
from publisher.offline.poster import PosterSize, compose_poster
from publisher.offline.texts import radio_script, sms_text, whatsapp_text
from publisher.posts.loader import load_post
from publisher.posts.model import Kind, Post
from publisher.publishing.targets import publications

ROOT = Path(__file__).resolve().parent.parent
POSTS = ROOT / "posts"
TZ = ZoneInfo("Asia/Jakarta")
ADAPTERS = adapter_classes()
TEMPLATE_POSTS = {
    Kind.SERVICE_UPDATE: "paspor-baru",
    Kind.POLICY_CHANGE: "ralat-kebijakan-antrean-daring",
    Kind.EVENT_REMINDER: "seminar-pelayanan-prima",
}
LOGO_COLOUR = (200, 30, 160)  # a magenta found nowhere else on a card


def load(name: str) -> Post:
    result = load_post(POSTS / f"{name}.md", tz=TZ)
    assert result.post is not None, result.problems
    return result.post


@pytest.fixture(scope="module")
def medan(tmp_path_factory: pytest.TempPathFactory) -> Brand:
    logo = tmp_path_factory.mktemp("brand") / "logo.png"
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((50, 0, 250, 200), fill=(*LOGO_COLOUR, 255))
    image.save(logo)
    return Brand(
        office="Kantor Imigrasi Kelas I TPI Medan",
        address="Jl. Medan Area Selatan, Medan, Sumatera Utara",
        phone="061-7000000",
        whatsapp="0811-6000-000",
        hours="Senin–Jumat 07.30–16.00 WIB",
        site_url="https://medan.example.go.id/",
        logo=logo,
        primary="#3B0A45",
        primary_dark="#22052A",
        accent="#E0A800",
        secondary="#00695C",
    )


def test_settings_read_the_brand_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_BRAND__OFFICE", "Kantor Imigrasi Kelas I TPI Medan")
    monkeypatch.setenv("PUBLISHER_BRAND__PHONE", "061-7000000")
    monkeypatch.setenv("PUBLISHER_BRAND__PRIMARY", "#3b0a45")
    brand = Settings().brand
    assert (brand.office, brand.phone, brand.primary) == ("Kantor Imigrasi Kelas I TPI Medan", "061-7000000", "#3B0A45")
    assert brand.parent == "Kementerian Imigrasi dan Pemasyarakatan" and brand.unit == "Direktorat Jenderal Imigrasi"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ACCENT", "#444444"),
        ("ACCENT", "#B07A00"),
        ("PRIMARY", "#7A9CC6"),
        ("PRIMARY_DARK", "#6B7F99"),
        ("SECONDARY", "#9AD0C2"),
    ],
)
def test_colours_failing_wcag_aa_are_refused_naming_the_variable(monkeypatch, variable: str, value: str) -> None:
    monkeypatch.setenv(f"PUBLISHER_BRAND__{variable}", value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = str(caught.value)
    assert "WCAG AA" in message and f"PUBLISHER_BRAND__{variable}" in message, message


def test_a_logo_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "logo.png"
    bad.write_text("not an image")
    with pytest.raises(ValidationError, match="not a readable image"):
        Brand(logo=bad)


def test_every_default_look_meets_aa() -> None:
    for look in (card_look(Brand()), print_look(Brand())):
        for role, (text, ground) in look.pairs().items():
            assert contrast_ratio(text, ground) >= AA_NORMAL, role


def _check_drawn(image: Image.Image, blocks) -> None:
    for block in blocks:
        assert contrast_ratio(block.fill, block.background) >= AA_NORMAL, block


@pytest.mark.parametrize("platform", sorted(ADAPTERS))
@pytest.mark.parametrize("kind", list(TEMPLATE_POSTS))
def test_every_card_template_with_a_second_office(medan: Brand, kind: Kind, platform: str) -> None:
    post = load(TEMPLATE_POSTS[kind])
    occurrence = next((p for p in publications(post) if p.label), None)
    composition = compose_card(post, ADAPTERS[platform].card, occurrence=occurrence, brand=medan)
    texts = {b.role: b.text for b in composition.blocks}
    assert texts["office-kicker"] == "KANTOR IMIGRASI" and texts["office-name"] == "KELAS I TPI MEDAN"
    assert texts["footer"] == "Kementerian Imigrasi dan Pemasyarakatan"
    _check_drawn(composition.image, composition.blocks)
    for block in composition.blocks:  # the background declared is what was painted there
        _, most_common = max(composition.image.crop(block.box).getcolors(1 << 20))
        assert most_common == block.background, block
    colours = {c for _, c in composition.image.getcolors(1 << 22)}
    assert LOGO_COLOUR in colours  # the logo file replaced the drawn emblem
    assert (59, 10, 69) in colours  # the office's own ground


def test_card_alt_text_and_cache_key_name_the_second_office(medan: Brand, tmp_path: Path) -> None:
    from publisher.cards.cache import cache_key

    post = load("paspor-baru")
    card = render_card(post, ADAPTERS["facebook"], brand=medan)
    assert "Kantor Imigrasi Kelas I TPI Medan" in card.alt
    assert cache_key(post, ADAPTERS["facebook"], brand=medan) != cache_key(post, ADAPTERS["facebook"])


@pytest.mark.parametrize("printable", [False, True])
@pytest.mark.parametrize("size", [PosterSize.A4, PosterSize.A3])
def test_posters_with_a_second_office(medan: Brand, size: PosterSize, printable: bool) -> None:
    poster = compose_poster(load("seminar-pelayanan-prima"), medan, size=size, printable=printable)
    texts = " ".join(b.text for b in poster.blocks)
    for fact in ("Kantor Imigrasi Kelas I TPI Medan", medan.address, "0811-6000-000", medan.hours):
        assert fact in texts
    _check_drawn(poster.image, poster.blocks)


def test_digest_and_texts_with_a_second_office(medan: Brand) -> None:
    post = load("seminar-pelayanan-prima")
    _, shown = compose_digest([Entry(post, None)], IsoWeek.parse("2027-W06"), medan, TZ)
    assert shown == 1
    assert "Kantor Imigrasi Kelas I Tempat Pemeriksaan Imigrasi Medan" in radio_script(post, medan, TZ)
    assert "nol delapan satu satu" in radio_script(post, medan, TZ)  # the WhatsApp number, read digit by digit
    assert "061-7000000" in whatsapp_text(post, medan, TZ) and "0811-6000-000" in whatsapp_text(post, medan, TZ)
    assert "0811-6000-000" in sms_text(post, medan, TZ).text


def test_a_long_office_name_stays_inside_the_card() -> None:
    brand = Brand(office="Kantor Imigrasi Kelas I Khusus Tempat Pemeriksaan Imigrasi Jakarta Selatan")
    for platform in ("instagram", "x"):
        spec = ADAPTERS[platform].card
        composition = compose_card(load("paspor-baru"), spec, brand=brand)
        name = next(b for b in composition.blocks if b.role == "office-name")
        assert name.text == "KELAS I KHUSUS TEMPAT PEMERIKSAAN IMIGRASI JAKARTA SELATAN"
        assert name.box[2] <= spec.width - Frame(spec.width, spec.height).margin
