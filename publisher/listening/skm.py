"""The SKM arithmetic of PermenPAN-RB 14/2017 (Pedoman Penyusunan Survei Kepuasan Masyarakat), exactly.

Each respondent scores the nine *unsur* 1–4. Per unsur the NRR (nilai rata-rata) is the mean score; the index is

    IKM = Σ (NRR_i × 1/9) × 25        (the weight 1/9 is exact here: rounding it to 0.111 shifts IKM by ~0.1,
                                        to 0.1111 still by ~0.01, enough to cross a band edge)

computed with ``Fraction`` so nothing is rounded until the two-decimal value that is published.

Bands (Nilai Interval Konversi → mutu pelayanan): 88.31–100.00 A *Sangat Baik*, 76.61–88.30 B *Baik*,
65.00–76.60 C *Kurang Baik*, 25.00–64.99 D *Tidak Baik*. The table has gaps between its two-decimal edges
(88.30 … 88.31); the category is decided on the published value, the IKM rounded half-up to two decimals, so
88.305 is published as 88.31 and is A, 88.3049… is 88.30 and is B. The number printed and its letter never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from publisher.text.dates import MONTHS

# The nine unsur of the regulation's Lampiran, in questionnaire order (U1 … U9). PermenPAN-RB 16/2014, which it
# replaced, had "Maklumat Pelayanan" where 14/2017 has "Sarana dan Prasarana".
UNSUR = (
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
COLUMNS = tuple(f"U{i}" for i in range(1, len(UNSUR) + 1))
LOWEST_SCORE, HIGHEST_SCORE = 1, 4
WEIGHT = Fraction(1, len(UNSUR))
SCALE = 25  # turns the 1–4 average into 25–100


class Category(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def mutu(self) -> str:
        """The regulation's words for the category (mutu pelayanan)."""
        return MUTU[self]


MUTU = {Category.A: "Sangat Baik", Category.B: "Baik", Category.C: "Kurang Baik", Category.D: "Tidak Baik"}
# Lower edge of each band on the two-decimal published value, best first.
BANDS = ((Decimal("88.31"), Category.A), (Decimal("76.61"), Category.B), (Decimal("65.00"), Category.C))


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """``value`` to ``places`` decimals, halves away from zero (the way the results are read aloud and printed)."""
    scaled = abs(value) * 10**places
    whole = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def category_of(ikm: Fraction | Decimal | float) -> Category:
    """The band of an IKM, judged on its two-decimal published value (see the module's note on the gaps)."""
    if isinstance(ikm, Fraction):
        published = round_half_up(ikm)
    else:
        published = round_half_up(Fraction(Decimal(str(ikm))))
    for lower, category in BANDS:
        if published >= lower:
            return category
    return Category.D


@dataclass(frozen=True)
class SkmResult:
    """The survey's figures: ``totals[i]`` is the sum of all scores given to unsur i+1."""

    respondents: int
    totals: tuple[int, ...]

    @classmethod
    def from_scores(cls, rows: Sequence[Sequence[int]]) -> SkmResult:
        if not rows:
            raise ValueError("no responses")
        totals = tuple(sum(row[i] for row in rows) for i in range(len(UNSUR)))
        return cls(len(rows), totals)

    @property
    def nrr(self) -> tuple[Fraction, ...]:
        return tuple(Fraction(total, self.respondents) for total in self.totals)

    @property
    def ikm(self) -> Fraction:
        return sum((value * WEIGHT for value in self.nrr), Fraction(0)) * SCALE

    @property
    def ikm_published(self) -> Decimal:
        return round_half_up(self.ikm)

    @property
    def category(self) -> Category:
        return category_of(self.ikm)

    def nrr_published(self, places: int = 2) -> tuple[Decimal, ...]:
        return tuple(round_half_up(value, places) for value in self.nrr)


# --- the period a survey covers ----------------------------------------------------------------------------

PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|S[12]|0[1-9]|1[0-2]))?$", re.IGNORECASE)
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


@dataclass(frozen=True)
class Period:
    """``2026-Q4`` (triwulan), ``2026-S2`` (semester), ``2026-12`` (month) or ``2026`` (year)."""

    text: str

    @classmethod
    def parse(cls, value: str) -> Period:
        match = PERIOD.match(value.strip())
        if not match:
            raise ValueError(f"period {value!r}: write 2026-Q4 (triwulan), 2026-S2 (semester), 2026-12 or 2026")
        return cls(value.strip().upper())

    @property
    def slug(self) -> str:
        return self.text.lower()

    @property
    def label(self) -> str:
        """The period as the office writes it: "Triwulan IV 2026", "Semester II 2026", "Desember 2026"."""
        year, _, part = self.text.partition("-")
        if not part:
            return f"Tahun {year}"
        if part[0] in "QS":
            return f"{'Triwulan' if part[0] == 'Q' else 'Semester'} {ROMAN[part[1]]} {year}"
        return f"{MONTHS[int(part) - 1]} {year}"
