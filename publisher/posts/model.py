"""The validated ``Post``: the one value every later step (cards, captions, adapters, scheduler) works from.

Field validators here judge one field at a time and raise ``ValueError`` with a message meant for the comms team;
the loader turns each into ``path:line: error: ...`` using the line of the offending key. Rules that relate several
fields (``valid_until`` after ``publish_at`` and so on) live in :mod:`publisher.posts.rules`, where lines are at hand.

Times: YAML timestamps are not resolved by the loader, so every time arrives as the string the author typed and is
parsed here; a time without an offset is read in the office's zone (validation context ``tz``) and stored aware.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from croniter import croniter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from publisher import defaults
from publisher.i18n import N_, _
from publisher.posts import limits

DEFAULT_TZ = ZoneInfo(defaults.TIMEZONE)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
HASHTAG_PATTERN = re.compile(r"^\w+$")
UNREADABLE_DATE = N_("unreadable date {value!r}: write it as YYYY-MM-DD HH:MM, e.g. 2026-12-01 09:00")
OFFSET_PATTERN = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


class Kind(StrEnum):
    SERVICE_UPDATE = "service-update"
    POLICY_CHANGE = "policy-change"
    EVENT_REMINDER = "event-reminder"


class Status(StrEnum):
    DRAFT = "draft"
    READY = "ready"


@lru_cache(maxsize=256)  # parsing an expression is most of croniter's cost; a few recur in many posts
def _valid_cron(expression: str) -> bool:
    return bool(croniter.is_valid(expression))


def _zone(info: ValidationInfo) -> ZoneInfo:
    context = info.context or {}
    return context.get("tz") or DEFAULT_TZ


def parse_time(value: Any, tz: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """``2026-12-01 09:00`` (office zone), ``2026-12-01T09:00+07:00``, ``...Z``; a bare date only when allowed."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time.max if end_of_day else time.min)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError as exc:
            detail = str(exc)
            if "out of range" in detail or "must be in" in detail:
                raise ValueError(_("impossible date {text!r}: {detail}").format(text=text, detail=detail)) from None
            raise ValueError(_(UNREADABLE_DATE).format(value=text)) from None
        if len(text) == 10:  # a bare date: YYYY-MM-DD
            if not end_of_day:
                raise ValueError(_("{text!r} has no time of day: write e.g. {text} 09:00").format(text=text))
            parsed = datetime.combine(parsed.date(), time(23, 59, 59))
    else:
        raise ValueError(_(UNREADABLE_DATE).format(value=value))
    if not limits.year_in_range(parsed):
        raise ValueError(
            f"date {value!s:.40} is outside the years {limits.EARLIEST_YEAR}–{limits.LATEST_YEAR} "
            "this publisher handles"
        )
    if parsed.tzinfo is None:
        if not limits.wall_time_exists(parsed, tz):
            raise ValueError(
                f"{parsed:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks skip that hour (daylight saving); "
                "write a time outside the gap"
            )
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _time(value: Any, info: ValidationInfo) -> datetime:
    return parse_time(value, _zone(info))


def _time_end_of_day(value: Any, info: ValidationInfo) -> datetime:
    return parse_time(value, _zone(info), end_of_day=True)


AwareTime = Annotated[datetime, BeforeValidator(_time)]
DeadlineTime = Annotated[datetime, BeforeValidator(_time_end_of_day)]


def _required_text(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("must not be empty"))
    if not isinstance(value, str):
        raise ValueError(_("must be text, not {type}").format(type=type(value).__name__))
    return value.strip()


