"""Numbers, dates and times as spoken Indonesian, for a script read aloud on radio or a mosque loudspeaker.

    number_words(2027)            -> "dua ribu dua puluh tujuh"
    date_words(datetime(...))     -> "Rabu, sepuluh Februari dua ribu dua puluh tujuh"
    time_words(9, 0, "WIB")       -> "pukul sembilan pagi Waktu Indonesia Barat"
    speakable(text)               -> the text with numbers, dates, times and abbreviations spelled out

Pure functions, no settings: a year is read as a plain number (Indonesian reads 2027 as "dua ribu dua puluh
tujuh", never in pairs), a clock time on the twelve-hour dial with the part of the day, as announcers say it.
"""

from __future__ import annotations

import re
from datetime import datetime

from publisher.text.dates import DAYS, MONTHS, zone_name

UNITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu"))

ZONES = {"WIB": "Waktu Indonesia Barat", "WITA": "Waktu Indonesia Tengah", "WIT": "Waktu Indonesia Timur"}
# Abbreviations a reader would stumble on or spell out letter by letter; whole words only, case as written.
ABBREVIATIONS = {
    **ZONES,
    "WNA": "warga negara asing",
    "WNI": "warga negara Indonesia",
    "SKM": "Survei Kepuasan Masyarakat",
    "IKM": "Indeks Kepuasan Masyarakat",
    "KTP": "Kartu Tanda Penduduk",
    "KK": "Kartu Keluarga",
    "TPI": "Tempat Pemeriksaan Imigrasi",
    "ULP": "Unit Layanan Paspor",
    "UKK": "Unit Kerja Kantor",
    "Kanim": "Kantor Imigrasi",
    "Ditjen": "Direktorat Jenderal",
    "Kemenimipas": "Kementerian Imigrasi dan Pemasyarakatan",
    "M-Paspor": "em paspor",
    "e-Paspor": "paspor elektronik",
    "Jl.": "Jalan",
    "No.": "nomor",
    "Kec.": "Kecamatan",
    "Kab.": "Kabupaten",
    "dll.": "dan lain-lain",
    "dsb.": "dan sebagainya",
    "a.n.": "atas nama",
    "s.d.": "sampai dengan",
}

MONTH_PATTERN = "|".join(MONTHS)
DATE = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+(\d{{4}}))?\b")
# 08.00 or 8:30, optionally followed by a zone; "1.000" has three digits after the dot and stays a number.
TIME = re.compile(r"(?:\bpukul\s+)?\b([01]?\d|2[0-3])[.:]([0-5]\d)(?!\d)(?:\s*(WIB|WITA|WIT)\b)?", re.IGNORECASE)
MONEY = re.compile(r"\bRp\.?\s?(\d{1,3}(?:\.\d{3})+|\d+)(?:,-)?")
RANGE = re.compile(r"(?<=\d)\s*[–-]\s*(?=\d)|\s*–\s*")  # 08.00–12.00, Senin–Jumat: "sampai"
NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+")
PERCENT = re.compile(r"(\d)\s*%")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def number_words(n: int) -> str:
    """A whole number as spoken Indonesian: 0 "nol", 11 "sebelas", 100 "seratus", 1000 "seribu", 1,500,000
    "satu juta lima ratus ribu"."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 10:
        return UNITS[n]
    if n < 100:
        return _below_hundred(n)
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{UNITS[hundreds]} ratus"
        return head if rest == 0 else f"{head} {number_words(rest)}"
    for scale, name in SCALES:
        if n >= scale:
            count, rest = divmod(n, scale)
            head = "seribu" if scale == 1000 and count == 1 else f"{number_words(count)} {name}"
            return head if rest == 0 else f"{head} {number_words(rest)}"
    raise AssertionError(n)  # unreachable: every n >= 1000 has a scale


def _below_hundred(n: int) -> str:
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{UNITS[n - 10]} belas"
    tens, rest = divmod(n, 10)
    head = f"{UNITS[tens]} puluh"
    return head if rest == 0 else f"{head} {UNITS[rest]}"


def digits_words(text: str) -> str:
    """A phone number digit by digit ("0739-21000" → "nol tujuh tiga sembilan, dua satu nol nol nol")."""
    groups = [g for g in re.split(r"[^\d+]+", text) if g]
    return ", ".join(" ".join("plus" if c == "+" else UNITS[int(c)] for c in group) for group in groups)


def year_words(year: int) -> str:
    return number_words(year)


def date_words(moment: datetime, *, weekday: bool = True) -> str:
    """``Rabu, sepuluh Februari dua ribu dua puluh tujuh``."""
    text = f"{number_words(moment.day)} {MONTHS[moment.month - 1]} {year_words(moment.year)}"
    return f"{DAYS[moment.weekday()]}, {text}" if weekday else text


def day_part(hour: int) -> str:
    """The part of the day an announcer adds to a twelve-hour time."""
    if 4 <= hour < 11:
        return "pagi"
    if 11 <= hour < 15:
        return "siang"
    if 15 <= hour < 19:
        return "sore"
    return "malam"


def time_words(hour: int, minute: int = 0, zone: str | None = None) -> str:
    """``pukul sembilan pagi Waktu Indonesia Barat``; 13.30 → ``pukul satu lewat tiga puluh menit siang``."""
    dial = hour % 12 or 12
    text = f"pukul {number_words(dial)}"
    if minute:
        text += f" lewat {number_words(minute)} menit"
    text += f" {day_part(hour)}"
    if zone:
        text += f" {ZONES.get(zone, zone)}"
    return text


def moment_words(moment: datetime) -> str:
    """Date and time of an aware datetime in its own zone: ``Rabu, sepuluh Februari ..., pukul sembilan pagi WIB``
    with the zone spelled out."""
    return f"{date_words(moment)}, {time_words(moment.hour, moment.minute, zone_name(moment))}"


def speakable(text: str) -> str:
    """``text`` as it should be read aloud: links dropped, abbreviations expanded, dates, times, percentages
    and numbers in words, hashtags and Markdown marks gone."""
    text = URL.sub("", text)
    text = re.sub(r"#(\w+)", "", text)
    text = re.sub(r"[*_`]", "", text)
    text = DATE.sub(_spoken_date, text)
    text = RANGE.sub(" sampai ", text)
    text = TIME.sub(_spoken_time, text)
    text = PERCENT.sub(r"\1 persen", text)
    text = MONEY.sub(lambda m: f"{m.group(1)} rupiah", text)
    text = NUMBER.sub(lambda m: number_words(int(m.group(0).replace(".", ""))), text)
    for short, long in ABBREVIATIONS.items():
        text = re.sub(rf"(?<![\w-]){re.escape(short)}(?![\w-])", long, text)
    return re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"[ \t]+", " ", text)).strip()


def _spoken_date(match: re.Match[str]) -> str:
    day, month, year = match.group(1), match.group(2), match.group(3)
    text = f"{number_words(int(day))} {month}"
    return f"{text} {year_words(int(year))}" if year else text


def _spoken_time(match: re.Match[str]) -> str:
    return time_words(int(match.group(1)), int(match.group(2)), match.group(3))
