"""The SKM facts of PermenPAN-RB 14/2017 as data, each pinned: the nine unsur, the categories' words, the
periods as the office writes them, rounding halves away from zero, and refusing an empty survey."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest

from publisher.listening.skm import (
    COLUMNS,
    HIGHEST_SCORE,
    LOWEST_SCORE,
    UNSUR,
    Category,
    Period,
    SkmResult,
    round_half_up,
)


def test_the_nine_unsur_in_questionnaire_order():
    assert UNSUR == (
        "Persyaratan",
        "Sistem, Mekanisme, dan Prosedur",
        "Waktu Penyelesaian",
        "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan",
        "Kompetensi Pelaksana",
        "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Sarana dan Prasarana",
    )
    assert COLUMNS == ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
    assert (LOWEST_SCORE, HIGHEST_SCORE) == (1, 4)


def test_categories_and_their_words():
    assert [c.value for c in Category] == ["A", "B", "C", "D"]
    assert [c.mutu for c in Category] == ["Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik"]


@pytest.mark.parametrize(
    ("text", "label", "slug"),
    [
        ("2026", "Tahun 2026", "2026"),
        ("2026-Q1", "Triwulan I 2026", "2026-q1"),
        ("2026-q2", "Triwulan II 2026", "2026-q2"),
        ("2026-Q3", "Triwulan III 2026", "2026-q3"),
        ("2026-Q4", "Triwulan IV 2026", "2026-q4"),
        ("2026-S1", "Semester I 2026", "2026-s1"),
        ("2026-S2", "Semester II 2026", "2026-s2"),
        ("2026-01", "Januari 2026", "2026-01"),
        ("2026-12", "Desember 2026", "2026-12"),
    ],
)
def test_periods_as_the_office_writes_them(text, label, slug):
    period = Period.parse(f" {text} ")
    assert (period.label, period.slug, period.text) == (label, slug, text.upper())


@pytest.mark.parametrize("text", ["2026-Q5", "2026-S3", "2026-13", "26-Q1", "Q4-2026", ""])
def test_a_period_the_regulation_does_not_know_is_refused_with_the_forms_it_takes(text):
    with pytest.raises(ValueError, match=r"2026-Q4 \(triwulan\), 2026-S2 \(semester\), 2026-12 or 2026"):
        Period.parse(text)


def test_a_period_and_a_result_are_values():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Period.parse("2026").text = "2027"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SkmResult.from_scores([(4,) * 9]).respondents = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(88305, 1000), Decimal("88.31")),
        (Fraction(-88305, 1000), Decimal("-88.31")),
        (Fraction(-1, 1000), Decimal("0.00")),
        (Fraction(-1, 200), Decimal("-0.01")),
        (Fraction(1, 3), Decimal("0.33")),
    ],
)
def test_halves_round_away_from_zero_on_both_sides(value, expected):
    assert round_half_up(value) == expected


def test_nrr_published_to_two_places_by_default():
    result = SkmResult.from_scores([(3,) * 9, (4,) * 9, (4,) * 9])
    assert result.nrr_published() == (Decimal("3.67"),) * 9
    assert result.nrr_published(3) == (Decimal("3.667"),) * 9


def test_an_empty_survey_is_refused():
    with pytest.raises(ValueError, match="no responses"):
        SkmResult.from_scores([])