def _optional_text(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise ValueError(_("must be text, not {type}").format(type=type(value).__name__))
    text = str(value).strip()
    return text or None


Text = Annotated[str, BeforeValidator(_required_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]


class Reminder(BaseModel):
    """An offset before ``event.starts_at`` as written (``7d``, ``1d``, ``2h``, ``1d12h``)."""

    model_config = ConfigDict(frozen=True)

    label: str
    offset: timedelta

    @classmethod
    def parse(cls, value: Any) -> Reminder:
        if isinstance(value, Reminder):
            return value
        text = str(value).strip().lower().replace(" ", "")
        match = OFFSET_PATTERN.match(text) if text else None
        if not match or not any(match.groups()):
            raise ValueError(
                _("unreadable reminder offset {value!r}: use a number with w, d, h or m, e.g. 7d, 1d, 2h, 30m").format(
                    value=value
                )
            )
        weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
        minutes_total = ((weeks * 7 + days) * 24 + hours) * 60 + minutes  # an int: no timedelta overflow
        if minutes_total * 60 > limits.MAX_REMINDER_OFFSET.total_seconds():
            raise ValueError(f"reminder offset {text!r} is more than {limits.MAX_REMINDER_OFFSET.days} days")
        offset = timedelta(minutes=minutes_total)
        if offset <= timedelta(0):
            raise ValueError(_("reminder offset {value!r} must be more than zero").format(value=value))
        return cls(label=text, offset=offset)


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    starts_at: AwareTime | None = None
    location: OptionalText = None
    reminders: tuple[Reminder, ...] = ()

    @field_validator("reminders", mode="before")
    @classmethod
    def _parse_reminders(cls, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            value = [value]
        return tuple(Reminder.parse(v) for v in value)


class English(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    subtitle: OptionalText = None
    body: OptionalText = None


class SkmSummary(BaseModel):
    """The figures of a satisfaction-survey result post (``skm:``), written by ``publisher survey import``; its card
    draws them. ``nrr`` holds U1 … U9 in questionnaire order; the category follows from ``ikm``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Text
    ikm: float = Field(ge=25, le=100)
    respondents: int = Field(ge=1)
    nrr: tuple[float, ...]

    @field_validator("nrr")
    @classmethod
    def _check_nrr(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 9:
            raise ValueError(_("nrr must list the nine unsur U1 … U9, not {count} values").format(count=len(value)))
        if any(not 1 <= v <= 4 for v in value):
            raise ValueError(_("each nrr value is an average of 1–4 scores, so between 1 and 4"))
        return value


class Post(BaseModel):
    """One post file, validated. ``body`` and ``source`` come from the file, not from the front matter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: Kind
    title: Text
    publish_at: AwareTime
    platforms: tuple[str, ...]
    status: Status = Status.DRAFT
    subtitle: OptionalText = None
    hashtags: tuple[str, ...] = ()
    link: OptionalText = None
    image: Path | None = None
    alt: OptionalText = None
    valid_until: DeadlineTime | None = None
    supersedes: OptionalText = None
    text: dict[str, str] = Field(default_factory=dict)
    event: Event | None = None
    repeat: OptionalText = None
    en: English | None = None
    skm: SkmSummary | None = None
    author: OptionalText = None  # who wrote it; an approver must be someone else (publisher.archive.approvals)

    body: str = ""
    source: Path | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _check_id(cls, value: Any) -> Any:
        text = str(value).strip() if value is not None else ""
        if not ID_PATTERN.match(text):
            raise ValueError(
                _(
                    "id {id!r} must be lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"
                ).format(id=text)
            )
        return text

    @field_validator("kind", mode="before")
    @classmethod
    def _check_kind(cls, value: Any) -> Any:
        known = [k.value for k in Kind]
        if value not in known:
            raise ValueError(
                _("unknown kind {value!r}: expected one of {known}").format(value=value, known=", ".join(known))
            )
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _check_status(cls, value: Any) -> Any:
        if value not in ("draft", "ready"):
            raise ValueError(_("status {value!r} must be draft or ready").format(value=value))
        return value

    @field_validator("platforms", mode="before")
    @classmethod
    def _check_platforms(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise ValueError(_("must be a list, e.g. [facebook, instagram, x]"))
        names = [str(v).strip().lower() for v in value]
        if not names:
            raise ValueError(_("is empty: name at least one platform"))
        known = (info.context or {}).get("platforms")
        if known is not None:
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ValueError(
                    _("unknown platform {names}: expected one of {known}").format(
                        names=", ".join(map(repr, unknown)), known=", ".join(sorted(known))
                    )
                )
        return tuple(dict.fromkeys(names))

    @field_validator("hashtags", mode="before")
    @classmethod
    def _check_hashtags(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split()
        tags = []
        for raw in value:
            tag = str(raw).strip().lstrip("#")
            if not HASHTAG_PATTERN.match(tag):
                raise ValueError(_("hashtag {tag!r} may hold only letters, digits and _ (no spaces)").format(tag=raw))
            tags.append(tag)
        return tuple(dict.fromkeys(tags))

    @field_validator("link")
    @classmethod
    def _check_link(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if " " in value or not value.isprintable():  # every other space and line break is not printable
            raise ValueError(f"link {value!r} holds spaces or line breaks: write %20 or remove them")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 -- raises for a port that is not a number
        except ValueError:
            raise ValueError(_("link {value!r} is not an http(s) URL").format(value=value)) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(_("link {value!r} is not an http(s) URL").format(value=value))
        if "@" in parts.netloc:  # https://imigrasi.go.id@evil.example goes to evil.example
            raise ValueError(f"link {value!r} names a user ('...@'): readers would be sent to another host")
        return value

    @field_validator("text", mode="before")
    @classmethod
    def _check_text(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(_('must map platform names to captions, e.g. text: {x: "..."}'))
        known = (info.context or {}).get("platforms")
        result = {}
        for name, caption in value.items():
            key = str(name).strip().lower()
            if known is not None and key not in known:
                raise ValueError(
                    _("unknown platform {name!r} in text: expected one of {known}").format(
                        name=key, known=", ".join(sorted(known))
                    )
                )
            if not isinstance(caption, str) or not caption.strip():
                raise ValueError(_("the {platform} caption must be non-empty text").format(platform=key))
            result[key] = caption.strip()
        return result

    @field_validator("repeat")
    @classmethod
    def _check_repeat(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _valid_cron(value):
            raise ValueError(
                _("repeat {value!r} is not a cron expression (e.g. '0 8 * * 1' = Mondays 08:00)").format(value=value)
            )
        if limits.RANDOM_CRON_FIELD.search(value.upper()):
            raise ValueError(f"repeat {value!r}: random ('R') and hashed ('H') fields are not allowed; name the time")
        return value

    @field_validator("image", mode="before")
    @classmethod
    def _check_image(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("image is empty: name a picture file next to the post, or remove the line")
        return value

    # --- derived facts ------------------------------------------------------------------------------------

    @property
    def is_ready(self) -> bool:
        return self.status is Status.READY

    @property
    def language(self) -> str:
        return "id"

    def content_hash(self) -> str:
        """A digest of everything that changes what the public sees; the ledger keys targets by it."""
        return self.content_sha256()[:16]

    def content_sha256(self) -> str:
        """The full SHA-256 behind :meth:`content_hash`: every front matter field, the body and the image bytes.
        Approvals pin to this one: 64 bits are plenty against accidents but not against an author who searches
        for two versions with the same short hash (about 2**32 tries)."""
        payload = self.model_dump(mode="json", exclude={"source", "image"})
        for optional in ("author", "skm"):
            if payload.get(optional) is None:
                del payload[optional]  # posts without it keep the hash they had before the field existed
        if self.image is not None and self.image.is_file():
            payload["image_sha256"] = hashlib.sha256(self.image.read_bytes()).hexdigest()
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()
