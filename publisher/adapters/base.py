"""What every adapter declares about its platform, as data — and the publishing machinery they share.

The checker, the caption builder, the card renderer and the previewer read these same class attributes, so each
platform's limits are written down once, here in its own module.

Publishing: an adapter is built as ``cls(config, transport, *, media=None, on_progress=None, secrets=())`` (use
``publisher.adapters.build_adapter``) and offers ``publish``, ``reconcile``, ``delete`` and ``check_credentials``.
Each subclass writes the happy path only (``_publish`` ...) and calls ``self.send``; any failure along the way is
raised as ``Failed(result)`` already classified (see ``publisher.adapters.failures``) and turned into the return
value here, with every secret masked out of its message.

Evidence for ``reconcile``: before the step that could leave a publication stranded, an adapter reports what it
knows through ``on_progress(target_id, key, value)``; the ledger keeps it and hands it back as
``Outgoing.progress`` when it finds the target stuck in ``sending``. Keys:

    started_at     every platform: when the publishing request was about to go out (ISO 8601, UTC)
    container_id   Instagram, Threads: the media container; reconcile asks it for PUBLISHED / FINISHED
    rkey           Bluesky: the record key, chosen once per target; reconcile looks the record up, every
                   later attempt writes under it again
    media_id       Mastodon: the uploaded attachment, reused when reconcile repeats the status POST

The publish step also reconciles at once after a lost answer, with what the send just noted. Without evidence,
reconcile searches the account's recent posts for the caption where the API allows (Facebook, Instagram, Threads,
X, Mastodon, Bluesky) and answers None ("cannot tell") otherwise — always for Telegram. What heals on which
platform, and what can still end ``unknown``: the table in ``publisher.adapters.results``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from publisher.adapters.failures import classify_status
from publisher.adapters.media import MediaStore, extension, mime_type
from publisher.adapters.reads import MetricSnapshot, ReadFailed, Reply, batched, count_or_none
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import AnswerLost, HttpRequest, HttpResponse, NothingSent, Transport
from publisher.infra.masking import Masker
from publisher.infra.settings import PlatformSettings
from publisher.text.counting import Counting, count

# (target_id, key, value): evidence a publish leaves on the way (a container id, an rkey) for a later reconcile.
ProgressCallback = Callable[[str, str, str], None]


@dataclass(frozen=True)
class CardSpec:
    """The image a platform gets: pixel size, encoder format (``JPEG``/``PNG``) and byte ceiling."""

    width: int
    height: int
    format: str
    max_bytes: int

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def extension(self) -> str:
        return extension(self.format)

    @property
    def mime_type(self) -> str:
        return mime_type(self.format)


class Adapter:
    """Base class: platform facts as class attributes; the publishing behaviour lives in each subclass."""

    name: ClassVar[str]
    label: ClassVar[str]
    max_chars: ClassVar[int]
    counting: ClassVar[Counting] = Counting.CHARS
    max_hashtags: ClassVar[int | None] = None
    card: ClassVar[CardSpec]
    image_formats: ClassVar[tuple[str, ...]] = ("JPEG", "PNG")
    supports_alt_text: ClassVar[bool] = True
    max_alt_chars: ClassVar[int] = 1000
    can_delete: ClassVar[bool] = True
    delete_note: ClassVar[str] = ""
    needs_public_media_url: ClassVar[bool] = False

    # Reading (listening): what a collection pass may ask of the platform, with read-only calls.
    metric_names: ClassVar[tuple[str, ...]] = ()  # the platform's own counter names, as its API spells them
    read_batch_size: ClassVar[int] = 1  # posts per metrics request: the API's documented maximum
    read_cost_usd: ClassVar[float] = 0.0  # what the platform bills per post read; 0 = free
    reads_replies: ClassVar[bool] = True  # False: the API cannot list the public's replies
    api_version: ClassVar[str] = ""  # recorded with every snapshot (Graph adapters read it from api_base)

    @classmethod
    def count(cls, text: str) -> int:
        return count(text, cls.counting)

    # --- publishing: the public interface ----------------------------------------------------------------------

    def __init__(
        self,
        config: PlatformSettings,
        transport: Transport,
        *,
        media: MediaStore | None = None,
        on_progress: ProgressCallback | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.config = config
        self.transport = transport
        self.media = media
        self.on_progress = on_progress
        self.mask = Masker([*secrets, *config.secrets()])
        self.sleep: Callable[[float], None] = time.sleep  # polls wait through this; tests make it instant

    def publish(self, item: Outgoing) -> PublishResult:
        try:
            result = self._publish(item)
        except Failed as failure:
            result = failure.result
        return replace(result, message=self.mask(result.message))

    def reconcile(self, item: Outgoing) -> PublishResult | None:
        """After a crash mid-send: PUBLISHED when evidence is found (or a safe completion was possible), a failure
        when the platform proves it was never published, None when it cannot tell (a human decides)."""
        try:
            result = self._reconcile(item)
        except Failed:
            return None  # an error while looking is not evidence either way
        return None if result is None else replace(result, message=self.mask(result.message))

    def delete(self, remote_id: str) -> DeleteResult:
        if not self.can_delete:
            return DeleteResult(False, f"{self.label}: delete it by hand. {self.delete_note}".strip())
        try:
            result = self._delete(remote_id)
        except Failed as failure:
            note = f" ({self.delete_note})" if self.delete_note else ""
            result = DeleteResult(False, f"{failure.result.message}{note}; delete it by hand if it is still up")
        return DeleteResult(result.done, self.mask(result.message))

    def check_credentials(self) -> CredentialCheck:
        try:
            result = self._check_credentials()
        except Failed as failure:
            result = CredentialCheck(False, failure.result.message)
        return CredentialCheck(result.ok, self.mask(result.message))

    # --- reading: the public interface -------------------------------------------------------------------------

    def read_metrics(self, remote_ids: Sequence[str]) -> list[MetricSnapshot]:
        """One snapshot per id, ``read_batch_size`` ids per request; raises ``ReadFailed`` (with what was read)."""
        snapshots: list[MetricSnapshot] = []
        for batch in batched(remote_ids, self.read_batch_size):
            try:
                snapshots.extend(self._read_metrics(batch))
            except Failed as failure:
                raise self._read_failed(failure, snapshots) from None
        return snapshots

    def read_replies(self, remote_id: str) -> list[Reply]:
        """The comments and replies under one published post (the office's own among them, marked)."""
        if not self.reads_replies:
            return []
        try:
            return self._read_replies(remote_id)
        except Failed as failure:
            raise self._read_failed(failure) from None

    def read_audience(self) -> int | None:
        """The account's audience (followers, channel members) where a read call gives it; None otherwise."""
        try:
            return self._read_audience()
        except Failed as failure:
            raise self._read_failed(failure) from None

    def _read_failed(self, failure: Failed, partial: Sequence[MetricSnapshot] = ()) -> ReadFailed:
        return ReadFailed(replace(failure.result, message=self.mask(failure.result.message)), partial)

    def snapshot(self, remote_id: str, counters: Mapping[str, Any]) -> MetricSnapshot:
        """The declared metrics picked from what the API answered; anything absent is None."""
        metrics = {name: count_or_none(counters.get(name)) for name in self.metric_names}
        return MetricSnapshot(self.name, remote_id, metrics, self.read_api_version(), datetime.now(UTC))

    def read_api_version(self) -> str:
        return self.api_version

    # --- what each platform module implements ------------------------------------------------------------------

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        raise NotImplementedError

    def _read_replies(self, remote_id: str) -> list[Reply]:
        raise NotImplementedError

    def _read_audience(self) -> int | None:
        return None

    def _publish(self, item: Outgoing) -> PublishResult:
        raise NotImplementedError

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        return None

    def _delete(self, remote_id: str) -> DeleteResult:
        raise NotImplementedError

    def _check_credentials(self) -> CredentialCheck:
        raise NotImplementedError

    def classify(self, response: HttpResponse, *, publishing: bool) -> PublishResult:
        """A non-2xx answer as an outcome; platforms override this to read their own error bodies first."""
        return classify_status(response, self.label, publishing=publishing)

    # --- helpers for the platform modules ----------------------------------------------------------------------

    def send(self, request: HttpRequest, *, publishing: bool = False) -> HttpResponse:
        """Send and return a 2xx answer, or raise ``Failed`` with the classified outcome.

        ``publishing`` marks the one request that makes the post appear. Only there can a lost answer mean "maybe
        published" (UNKNOWN_OUTCOME); a lost answer to an upload or a status poll leaves nothing public behind, so
        it is TRANSIENT and the whole publish may simply run again.
        """
        try:
            response = self.transport.send(request)
        except NothingSent as exc:
            raise Failed(PublishResult.failed(Outcome.TRANSIENT, f"{self.label}: {exc}")) from None
        except AnswerLost as exc:
            outcome = Outcome.UNKNOWN_OUTCOME if publishing else Outcome.TRANSIENT
            raise Failed(PublishResult.failed(outcome, f"{self.label}: {exc}")) from None
        if 200 <= response.status < 300:
            return response
        raise Failed(self.classify(response, publishing=publishing))

    def send_json(self, request: HttpRequest, *, publishing: bool = False) -> Any:
        response = self.send(request, publishing=publishing)
        body = response.json_or_none()
        if body is None:
            outcome = Outcome.UNKNOWN_OUTCOME if publishing else Outcome.TRANSIENT
            raise Failed(PublishResult.failed(outcome, f"{self.label}: answer {response.status} was not JSON"))
        return body

    def note(self, item: Outgoing, key: str, value: str) -> None:
        """Hand a piece of evidence to the ledger (``on_progress``) before the step that could leave it stranded."""
        if self.on_progress is not None:
            self.on_progress(item.target_id, key, value)

    def note_start(self, item: Outgoing) -> None:
        self.note(item, "started_at", datetime.now(UTC).isoformat(timespec="seconds"))

    @staticmethod
    def mime_of(item: Outgoing) -> str:
        return mime_type(item.image_format)

    @staticmethod
    def filename_of(item: Outgoing) -> str:
        return f"{item.post_id}.{extension(item.image_format)}"

    def invalid(self, message: str) -> Failed:
        return Failed(PublishResult.failed(Outcome.INVALID, f"{self.label}: {message}"))

    def unexpected(self, what: str, *, publishing: bool) -> Failed:
        """A 2xx answer without the field we need: the platform did something, we cannot say what."""
        outcome = Outcome.UNKNOWN_OUTCOME if publishing else Outcome.TRANSIENT
        return Failed(PublishResult.failed(outcome, f"{self.label}: unexpected answer, {what}"))


class Failed(Exception):
    """Raised inside an adapter to stop at the first failure; the public methods turn it into their result."""

    def __init__(self, result: PublishResult) -> None:
        super().__init__(result.message)
        self.result = result


# --- the publishing interface (implemented per platform) -----------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """Everything one adapter call needs, built by the publish step; adapters never read post files."""

    target_id: str  # "post-id/platform/occurrence"
    post_id: str
    platform: str
    caption: str
    image: bytes
    image_format: str  # "JPEG" | "PNG", as the adapter's CardSpec asked
    alt: str | None
    idempotency_key: str  # stable per target + content hash (Mastodon's Idempotency-Key)
    link: str | None = None
    # Evidence an earlier attempt reported through ``on_progress`` (e.g. {"container_id": ...}); the ledger
    # passes it back when it asks ``reconcile``. Empty on a first attempt.
    progress: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeleteResult:
    done: bool
    message: str  # what was done, or what a person must do by hand


@dataclass(frozen=True)
class CredentialCheck:
    ok: bool
    message: str  # one line, never containing a secret
