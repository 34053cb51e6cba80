"""Finding the platform adapters (the ``publisher.adapters`` entry-point group) and building one for a run.

The built-in adapters are registered in ``pyproject.toml`` exactly as a third-party package would register its
own, so adding a platform is one module plus one entry-point line.

``build_adapter`` is the one place that decides whether a run is real or dry: it picks the transport (and, for the
platforms that fetch images by URL, the media store) and hands them to the adapter. Everything upstream only
passes the ``dry_run`` flag along (and the publish step writes a dry run to the ledger's dry-run twin).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from publisher.adapters.base import Adapter, ProgressCallback
from publisher.adapters.media import DryRunMediaStore, MediaStore
from publisher.adapters.transport.base import Transport
from publisher.adapters.transport.dry_run import DryRunTransport
from publisher.adapters.transport.requests import RequestsTransport
from publisher.infra.masking import Masker
from publisher.infra.settings import Settings

ENTRY_POINT_GROUP = "publisher.adapters"


class ConfigurationError(Exception):
    """The settings do not allow building this adapter; the message names the variables to set."""


class NotConfigured(ConfigurationError):
    pass


@cache
def adapter_classes() -> dict[str, type[Adapter]]:
    found: dict[str, type[Adapter]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        cls = entry.load()
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a publisher Adapter")
        found[cls.name] = cls
    if not found:
        raise RuntimeError("no adapters registered: install the package with `pip install -e .`")
    return dict(sorted(found.items()))


def adapter_class(name: str) -> type[Adapter]:
    return adapter_classes()[name]


def platform_names() -> set[str]:
    return set(adapter_classes())


def build_adapter(
    name: str,
    settings: Settings,
    *,
    dry_run: bool,
    secrets: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
    transport: Transport | None = None,
    media: MediaStore | None = None,
    reading: bool = False,
) -> Adapter:
    """An adapter for platform ``name`` from the whole ``Settings``, ready to publish.

    ``dry_run`` picks ``DryRunTransport`` (records, never connects) over ``RequestsTransport``. ``secrets``
    defaults to every secret in ``settings``; they are masked in every message, log line and dry-run record.
    ``on_progress(target_id, key, value)`` receives the evidence a later ``reconcile`` needs; pass it back as
    ``Outgoing.progress``. ``transport``/``media`` override the choice (tests only). ``reading``: for read calls
    only (listening), which upload nothing, so a platform that fetches images by URL needs no media store.
    Raises ``ConfigurationError`` (``NotConfigured``) with the variables to set; never for a dry run's media.
    """
    try:
        cls = adapter_class(name)
    except KeyError:
        raise ConfigurationError(f"unknown platform {name!r} (known: {', '.join(sorted(platform_names()))})") from None
    config = settings.platform(name)
    if config is None:
        raise NotConfigured(f"{cls.label} is not configured: this version has no settings for it")
    if not config.configured:
        if not dry_run:
            raise NotConfigured(f"{cls.label} is not configured: set {config.missing_env_names(name)}")
        config = config.rehearsal()  # nothing is sent: rehearse with placeholders (`publisher check` warns)
    secrets = list(settings.secret_values()) if secrets is None else list(secrets)

    if transport is None:
        transport = DryRunTransport(secrets) if dry_run else RequestsTransport(masker=Masker(secrets))
    if media is None and cls.needs_public_media_url and not reading:
        if dry_run:
            media = DryRunMediaStore(settings.media_base_url)
        else:
            media = MediaStore.from_settings(settings)
            if media is None:
                raise NotConfigured(
                    f"{cls.label} fetches images by URL: set PUBLISHER_MEDIA_DIR and PUBLISHER_MEDIA_BASE_URL"
                )
    return cls(config, transport, media=media, on_progress=on_progress, secrets=secrets)
