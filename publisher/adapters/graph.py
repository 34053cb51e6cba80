"""What Facebook, Instagram and Threads share: Meta's Graph API error body, and the container flow.

Graph errors come as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, usually with HTTP
400 whatever the cause, so the ``code`` decides:

    1, 2, 9007 (media not ready), is_transient   TRANSIENT
    4, 17, 32, 613, 80001-80014, 9/2207042        RETRY_AFTER: X-Business-Use-Case-Usage's
                                                  estimated_time_to_regain_access, else Retry-After, else 10 min
    102, 190, 463, 467, 10, 200-299               AUTH (expired/invalid token, missing permission)
    368, 100, 9004, 36000-36003, others           INVALID (policy block, bad parameter, image not fetchable)
    506                                           DUPLICATE

Instagram and Threads publish in two steps: create a container (the platform fetches ``image_url`` itself), wait
until its status is FINISHED, then ``*_publish`` it. Only the last step makes anything public. The container id
is reported through ``on_progress`` as ``container_id`` before it is polled, so ``reconcile`` can ask the
container whether it was published — and publish it if it is FINISHED but was not — instead of guessing. The
container's ``status_code`` (Threads: ``status``) is EXPIRED (not published within 24 hours), ERROR, FINISHED
(ready to publish), IN_PROGRESS or PUBLISHED ("the container's media object has been published"; developers.
facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container, and the Threads API's
/{container}?fields=status). A PUBLISHED container's post is then found among the account's recent media by its
caption. Only a container that says FINISHED (its media object not published) is published again; a PUBLISHED one
never is, and the fake refuses a second publish of one container as the API does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from publisher.adapters.base import Adapter, CredentialCheck, DeleteResult, Failed, Outgoing
from publisher.adapters.failures import classify_status, retry_after_header
from publisher.adapters.reads import MetricSnapshot, Reply, parse_api_time
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import FacebookSettings, InstagramSettings, ThreadsSettings, env_name, reveal

GRAPH_RATE_LIMIT_WAIT = 600.0
TRANSIENT_CODES = {1, 2, 9007}
RATE_LIMIT_CODES = {4, 17, 32, 613, *range(80001, 80015)}
AUTH_CODES = {10, 102, 190, 463, 467, *range(200, 300)}
DUPLICATE_CODES = {506}
IG_PUBLISHING_LIMIT = (9, 2207042)  # "application request limit reached": 25 (now 50) API posts per 24 h
MAX_PAGES = 10  # comment pages followed per post (100 each): a pass reads at most 1,000 comments of one post
GRAPH_VERSION = re.compile(r"/(v\d+\.\d+)(?:/|$)")


class GraphAdapter(Adapter):
    """Token in the form body for POST and in the query for GET/DELETE, as the Graph API documents."""

    config: FacebookSettings | InstagramSettings | ThreadsSettings

    token_setting: ClassVar[str] = "ACCESS_TOKEN"

    def url(self, *parts: str) -> str:
        return "/".join([self.config.api_base.rstrip("/"), *(p.strip("/") for p in parts)])

    @property
    def token(self) -> str:
        return reveal(self.config.access_token)

    def get(self, *parts: str, **params: str) -> Any:
        return self.send_json(HttpRequest("GET", self.url(*parts), params={**params, "access_token": self.token}))

    def post(
        self,
        *parts: str,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None = None,
        publishing: bool = False,
    ) -> Any:
        request = HttpRequest("POST", self.url(*parts), data={**data, "access_token": self.token}, files=files)
        return self.send_json(request, publishing=publishing)

    def read_api_version(self) -> str:
        match = GRAPH_VERSION.search(str(self.config.api_base))
        return match.group(1) if match else "unversioned"

    def pages(self, *parts: str, **params: str) -> Iterator[dict[str, Any]]:
        """The items of an edge, following ``paging.cursors.after`` while the answer says there is a next page."""
        for _ in range(MAX_PAGES):
            body = self.get(*parts, **params)
            yield from (item for item in body.get("data") or [] if isinstance(item, dict))
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params = {**params, "after": str(after)}

    def classify(self, response: HttpResponse, *, publishing: bool) -> PublishResult:
        body = response.json_or_none()
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return classify_status(response, self.label, publishing=publishing)
        code, subcode = error.get("code"), error.get("error_subcode")
        what = f"{error.get('message', 'error')} (code {code}" + (f"/{subcode})" if subcode else ")")
        env = env_name(self.token_setting, self.name)

        if code in RATE_LIMIT_CODES or (code, subcode) == IG_PUBLISHING_LIMIT:
            wait = _graph_retry_after(response) or retry_after_header(response.headers) or GRAPH_RATE_LIMIT_WAIT
            return PublishResult.failed(
                Outcome.RETRY_AFTER, f"{self.label}: rate limited, retry after {wait:.0f} s: {what}", retry_after=wait
            )
        if code in TRANSIENT_CODES or error.get("is_transient") is True:
            return PublishResult.failed(Outcome.TRANSIENT, f"{self.label}: temporary Graph API error: {what}")
        if code in AUTH_CODES:
            return PublishResult.failed(
                Outcome.AUTH, f"{self.label}: access token refused or lacks a permission (auth) — check {env}: {what}"
            )
        if code in DUPLICATE_CODES:
            return PublishResult.failed(Outcome.DUPLICATE, f"{self.label}: already posted (duplicate): {what}")
        if response.status >= 500 and code is None:
            return classify_status(response, self.label, publishing=publishing, detail=what)
        return PublishResult.failed(Outcome.INVALID, f"{self.label}: refused: {what}")

    def _delete(self, remote_id: str) -> DeleteResult:
        request = HttpRequest("DELETE", self.url(remote_id), params={"access_token": self.token})
        body = self.send_json(request)
        if isinstance(body, dict) and body.get("success") is False:
            return DeleteResult(False, f"{self.label}: the API did not delete {remote_id}; delete it by hand")
        return DeleteResult(True, f"{self.label}: deleted {remote_id}")


OFFERED_METRICS = re.compile(r"must be one of the following values: ([\w, ]+)")


def withdrawn_metrics_left(result: PublishResult, asked: tuple[str, ...]) -> tuple[str, ...] | None:
    """The asked metrics Graph still offers, when ``result`` is its #100 refusal naming the valid ones; None
    when the failure is anything else."""
    match = OFFERED_METRICS.search(result.message) if result.outcome is Outcome.INVALID else None
    if match is None:
        return None
    valid = {name.strip() for name in match.group(1).split(",")}
    return tuple(name for name in asked if name in valid)


def insight_values(body: Any) -> dict[str, Any]:
    """``{"data": [{"name", "values": [{"value"}]} …]}`` (or ``total_value``) as {name: value}; a metric the
    answer leaves out is simply absent (the Insights API answers "no data" with an empty list, not 0)."""
    values: dict[str, Any] = {}
    for entry in (body or {}).get("data") or []:
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        if isinstance(entry.get("total_value"), dict):
            values[entry["name"]] = entry["total_value"].get("value")
        elif entry.get("values"):
            values[entry["name"]] = (entry["values"][-1] or {}).get("value")
    return values


def _graph_retry_after(response: HttpResponse) -> float | None:
    """``estimated_time_to_regain_access`` (minutes) from X-Business-Use-Case-Usage, the only usage header that
    says how long to wait; X-App-Usage and X-Page-Usage only give percentages."""
    raw = response.header("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access", 0)
        for entries in usage.values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    longest = max((m for m in minutes if isinstance(m, int | float)), default=0)
    return float(longest) * 60 if longest > 0 else None


class ContainerAdapter(GraphAdapter):
    """Instagram and Threads: container, wait for FINISHED, publish; the subclass names the edges and fields."""

    config: InstagramSettings | ThreadsSettings

    user_setting: ClassVar[str] = "user_id"
    container_edge: ClassVar[str]  # POST /{user}/<edge> creates a container; GET lists the user's posts
    publish_edge: ClassVar[str]
    status_field: ClassVar[str]  # Instagram says status_code, Threads says status
    status_detail_field: ClassVar[str]  # why a container is ERROR: Instagram's status, Threads' error_message
    text_field: ClassVar[str]  # Instagram says caption, Threads says text
    # Bounded wait for the platform to fetch and process the image: 10 polls, about 30 s in all.
    poll_delays: tuple[float, ...] = (1, 1, 2, 2, 3, 3, 4, 4, 5, 5)
    # Waits before each new look at a container whose publish answer was lost (and a publish while it is FINISHED).
    resend_delays: tuple[float, ...] = (1, 3)

    replies_edge: ClassVar[str]  # the public's replies under a post: Instagram's comments, Threads' replies
    reply_fields: ClassVar[str]

    def container_fields(self, item: Outgoing, image_url: str) -> dict[str, str]:
        raise NotImplementedError

    # --- reading ---------------------------------------------------------------------------------------------

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        return [self.snapshot(media_id, self._insights(media_id)) for media_id in batch]

    def _insights(self, media_id: str) -> dict[str, Any]:
        """One media's insights. Meta withdraws metrics (impressions, plays, 2025): the whole request then fails
        #100 listing the names still offered, so it is asked again without the withdrawn ones, which stay
        missing (None) — never 0 — and later requests of this pass ask for the offered ones only."""
        offered = getattr(self, "_offered", None) or self.metric_names
        try:
            return insight_values(self.get(media_id, "insights", metric=",".join(offered)))
        except Failed as failure:
            still = withdrawn_metrics_left(failure.result, offered)
            if still is None:
                raise
            self._offered = still
            return insight_values(self.get(media_id, "insights", metric=",".join(still))) if still else {}

    def _read_replies(self, remote_id: str) -> list[Reply]:
        own = self._own_username()
        replies: list[Reply] = []
        for item in self.pages(remote_id, self.replies_edge, fields=self.reply_fields, limit="100"):
            nested = (item.get("replies") or {}).get("data") or []  # Instagram: replies to a comment
            replies.extend(self._reply(remote_id, entry, own) for entry in [item, *nested] if isinstance(entry, dict))
        return replies

    def _reply(self, remote_id: str, entry: dict[str, Any], own: str) -> Reply:
        handle = entry.get("username") or (entry.get("from") or {}).get("username")
        return Reply(
            self.name,
            remote_id,
            str(entry.get("id", "")),
            handle,
            str(entry.get("text") or ""),
            parse_api_time(entry.get("timestamp")),
            entry.get("permalink"),
            from_office=bool(handle) and handle == own,
        )

    def _own_username(self) -> str:
        if not getattr(self, "_username", None):
            self._username = str(self.get(self.user_id, fields="id,username").get("username") or "")
        return self._username

    @property
    def user_id(self) -> str:
        return str(self.config.user_id)

    def _publish(self, item: Outgoing) -> PublishResult:
        if self.media is None:
            raise RuntimeError(f"{self.label} needs PUBLISHER_MEDIA_DIR and PUBLISHER_MEDIA_BASE_URL (images by URL)")
        image_url = self.media.put(item.image, item.image_format)
        self.note_start(item)
        created = self.post(self.user_id, self.container_edge, data=self.container_fields(item, image_url))
        container_id = str(created.get("id") or "")
        if not container_id:
            raise self.unexpected("no container id", publishing=False)
        self.note(item, "container_id", container_id)
        status = self._wait_for(container_id)
        if status == "PUBLISHED":  # cannot happen to a fresh container; never publish one twice all the same
            return self._already_published(item, container_id)
        return self._publish_container(container_id)

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        """The container says whether it was published; it is published again only while it says FINISHED."""
        container_id = item.progress.get("container_id")
        if not container_id:
            return self._find_by_text(item)
        for delay in (0.0, *self.resend_delays):
            self.sleep(delay)
            status = self._container_status(container_id)
            if status == "IN_PROGRESS":
                status = self._wait_for(container_id)
            if status == "PUBLISHED":
                return self._already_published(item, container_id)
            if status == "EXPIRED":
                expired = f"{self.label}: container {container_id} expired unpublished; safe to publish again"
                return PublishResult.failed(Outcome.TRANSIENT, expired)
            if status != "FINISHED":
                return None
            try:  # made but never published: finishing it now is exactly what was intended
                return self._publish_container(container_id)
            except Failed as failure:
                if failure.result.outcome in (Outcome.AUTH, Outcome.RETRY_AFTER):
                    raise
                # lost again, or refused: the container's status, read again, says which
        return None

    def _publish_container(self, container_id: str) -> PublishResult:
        body = self.post(self.user_id, self.publish_edge, data={"creation_id": container_id}, publishing=True)
        media_id = str(body.get("id") or "")
        if not media_id:
            raise self.unexpected(f"{self.publish_edge} gave no id for container {container_id}", publishing=True)
        return PublishResult.published(media_id, self._permalink(media_id))

    def _container_status(self, container_id: str) -> str:
        return self._container(container_id)[0]

    def _container(self, container_id: str) -> tuple[str, str]:
        body = self.get(container_id, fields=f"{self.status_field},{self.status_detail_field}")
        return str(body.get(self.status_field) or ""), str(body.get(self.status_detail_field) or "")

    def _wait_for(self, container_id: str) -> str:
        """Poll until the container is no longer IN_PROGRESS, a bounded number of times."""
        status = ""
        for delay in (0.0, *self.poll_delays):
            self.sleep(delay)
            status, detail = self._container(container_id)
            if status in ("FINISHED", "PUBLISHED"):
                return status
            if status in ("ERROR", "EXPIRED"):
                why = f" ({detail})" if detail and detail != status else ""
                raise self.invalid(f"container {container_id} is {status}{why}: the image or text was not accepted")
        raise Failed(
            PublishResult.failed(
                Outcome.TRANSIENT, f"{self.label}: container {container_id} still {status or 'processing'}; try later"
            )
        )

    def _already_published(self, item: Outgoing, container_id: str) -> PublishResult:
        found = self._find_by_text(item)
        if found is not None:
            return found
        return PublishResult(
            Outcome.DUPLICATE, message=f"{self.label}: container {container_id} was published; its post id is unknown"
        )

    def _find_by_text(self, item: Outgoing) -> PublishResult | None:
        """The account's recent posts, matched on the exact caption."""
        body = self.get(self.user_id, self.container_edge, fields=f"id,{self.text_field},permalink", limit="25")
        for post in body.get("data") or []:
            if isinstance(post, dict) and (post.get(self.text_field) or "").strip() == item.caption.strip():
                return PublishResult.published(str(post["id"]), post.get("permalink"))
        return None

    def _permalink(self, media_id: str) -> str | None:
        try:
            return self.get(media_id, fields="permalink").get("permalink")
        except Failed:
            return None  # it is published; a missing link must not turn that into a failure

    def _check_credentials(self) -> CredentialCheck:
        body = self.get(self.user_id, fields="id,username")
        return CredentialCheck(True, f"{self.label}: token works for @{body.get('username', '?')} ({body.get('id')})")
