"""Facebook Page (Graph API): photo posts to a Page.

POST {base}/{page_id}/photos        multipart: source (bytes), message, alt_text_custom, access_token
                                    -> {"id": photo id, "post_id": page post id}
GET  {base}/{post_id}?fields=permalink_url
GET  {base}/{page_id}/posts         reconcile: recent posts matched on the caption
DELETE {base}/{post_id}             retract
GET  {base}/{page_id}?fields=id,name  doctor
GET  {base}/?ids=a,b,…&fields=reactions.summary(true),comments.summary(true),shares,insights.metric(…)
                                    reading: up to 50 posts per call (Graph's multiple-id read); the insights
                                    field is the /{post}/insights edge, expanded in the same request
GET  {base}/{post_id}/comments      reading: comments and replies (filter=stream), who wrote them
"""

from __future__ import annotations

from typing import Any

from publisher.adapters.base import CardSpec, CredentialCheck, Failed, Outgoing
from publisher.adapters.graph import GraphAdapter, insight_values
from publisher.adapters.reads import MetricSnapshot, Reply, count_or_none, parse_api_time
from publisher.adapters.results import Outcome, PublishResult
from publisher.infra.settings import FacebookSettings
from publisher.text.counting import Counting


class FacebookAdapter(GraphAdapter):
    config: FacebookSettings  # what build_adapter hands this platform
    name = "facebook"
    label = "Facebook"
    max_chars = 63_206
    counting = Counting.CHARS
    card = CardSpec(1200, 630, "PNG", 4_000_000)
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True

    # Reading. Counters under Graph's own names: reactions and comments are their edges' summary.total_count,
    # shares is shares.count (Graph leaves ``shares`` out of the answer until a post is first shared: recorded as
    # missing, not 0). Impressions were withdrawn on 15 Nov 2025; post_total_media_view_unique is their successor.
    insight_metrics = ("post_total_media_view_unique", "post_clicks")
    metric_names = ("reactions", "comments", "shares", *insight_metrics)
    read_batch_size = 50  # Graph's multiple-id read takes at most 50 ids

    @property
    def page_id(self) -> str:
        return str(self.config.page_id)

    def _publish(self, item: Outgoing) -> PublishResult:
        fields = {"message": item.caption}
        if item.alt:
            fields["alt_text_custom"] = item.alt
        self.note_start(item)
        image = {"source": (self.filename_of(item), item.image, self.mime_of(item))}
        body = self.post(self.page_id, "photos", data=fields, files=image, publishing=True)
        post_id = str(body.get("post_id") or body.get("id") or "")
        if not post_id:
            raise self.unexpected("no post_id in the answer to /photos", publishing=True)
        return PublishResult.published(post_id, self._permalink(post_id))

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        body = self.get(self.page_id, "posts", fields="id,message,permalink_url", limit="25")
        for post in body.get("data") or []:
            if isinstance(post, dict) and (post.get("message") or "").strip() == item.caption.strip():
                return PublishResult.published(str(post["id"]), post.get("permalink_url"))
        return None

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        counts = "reactions.summary(true),comments.summary(true),shares"
        insights = f",insights.metric({','.join(self.insight_metrics)})"
        try:
            body = self.get("", ids=",".join(batch), fields=counts + ("" if self._no_insights else insights))
        except Failed as failure:
            # A withdrawn insights metric fails the whole read (#100, "must be a valid insights metric"):
            # the counts are read without the insights, which stay missing (None) for the rest of the pass.
            if self._no_insights or not _refused_insights(failure):
                raise
            self._no_insights = True
            body = self.get("", ids=",".join(batch), fields=counts)
        return [self.snapshot(post_id, _counters(body.get(post_id))) for post_id in batch]

    _no_insights = False

    def _read_replies(self, remote_id: str) -> list[Reply]:
        fields = "id,message,created_time,from,permalink_url"
        return [
            Reply(
                self.name,
                remote_id,
                str(comment.get("id", "")),
                (comment.get("from") or {}).get("name"),  # Graph names a commenter only where allowed
                str(comment.get("message") or ""),
                parse_api_time(comment.get("created_time")),
                comment.get("permalink_url"),
                from_office=str((comment.get("from") or {}).get("id")) == self.page_id,
            )
            for comment in self.pages(remote_id, "comments", fields=fields, filter="stream", limit="100")
        ]

    def _permalink(self, post_id: str) -> str:
        try:
            link = self.get(post_id, fields="permalink_url").get("permalink_url")
        except Failed:
            link = None  # published all the same; the plain post URL below also works
        return link or f"https://www.facebook.com/{post_id}"

    def _check_credentials(self) -> CredentialCheck:
        body = self.get(self.page_id, fields="id,name")
        return CredentialCheck(True, f"{self.label}: token works for page {body.get('name', '?')} ({body.get('id')})")


def _counters(node: Any) -> dict[str, Any]:
    """One post's node of a multiple-id read as {metric: value}; absent edges stay absent."""
    if not isinstance(node, dict):
        return {}
    counters: dict[str, Any] = dict(insight_values(node.get("insights")))
    for edge in ("reactions", "comments"):
        if isinstance(node.get(edge), dict):
            counters[edge] = (node[edge].get("summary") or {}).get("total_count")
    if isinstance(node.get("shares"), dict):
        counters["shares"] = count_or_none(node["shares"].get("count"))
    return counters


def _refused_insights(failure: Failed) -> bool:
    message = failure.result.message
    return failure.result.outcome is Outcome.INVALID and "(#100)" in message and "insights metric" in message
