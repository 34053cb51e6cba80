"""Telegram channel through a bot (Bot API ``sendPhoto``).

    POST {base}/bot{token}/sendPhoto      multipart: photo (bytes), chat_id, caption
                                          -> {"ok": true, "result": {"message_id", "chat": {"username"}}}
    POST {base}/bot{token}/deleteMessage  chat_id, message_id (a bot may delete only within 48 hours)
    GET  {base}/bot{token}/getMe, getChat doctor
    POST {base}/bot{token}/getChatMemberCount  reading: the channel's size

Errors: ``{"ok": false, "error_code", "description", "parameters": {"retry_after"}}``. The token is part of every
URL, so no URL is ever put in a message unmasked (the transport and ``Adapter`` mask it; messages here name the
method only). The Bot API cannot read a channel's history, so ``reconcile`` cannot tell and says so (None).
"""

from __future__ import annotations

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Outgoing
from publisher.adapters.failures import classify_status
from publisher.adapters.reads import MetricSnapshot
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import TelegramSettings, reveal
from publisher.text.counting import Counting

ENV = "PUBLISHER_TELEGRAM__BOT_TOKEN"


class TelegramAdapter(Adapter):
    config: TelegramSettings  # what build_adapter hands this platform
    name = "telegram"
    label = "Telegram"
    max_chars = 1_024  # a photo caption, after entity parsing
    counting = Counting.UTF16
    card = CardSpec(1280, 1280, "PNG", 10_000_000)
    supports_alt_text = False
    can_delete = True
    delete_note = "a bot can delete a channel message only within 48 hours of sending it"

    # Reading. The Bot API has no call for a channel post's views: "views" is always None (not available), never
    # 0, and costs no request. Comments live in the channel's linked discussion group, which a bot sees only as
    # live updates, so replies are not read. The channel's size is (getChatMemberCount).
    metric_names = ("views",)
    read_batch_size = 1_000_000  # no request is made per post
    reads_replies = False
    api_version = "Bot API"

    def url(self, method: str) -> str:
        return f"{self.config.api_base.rstrip('/')}/bot{reveal(self.config.bot_token)}/{method}"

    @property
    def chat_id(self) -> str:
        return str(self.config.chat_id)

    def call(self, method: str, *, publishing: bool = False, **kwargs) -> dict:  # type: ignore[no-untyped-def]
        body = self.send_json(HttpRequest("POST", self.url(method), **kwargs), publishing=publishing)
        if body.get("ok") is not True:
            raise self.unexpected(f"{method} answered ok=false with HTTP 200", publishing=publishing)
        return body

    def classify(self, response: HttpResponse, *, publishing: bool) -> PublishResult:
        body = response.json_or_none()
        if not isinstance(body, dict) or "error_code" not in body:
            return classify_status(response, self.label, publishing=publishing)
        code, description = body.get("error_code"), str(body.get("description", ""))
        if code == 429:
            wait = float((body.get("parameters") or {}).get("retry_after") or 0) or None
            return classify_status(response, self.label, publishing=publishing, detail=description, retry_after=wait)
        # 404 is what the Bot API answers for a token it does not know at all.
        if code in (401, 403, 404):
            return PublishResult.failed(
                Outcome.AUTH,
                f"Telegram: bot token or channel rights refused (auth, {code}: {description}) — check {ENV} "
                "and that the bot is an admin of the channel",
            )
        if code == 400:
            return PublishResult.failed(Outcome.INVALID, f"Telegram: refused: {description}")
        return classify_status(response, self.label, publishing=publishing, detail=description)

    def _publish(self, item: Outgoing) -> PublishResult:
        self.note_start(item)
        body = self.call(
            "sendPhoto",
            publishing=True,
            data={"chat_id": self.chat_id, "caption": item.caption},
            files={"photo": (self.filename_of(item), item.image, self.mime_of(item))},
        )
        message = body.get("result") or {}
        if "message_id" not in message:
            raise self.unexpected("sendPhoto gave no message_id", publishing=True)
        message_id = str(message["message_id"])
        return PublishResult.published(message_id, self.permalink(message_id, message.get("chat") or {}))

    def permalink(self, message_id: str, chat: dict) -> str | None:
        username = chat.get("username") or (self.chat_id[1:] if self.chat_id.startswith("@") else None)
        if username:
            return f"https://t.me/{username}/{message_id}"
        if self.chat_id.startswith("-100"):  # a private channel: the link works for its members
            return f"https://t.me/c/{self.chat_id[4:]}/{message_id}"
        return None

    def _delete(self, remote_id: str) -> DeleteResult:
        self.call("deleteMessage", data={"chat_id": self.chat_id, "message_id": remote_id})
        return DeleteResult(True, f"Telegram: deleted message {remote_id}")

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        return [self.snapshot(message_id, {}) for message_id in batch]

    def _read_audience(self) -> int | None:
        count = self.call("getChatMemberCount", data={"chat_id": self.chat_id})["result"]
        return count if isinstance(count, int) else None

    def _check_credentials(self) -> CredentialCheck:
        bot = self.call("getMe")["result"]
        chat = self.call("getChat", data={"chat_id": self.chat_id})["result"]
        where = chat.get("title") or chat.get("username") or self.chat_id
        return CredentialCheck(True, f"Telegram: bot @{bot.get('username', '?')} reaches channel {where}")
