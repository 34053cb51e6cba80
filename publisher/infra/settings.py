"""Settings, read with pydantic-settings exactly as the contract names them.

Prefix ``PUBLISHER_``, nesting with ``__`` (``PUBLISHER_FACEBOOK__ACCESS_TOKEN``), sources in order of precedence:
environment, ``.env`` in the working directory, then a secrets dir (``PUBLISHER_SECRETS_DIR``, default
``/run/secrets`` when it exists) holding one file per variable. Every credential is a ``SecretStr`` so it prints
as ``**********`` wherever a settings object ends up.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    NonNegativeInt,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NestedSecretsSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from publisher import defaults
from publisher.brand.identity import Brand
from publisher.i18n import _

ENV_PREFIX = "PUBLISHER_"
NESTED = "__"


def env_name(setting: str, section: str | None = None) -> str:
    """The one way a setting's environment name is built: ``env_name("access_token", "facebook")`` →
    ``PUBLISHER_FACEBOOK__ACCESS_TOKEN``; ``env_name("dry_run")`` → ``PUBLISHER_DRY_RUN``."""
    nested = f"{section.upper()}{NESTED}" if section else ""
    return f"{ENV_PREFIX}{nested}{setting.upper()}"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _one_token(value: Any) -> Any:
    """A credential or id as pasted: surrounding whitespace (a trailing newline from ``echo`` or ``.env``) is
    dropped; whitespace or control characters inside are refused, since no token holds them and an HTTP header
    with them is refused after the fact. The message never repeats the value."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(raw, str):
        return value
    text = raw.strip()
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError("holds spaces, line breaks or control characters inside it; paste the value again")
    return SecretStr(text) if isinstance(value, SecretStr) else text


REHEARSAL_VALUE = "dry-run"  # PlatformSettings.rehearsal: what a dry run uses for settings nobody set
REHEARSAL_API_BASE = "https://dry-run.invalid"  # a reserved name (RFC 2606): resolves nowhere, were it ever sent


class PlatformSettings(BaseModel):
    """Fields shared by every platform; ``configured`` says whether a target can be published."""

    api_base: str = ""

    # The names an operator must set for this platform to be usable, as env var suffixes.
    required: ClassVar[tuple[str, ...]] = ()

    _clean = field_validator("*", mode="before")(_one_token)

    def missing(self) -> list[str]:
        return [name for name in self.required if not _present(getattr(self, name, None))]

    def missing_env_names(self, platform: str) -> str:
        """What to set, as an operator types it: ``PUBLISHER_X__BEARER_TOKEN (or PUBLISHER_X__CONSUMER_KEY, ...)``."""
        return ", ".join(
            re.sub(r"\b(?!or\b)[a-z][a-z_]*", lambda m: env_name(m.group(0), platform), item) for item in self.missing()
        )

    @property
    def configured(self) -> bool:
        return not self.missing()

    def secrets(self) -> list[str]:
        return [
            v.get_secret_value() for v in self.__dict__.values() if isinstance(v, SecretStr) and v.get_secret_value()
        ]

    def rehearsal(self) -> Self:
        """These settings with a placeholder in every empty field, for a dry run on a machine that has none for
        this platform: the dry-run transport never connects, so the requests are built and recorded as they
        would be, and a newcomer sees a post go out before any account is set up."""
        filled: dict[str, object] = {}
        for name, info in type(self).model_fields.items():
            if _present(getattr(self, name)):
                continue
            if name == "api_base":
                filled[name] = REHEARSAL_API_BASE
            elif "SecretStr" in str(info.annotation):
                filled[name] = SecretStr(REHEARSAL_VALUE)
            else:
                filled[name] = REHEARSAL_VALUE
        return self.model_copy(update=filled)


def reveal(secret: SecretStr | None) -> str:
    """A credential's text for the request that needs it. ``build_adapter`` refuses an unconfigured platform, so
    a missing one here is a bug, reported as such rather than as ``'NoneType' has no attribute``."""
    if secret is None:
        raise ValueError("a required credential is not set (the platform should have been refused as not configured)")
    return secret.get_secret_value()


def _present(value: object) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)


