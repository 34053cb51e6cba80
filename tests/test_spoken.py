"""Spoken Indonesian: numbers 0–9,999 and beyond, years, dates, times, and a text made speakable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from publisher.offline.spoken import (
    date_words,
    digits_words,
    moment_words,
    number_words,
    speakable,
    time_words,
    year_words,
)

NUMBERS = [
    (0, "nol"),
    (1, "satu"),
    (7, "tujuh"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (1945, "seribu sembilan ratus empat puluh lima"),
    (2000, "dua ribu"),
    (2011, "dua ribu sebelas"),
    (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
    (10_000, "sepuluh ribu"),
    (11_000, "sebelas ribu"),
    (100_000, "seratus ribu"),
    (350_000, "tiga ratus lima puluh ribu"),
    (1_000_000, "satu juta"),
    (1_500_000, "satu juta lima ratus ribu"),
    (2_000_000_000, "dua miliar"),
    (3_000_000_000_000, "tiga triliun"),
]


@pytest.mark.parametrize(("number", "words"), NUMBERS)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


def test_every_number_to_9999_is_words_only_and_distinct() -> None:
    spoken = [number_words(n) for n in range(10_000)]
    assert len(set(spoken)) == 10_000
    assert all(text.replace(" ", "").isalpha() for text in spoken)
    assert all("  " not in text and text == text.strip() for text in spoken)


@pytest.mark.parametrize(
    ("year", "words"),
    [(1998, "seribu sembilan ratus sembilan puluh delapan"), (2024, "dua ribu dua puluh empat"),
     (2027, "dua ribu dua puluh tujuh"), (2100, "dua ribu seratus")],
)  # fmt: skip
def test_year_words(year: int, words: str) -> None:
    assert year_words(year) == words


WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2027, 2, 10, 9, 0, tzinfo=WIB),
         "Rabu, sepuluh Februari dua ribu dua puluh tujuh, pukul sembilan pagi Waktu Indonesia Barat"),
        (datetime(2026, 12, 1, 13, 30, tzinfo=WITA),
         "Selasa, satu Desember dua ribu dua puluh enam, pukul satu lewat tiga puluh menit siang "
         "Waktu Indonesia Tengah"),
        (datetime(2027, 8, 17, 19, 5, tzinfo=WIT),
         "Selasa, tujuh belas Agustus dua ribu dua puluh tujuh, pukul tujuh lewat lima menit malam "
         "Waktu Indonesia Timur"),
    ],
)  # fmt: skip
def test_moment_words(moment: datetime, words: str) -> None:
    assert moment_words(moment) == words


def test_date_words_without_weekday() -> None:
    assert date_words(datetime(2027, 1, 4), weekday=False) == "empat Januari dua ribu dua puluh tujuh"


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [(0, 0, "pukul dua belas malam"), (4, 0, "pukul empat pagi"), (10, 45, "pukul sepuluh lewat empat puluh lima "
     "menit pagi"), (12, 0, "pukul dua belas siang"), (15, 0, "pukul tiga sore"), (18, 59, "pukul enam lewat "
     "lima puluh sembilan menit sore"), (21, 0, "pukul sembilan malam")],
)  # fmt: skip
def test_time_words_on_the_twelve_hour_dial_with_the_part_of_the_day(hour: int, minute: int, words: str) -> None:
    assert time_words(hour, minute) == words


def test_phone_numbers_are_read_digit_by_digit() -> None:
    assert digits_words("0739-21000") == "nol tujuh tiga sembilan, dua satu nol nol nol"
    assert digits_words("+62 811") == "plus enam dua, delapan satu satu"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("mulai pukul 08.00 hingga 12.00 WIB", "mulai pukul delapan pagi hingga pukul dua belas siang "
         "Waktu Indonesia Barat"),
        ("Senin, 4 Januari 2027", "Senin, empat Januari dua ribu dua puluh tujuh"),
        ("bagi WNA dan WNI", "bagi warga negara asing dan warga negara Indonesia"),
        ("isi SKM", "isi Survei Kepuasan Masyarakat"),
        ("pukul 10.00 WITA atau 11.00 WIT", "pukul sepuluh pagi Waktu Indonesia Tengah atau pukul sebelas siang "
         "Waktu Indonesia Timur"),
        ("biaya Rp 350.000", "biaya tiga ratus lima puluh ribu rupiah"),
        ("90% selesai", "sembilan puluh persen selesai"),
        ("Senin–Jumat", "Senin sampai Jumat"),
        ("lihat https://www.imigrasi.go.id/ ya #Paspor", "lihat ya"),
        ("daftar lewat M-Paspor", "daftar lewat em paspor"),
    ],
)  # fmt: skip
def test_speakable(text: str, spoken: str) -> None:
    assert speakable(text) == spoken
