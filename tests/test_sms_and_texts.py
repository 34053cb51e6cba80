"""SMS segments as a phone counts them, and the radio, WhatsApp and SMS forms of the example posts."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from publisher.brand.identity import Brand
from publisher.cli import cli
from publisher.offline.sms import Encoding, count_sms, is_gsm7, to_gsm7
from publisher.offline.texts import RADIO_WORDS, WHATSAPP_CHARS, radio_script, sms_text, whatsapp_text
from publisher.posts.loader import load_post
from publisher.posts.model import Post

ROOT = Path(__file__).resolve().parent.parent
POSTS = ROOT / "posts"
TZ = ZoneInfo("Asia/Jakarta")
BRAND = Brand()


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("€" * 80, Encoding.GSM7, 160, 1),  # extension-table characters count two septets
        ("[" * 81, Encoding.GSM7, 162, 2),
        ("a" * 152 + "{" + "a" * 10, Encoding.GSM7, 164, 2),  # the escape pair is never split across segments
        ("a" * 152 + "{" + "a" * 152, Encoding.GSM7, 306, 3),
        ("Pukul 09.00 WIB, Aula Kantor Imigrasi: é à ñ Ü ß", Encoding.GSM7, 48, 1),  # accents in the basic set
        ("ê", Encoding.UCS2, 1, 1),
        ("a" * 69 + "’", Encoding.UCS2, 70, 1),
        ("a" * 70 + "’", Encoding.UCS2, 71, 2),
        ("a" * 133 + "“", Encoding.UCS2, 134, 2),
        ("😀" * 35, Encoding.UCS2, 70, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, Encoding.UCS2, 72, 2),
        ("a" * 66 + "😀" + "a" * 66, Encoding.UCS2, 134, 3),  # a surrogate pair is never split
    ],
)
def test_segments_as_a_phone_counts_them(text: str, encoding: Encoding, units: int, segments: int) -> None:
    counted = count_sms(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_ucs2_names_the_characters_that_forced_it_and_the_gsm7_form_fits_gsm7() -> None:
    text = "Layanan Senin–Jumat, “gratis” ✅ di Kantor Imigrasi"
    counted = count_sms(text)
    assert counted.encoding is Encoding.UCS2
    assert counted.outside_gsm == ("–", "“", "”", "✅")
    plain = to_gsm7(text)
    assert plain == 'Layanan Senin-Jumat, "gratis" di Kantor Imigrasi'
    assert is_gsm7(plain) and count_sms(plain).encoding is Encoding.GSM7


def load(name: str) -> Post:
    result = load_post(POSTS / f"{name}.md", tz=TZ)
    assert result.post is not None, result.problems
    return result.post


EXAMPLES = sorted(p.stem for p in POSTS.glob("*.md"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_radio_script_is_spoken_words_within_a_minute(name: str) -> None:
    script = radio_script(load(name), BRAND, TZ)
    assert len(script.split()) <= RADIO_WORDS
    assert script.startswith("Perhatian, perhatian. Berikut pengumuman dari Kantor Imigrasi Bengkulu Selatan.")
    assert script.endswith("Atas perhatiannya, kami ucapkan terima kasih.")
    assert not re.search(r"\d", script), "digits are read as words"
    assert "http" not in script and "www" not in script and "#" not in script
    assert not re.search(r"\b(WIB|WITA|WIT|WNA|WNI|SKM|KTP)\b", script)
    assert "nol tujuh tiga sembilan" in script  # where to ask instead of a link: the office's number


def test_seminar_radio_script_reads_the_date_and_time_aloud() -> None:
    script = radio_script(load("seminar-pelayanan-prima"), BRAND, TZ)
    assert ("Rabu, sepuluh Februari dua ribu dua puluh tujuh, pukul sembilan pagi Waktu Indonesia Barat, "
            "bertempat di Aula Kantor Imigrasi Bengkulu Selatan, Manna.") in script  # fmt: skip


@pytest.mark.parametrize("name", EXAMPLES)
def test_whatsapp_text(name: str) -> None:
    post = load(name)
    text = whatsapp_text(post, BRAND, TZ)
    assert len(text) <= WHATSAPP_CHARS
    assert text.startswith(f"*{post.title}*\n")
    assert (post.link or BRAND.site_url) in text
    assert BRAND.phone in text


@pytest.mark.parametrize("name", EXAMPLES)
def test_sms_fits_two_segments_with_the_office_number(name: str) -> None:
    sms = sms_text(load(name), BRAND, TZ)
    assert sms.count.segments <= 2
    assert BRAND.phone in sms.text


def test_a_long_title_outside_gsm7_is_cut_to_two_ucs2_segments_and_offered_in_gsm7() -> None:
    post = load("seminar-pelayanan-prima").model_copy(update={"title": "“Sosialisasi” Pelayanan Prima " * 8})
    sms = sms_text(post, BRAND, TZ)
    assert sms.count.encoding is Encoding.UCS2 and sms.count.segments <= 2
    assert BRAND.phone in sms.text
    assert sms.gsm7 is not None and is_gsm7(sms.gsm7)


@pytest.fixture
def posts_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_POSTS_DIR", str(POSTS))


@pytest.mark.parametrize("fmt", ["radio", "whatsapp", "sms"])
def test_announce_cli_prints_each_form(posts_env: None, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["announce", "seminar-pelayanan-prima", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "Seminar Sosialisasi Pelayanan Prima" in result.stdout


def test_announce_sms_warns_and_offers_gsm7_when_ucs2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (POSTS / "paspor-baru.md").read_text(encoding="utf-8").replace("title: Cara", "title: “Cara”")
    (tmp_path / "paspor-baru.md").write_text(text, encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_POSTS_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["announce", "paspor-baru", "--format", "sms"])
    assert result.exit_code == 0, result.output
    assert "“Cara”" in result.stdout
    assert "UCS-2" in result.stderr and "warning:" in result.stderr and '"Cara"' in result.stderr
    plain = CliRunner().invoke(cli, ["announce", "paspor-baru", "--format", "sms", "--gsm7"])
    assert '"Cara"' in plain.stdout and is_gsm7(plain.stdout.strip())


def test_announce_unknown_post_and_format(posts_env: None) -> None:
    assert CliRunner().invoke(cli, ["announce", "nope", "--format", "sms"]).exit_code == 1
    assert CliRunner().invoke(cli, ["announce", "paspor-baru", "--format", "fax"]).exit_code == 2