class FacebookSettings(PlatformSettings):
    page_id: str | None = None
    access_token: SecretStr | None = None
    api_base: str = defaults.GRAPH_API_BASE
    required: ClassVar[tuple[str, ...]] = ("page_id", "access_token")


class InstagramSettings(PlatformSettings):
    user_id: str | None = None
    access_token: SecretStr | None = None
    api_base: str = defaults.GRAPH_API_BASE
    required: ClassVar[tuple[str, ...]] = ("user_id", "access_token")


class XSettings(PlatformSettings):
    api_base: str = "https://api.x.com"
    bearer_token: SecretStr | None = None
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    access_token_secret: SecretStr | None = None

    def missing(self) -> list[str]:
        if _present(self.bearer_token):
            return []
        oauth1 = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        missing = [n for n in oauth1 if not _present(getattr(self, n))]
        return ["bearer_token (or " + ", ".join(missing) + ")"] if missing else []


class TelegramSettings(PlatformSettings):
    bot_token: SecretStr | None = None
    chat_id: str | None = None
    api_base: str = "https://api.telegram.org"
    required: ClassVar[tuple[str, ...]] = ("bot_token", "chat_id")


class MastodonSettings(PlatformSettings):
    api_base: str = ""
    access_token: SecretStr | None = None
    required: ClassVar[tuple[str, ...]] = ("api_base", "access_token")


class BlueskySettings(PlatformSettings):
    api_base: str = "https://bsky.social"
    handle: str | None = None
    app_password: SecretStr | None = None
    required: ClassVar[tuple[str, ...]] = ("handle", "app_password")


