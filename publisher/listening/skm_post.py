"""The draft results post of an SKM import, in Indonesian: front matter (with the ``skm:`` figures its card draws)
and a body giving the index, the category, the respondents and each unsur's NRR.

It is written as ``status: draft``: the comms team reads it, edits the words if they like, sets ``ready`` and it
goes through review → approve → publish like any post. Platforms whose caption limit the body exceeds get a short
``text:`` caption of their own, so ``publisher check`` passes without shortening anything silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import yaml

from publisher.listening.skm import COLUMNS, UNSUR, Period, SkmResult

OFFICE = "Kantor Imigrasi Bengkulu Selatan"
HASHTAGS = ["ImigrasiBengkuluSelatan", "SurveiKepuasanMasyarakat"]
HASHTAG_ROOM = 60  # what the caption builder may append for the hashtags above


def decimal_id(value: Decimal | float, places: int = 2) -> str:
    """A number as Indonesian writes it: a decimal comma (88,31)."""
    return f"{Decimal(str(value)):.{places}f}".replace(".", ",")


def body_text(period: Period, result: SkmResult) -> str:
    ikm, category = result.ikm_published, result.category
    rows = "\n".join(
        f"- {column} {name}: {decimal_id(nrr)}"
        for column, name, nrr in zip(COLUMNS, UNSUR, result.nrr_published(), strict=True)
    )
    return (
        f"Terima kasih kepada {result.respondents} responden yang telah mengisi Survei Kepuasan Masyarakat (SKM) "
        f"{OFFICE} periode {period.label}.\n\n"
        f"Indeks Kepuasan Masyarakat (IKM): {decimal_id(ikm)} dari 100, mutu pelayanan {category.value} "
        f"({category.mutu}).\n\n"
        f"Nilai rata-rata per unsur pelayanan (skala 1–4):\n{rows}\n\n"
        "Survei mengikuti Peraturan Menteri PANRB Nomor 14 Tahun 2017. Masukan Anda menjadi dasar perbaikan "
        "layanan kami."
    )


def short_caption(period: Period, result: SkmResult) -> str:
    category = result.category
    return (
        f"Hasil SKM {period.label}: IKM {decimal_id(result.ikm_published)}, mutu pelayanan {category.value} "
        f"({category.mutu}), dari {result.respondents} responden. Terima kasih atas penilaian Anda!"
    )


def alt_text(period: Period, result: SkmResult) -> str:
    category = result.category
    unsur = "; ".join(f"{name} {decimal_id(nrr)}" for name, nrr in zip(UNSUR, result.nrr_published(), strict=True))
    return (
        f"Kartu hasil Survei Kepuasan Masyarakat {period.label} {OFFICE}: IKM {decimal_id(result.ikm_published)}, "
        f"mutu pelayanan {category.value} ({category.mutu}), {result.respondents} responden. "
        f"Nilai rata-rata per unsur: {unsur}."
    )


def front_matter(period: Period, result: SkmResult, *, platforms: Sequence[str], publish_at: datetime,
                 body: str) -> dict[str, Any]:  # fmt: skip
    from publisher.adapters.registry import adapter_class

    category = result.category
    front: dict[str, Any] = {
        "kind": "service-update",
        "title": f"Hasil Survei Kepuasan Masyarakat {period.label}",
        "subtitle": f"Indeks {decimal_id(result.ikm_published)} · Mutu pelayanan {category.value} ({category.mutu})",
        "publish_at": publish_at.strftime("%Y-%m-%d %H:%M"),
        "platforms": list(platforms),
        "status": "draft",
        "hashtags": HASHTAGS,
        "alt": alt_text(period, result),
    }
    short = {
        name: short_caption(period, result)
        for name in platforms
        if adapter_class(name).count(body) + HASHTAG_ROOM > adapter_class(name).max_chars
    }
    if short:
        front["text"] = short
    front["skm"] = {
        "period": period.text,
        "ikm": float(result.ikm_published),
        "respondents": result.respondents,
        "nrr": [float(v) for v in result.nrr_published()],
    }
    return front


def draft_post_text(period: Period, result: SkmResult, *, platforms: Sequence[str], publish_at: datetime) -> str:
    body = body_text(period, result)
    front = front_matter(period, result, platforms=platforms, publish_at=publish_at, body=body)
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)
    header = f"# Ditulis oleh `publisher survey import` ({period.text}). Periksa, lalu ubah status ke ready.\n"
    return f"---\n{header}{dumped}---\n{body}\n"
