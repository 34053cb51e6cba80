"""``publisher survey import FILE.csv --period P``: satisfaction-survey responses → the SKM result, kept, and a
draft results post ready for the usual review → approve → publish path.

The file: one row per respondent, a header naming the columns. ``U1`` … ``U9`` (any case) hold the scores 1–4;
the delimiter is ``,`` or ``;`` (Indonesian Excel exports use ``;``) or a tab, taken from the header line (or from
Excel's ``sep=;`` line); a UTF-8 BOM is fine; rows that are wholly empty (Excel's trailing ``;;;;``) are skipped.

Everything is checked before anything is written: any problem — unreadable or non-UTF-8 bytes, an empty file, a
missing or repeated U column, an empty, non-integer or out-of-range score — is reported as ``FILE:LINE: error: …``
for every line at fault, and nothing is imported.

People's data: the other columns (name, phone, age, service used …) are read past and never kept. What is kept is
the aggregate only — per-unsur score totals and NRR, IKM, category, number of respondents — with the period, the
time of import and the SHA-256 of the source file (to tell later which file the figures came from).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from publisher.i18n import _, ngettext
from publisher.listening.skm import COLUMNS, HIGHEST_SCORE, LOWEST_SCORE, Period, SkmResult
from publisher.listening.skm_archive import keep_result
from publisher.listening.skm_post import draft_post_text
from publisher.posts.problems import Problem, error

DELIMITERS = (",", ";", "\t")
SCORE = re.compile(r"^[+-]?\d+$")
DEFAULT_PLATFORMS = ("facebook", "instagram", "telegram")
POST_PREFIX = "hasil-skm-"


class SurveyFileError(Exception):
    """The file cannot be imported; ``problems`` names each line at fault."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class SurveyRefused(Exception):
    """A well-formed file that cannot be imported as asked (the results post already exists …)."""


# --- reading the file ---------------------------------------------------------------------------------------


@dataclass
class Responses:
    scores: list[tuple[int, ...]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)  # read past, never kept
    sha256: str = ""  # of the bytes these responses were read from


def read_responses(path: Path, display: str | None = None) -> Responses:
    """The scores of every respondent, or ``SurveyFileError`` listing every problem with its line."""
    where = display or str(path)
    raw = _read(path, where)
    delimiter, text = _sniff(_decode(raw, where))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    responses = Responses(sha256=hashlib.sha256(raw).hexdigest())
    try:
        records = list(_records(reader))
    except csv.Error as exc:
        raise SurveyFileError(
            [error(where, reader.line_num or 1, _("unreadable CSV: {error}").format(error=exc))]
        ) from None
    if not records:
        raise SurveyFileError([error(where, 1, _("the file is empty: expected a header with U1 … U9"))])
    header_line, header = records[0]
    columns = _columns(header, where, header_line, problems)
    responses.ignored_columns = [h.strip() for i, h in enumerate(header) if i not in columns.values() and h.strip()]
    if problems:  # a bad header stops here: every row would repeat its problem
        raise SurveyFileError(problems)
    for line, row in records[1:]:
        scores = _scores(row, columns, where, line, problems)
        if scores is not None:
            responses.scores.append(scores)
    if not problems and not responses.scores:
        problems.append(error(where, header_line, _("no responses below the header")))
    if problems:
        raise SurveyFileError(problems)
    return responses