class ThreadsSettings(PlatformSettings):
    user_id: str | None = None
    access_token: SecretStr | None = None
    api_base: str = "https://graph.threads.net/v1.0"
    required: ClassVar[tuple[str, ...]] = ("user_id", "access_token")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED,
        env_file=".env",
        extra="ignore",
    )

    posts_dir: Path = Path(defaults.POSTS_DIR)
    language: Literal["id", "en"] = defaults.LANGUAGE  # of every word a person reads (publisher.i18n)
    timezone: str = defaults.TIMEZONE
    redis_url: SecretStr | None = None
    state_dir: Path = Path(defaults.STATE_DIR)
    dry_run: bool = False
    media_dir: Path | None = None
    media_base_url: str | None = None

    # Scheduling policy (see the README's operator section).
    missed_grace_minutes: NonNegativeInt = defaults.MISSED_GRACE_MINUTES
    blackout_dates: list[date] = []

    # The scheduler and worker (publisher.scheduler, worker/). ``namespace`` prefixes every Redis key and the
    # Celery queue, so several installations (or tests) can share one Redis server.
    namespace: str = defaults.NAMESPACE
    # Seconds before Redis redelivers an unacknowledged task; the lease and time limits are derived from it.
    visibility_timeout: PositiveInt = defaults.VISIBILITY_TIMEOUT_SECONDS
    task_time_limit: PositiveInt = defaults.TASK_TIME_LIMIT_SECONDS
    # Posts per minute per platform account, enforced across all workers; unlisted platforms get 30.
    rate_limits: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = {}
    # The CLI reads it before the settings (logging starts first); here it is checked with the rest (`doctor`).
    log_level: str = "WARNING"

    # The archive and approvals (publisher.archive). Unset URL: an SQLite file in the state dir. A SecretStr
    # because a PostgreSQL URL carries its password.
    database_url: SecretStr | None = None
    # The password, when the URL has none (docker-compose keeps it in a secret file, the URL in plain sight).
    database_password: SecretStr | None = None
    require_approval: bool = False
    # How often the worker archives what the ledger settled while the database was down (seconds).
    archive_catch_up_seconds: float = defaults.ARCHIVE_CATCH_UP_SECONDS
    # Who may approve: "Ani, Budi" or ["Ani", "Budi"]; unset: anyone (the two-person rule still holds).
    approvers: Annotated[list[str] | None, NoDecode] = None
    # Listening (publisher.listening.collect). Snapshot moments after publication ("1h,24h,7d,30d"); the
    # public's replies are kept this many days, then purged; X bills every post read, so its reading can be off.
    snapshot_ages: Annotated[list[str], NoDecode] = list(defaults.SNAPSHOT_AGES)
    reply_retention_days: int = defaults.REPLY_RETENTION_DAYS
    read_x: bool = True
    # The office's identity on cards, posters, digests and texts (PUBLISHER_BRAND__OFFICE, __PHONE, ...).
    brand: Brand = Brand()

    facebook: FacebookSettings = FacebookSettings()
    instagram: InstagramSettings = InstagramSettings()
    x: XSettings = XSettings()
    telegram: TelegramSettings = TelegramSettings()
    mastodon: MastodonSettings = MastodonSettings()
    bluesky: BlueskySettings = BlueskySettings()
    threads: ThreadsSettings = ThreadsSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Secrets-dir files use the same names as the environment, nesting included
        # (a file PUBLISHER_FACEBOOK__ACCESS_TOKEN), which the plain secrets source does not support.
        return init_settings, env_settings, dotenv_settings, NestedSecretsSettingsSource(file_secret_settings)

    _clean_redis_url = field_validator("redis_url", mode="before")(_one_token)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level: {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. {defaults.TIMEZONE})") from exc
        return value

    @field_validator("approvers", mode="before")
    @classmethod
    def _approver_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                value = json.loads(text)  # a malformed list is a clear settings error, not a silent "anyone"
            else:
                value = text.split(",")
        if isinstance(value, list | tuple):
            names = [str(name).strip() for name in value if str(name).strip()]
            return names or None
        return value

    @field_validator("snapshot_ages", mode="before")
    @classmethod
    def _age_list(cls, value: object) -> object:
        names = [n.strip() for n in value.split(",")] if isinstance(value, str) else value
        if isinstance(names, list | tuple):
            bad = [n for n in names if not re.fullmatch(r"\d+[mhd]", str(n))]
            if bad:
                raise ValueError(f"snapshot ages {bad}: write minutes, hours or days such as 1h,24h,7d,30d")
            return [str(n) for n in names if n]
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def platform(self, name: str) -> PlatformSettings | None:
        value = getattr(self, name, None)
        return value if isinstance(value, PlatformSettings) else None

    def secret_values(self) -> list[str]:
        """Every secret this process knows, for the log and output masks."""
        values: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, PlatformSettings):
                values.extend(value.secrets())
            elif isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        if self.database_url is not None:
            # The password alone as well: drivers and SQLAlchemy print URLs in their own spelling.
            password = urlsplit(self.database_url.get_secret_value()).password
            values.extend([unquote(password), password] if password else [])
        return values


def settings_problem(exc: ValidationError) -> str:
    """pydantic's error as one line naming each variable (``PUBLISHER_X__BEARER_TOKEN: ...``), without the
    values it refused: those may be tokens."""
    parts = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        field = Settings.model_fields.get(loc[0])
        kind = field.annotation if field is not None else None
        nested = len(loc) > 1 and isinstance(kind, type) and issubclass(kind, PlatformSettings)
        name = "__".join(loc[:2] if nested else loc[:1]).upper()
        detail = ", ".join(loc[1:]) + ": " if len(loc) > 1 and not nested else ""
        parts.append(f"PUBLISHER_{name}: {detail}{err['msg'].removeprefix('Value error, ')}")
    return "settings: " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    secrets_dir = os.environ.get("PUBLISHER_SECRETS_DIR", "/run/secrets")
    kwargs: dict[str, object] = dict(overrides)
    if Path(secrets_dir).is_dir():
        kwargs.setdefault("_secrets_dir", secrets_dir)
    return Settings(**kwargs)  # type: ignore[arg-type]


def unconfigured_message(platform: str, settings: Settings) -> str | None:
    """``facebook is not configured: set PUBLISHER_FACEBOOK__PAGE_ID, PUBLISHER_FACEBOOK__ACCESS_TOKEN``."""
    config = settings.platform(platform)
    if config is None:
        return _("{platform} has no settings section in this version").format(platform=platform)
    if config.configured:
        return None
    return _("{platform} is not configured: set {names}").format(
        platform=platform, names=config.missing_env_names(platform)
    )