def _read(path: Path, where: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SurveyFileError(
            [error(where, 1, _("cannot read file: {reason}").format(reason=exc.strerror or exc))]
        ) from None


def _decode(raw: bytes, where: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = _("not UTF-8 (byte 0x{byte:02x}): save the sheet as “CSV UTF-8” and import it again").format(
            byte=raw[exc.start]
        )
        raise SurveyFileError([error(where, line, message)]) from None
    if not text.strip():
        raise SurveyFileError([error(where, 1, _("the file is empty: expected a header with U1 … U9"))])
    return text


def _sniff(text: str) -> tuple[str, str]:
    """The delimiter, and the text to read: Excel's ``sep=;`` first line names it (and is blanked, so line numbers
    stay); otherwise the one the header line uses most (``,`` on a tie) — ``No;Nama;U1;…`` means ``;``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    declared = re.fullmatch(r"sep=(.)", first.strip())
    if declared:
        return declared.group(1), text.replace(first, "", 1)
    return max(DELIMITERS, key=lambda d: (first.count(d), d == ",")), text


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each non-empty record with the line it starts on (a quoted cell may span lines)."""
    start = 1
    for row in reader:
        if any(cell.strip() for cell in row):
            yield start, row
        start = reader.line_num + 1


def _columns(header: Sequence[str], where: str, line: int, problems: list[Problem]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().upper()
        if key in COLUMNS:
            if key in found:
                message = _("column {name} appears twice (columns {first} and {second})").format(
                    name=key, first=found[key] + 1, second=index + 1
                )
                problems.append(error(where, line, message))
            found.setdefault(key, index)
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        problems.append(
            error(
                where,
                line,
                ngettext(
                    "missing column {names}: the header must name U1 … U9, one per unsur",
                    "missing columns {names}: the header must name U1 … U9, one per unsur",
                    len(missing),
                ).format(names=", ".join(missing)),
            )
        )
    return found if not missing else {}


def _scores(row: Sequence[str], columns: dict[str, int], where: str, line: int,
            problems: list[Problem]) -> tuple[int, ...] | None:  # fmt: skip
    scores: list[int] = []
    for column in COLUMNS:
        index = columns[column]
        cell = row[index].strip() if index < len(row) else ""
        if not cell:
            problems.append(
                error(where, line, _("{column} is empty: every respondent scores all nine unsur").format(column=column))
            )
        elif not SCORE.match(cell):
            problems.append(
                error(
                    where,
                    line,
                    _("{column} is {value!r}, not a whole score from 1 to 4").format(column=column, value=cell),
                )
            )
        elif not LOWEST_SCORE <= int(cell) <= HIGHEST_SCORE:
            problems.append(
                error(
                    where, line, _("{column} is {value}, outside the scores 1–4").format(column=column, value=int(cell))
                )
            )
        else:
            scores.append(int(cell))
    return tuple(scores) if len(scores) == len(COLUMNS) else None


# --- the stored result --------------------------------------------------------------------------------------


class SurveyStore:
    """Imported results, one JSON file per period under ``state_dir/skm``. The archive will take this over; this
    small class is the one place that knows where results live."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def from_settings(cls, settings: Any) -> SurveyStore:
        return cls(Path(settings.state_dir) / "skm")

    def path(self, period: Period) -> Path:
        return self.directory / f"skm-{period.slug}.json"

    def load(self, period: Period) -> dict[str, Any] | None:
        try:
            return json.loads(self.path(period).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except FileNotFoundError:
            return None

    def periods(self) -> list[str]:
        return sorted(p.stem.removeprefix("skm-").upper() for p in self.directory.glob("skm-*.json"))

    def staged(self, period: Period, record: dict[str, Any]) -> Path:
        """The record written to a temporary file beside its place; ``os.replace`` it there to commit."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return _stage(self.path(period), json.dumps(record, ensure_ascii=False, indent=2) + "\n")


def _stage(target: Path, text: str) -> Path:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(temporary)


def result_record(period: Period, result: SkmResult, *, source_sha256: str, source_name: str, post_id: str,
                  imported_at: datetime) -> dict[str, Any]:  # fmt: skip
    return {
        "period": period.text,
        "respondents": result.respondents,
        "totals": dict(zip(COLUMNS, result.totals, strict=True)),
        "nrr": {c: float(v) for c, v in zip(COLUMNS, result.nrr_published(4), strict=True)},
        "ikm": float(result.ikm_published),
        "ikm_exact": f"{result.ikm.numerator}/{result.ikm.denominator}",
        "category": result.category.value,
        "mutu": result.category.mutu,
        "imported_at": imported_at.isoformat(timespec="seconds"),
        "source_file": source_name,
        "source_sha256": source_sha256,
        "post": post_id,
    }


# --- the import -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyImport:
    period: Period
    result: SkmResult
    post_id: str
    post_path: Path
    record: dict[str, Any]
    ignored_columns: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        """What ``--json`` prints."""
        return {
            "ikm": self.record["ikm"],
            "category": self.record["category"],
            "mutu": self.record["mutu"],
            "respondents": self.result.respondents,
            "period": self.period.text,
            "nrr": self.record["nrr"],
            "post": self.post_id,
            "post_path": str(self.post_path),
            "ignored_columns": list(self.ignored_columns),
        }


def import_survey(
    path: Path,
    period_text: str,
    settings: Any,
    *,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
    replace: bool = False,
    now: datetime | None = None,
) -> SurveyImport:
    """Read, compute, then write the draft post and the stored result — or raise before writing anything.

    ``SurveyFileError``: the file is malformed (every line at fault). ``SurveyRefused``: the period is unreadable,
    or its results post exists and ``replace`` is not set (the team may have edited it since).
    """

    try:
        period = Period.parse(period_text)
    except ValueError as exc:
        raise SurveyRefused(str(exc)) from None
    responses = read_responses(path)
    result = SkmResult.from_scores(responses.scores)
    post_id = f"{POST_PREFIX}{period.slug}"
    post_path = Path(settings.posts_dir) / f"{post_id}.md"
    if post_path.exists() and not replace:
        raise SurveyRefused(
            _("{path} already exists: pass --replace to write it again from this file").format(path=post_path)
        )
    now = now or datetime.now(UTC)
    record = result_record(period, result, source_sha256=responses.sha256, source_name=path.name, post_id=post_id,
                           imported_at=now)  # fmt: skip
    publish_at = (now.astimezone(settings.tz) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    text = draft_post_text(period, result, platforms=platforms, publish_at=publish_at)
    store = SurveyStore.from_settings(settings)
    post_path.parent.mkdir(parents=True, exist_ok=True)
    staged = [(_stage(post_path, text), post_path), (store.staged(period, record), store.path(period))]
    for temporary, target in staged:
        os.replace(temporary, target)
    keep_result(settings, record)
    return SurveyImport(period, result, post_id, post_path, record, tuple(responses.ignored_columns))
