"""Facebook Page (Graph API): photo posts to a Page.

POST {base}/{page_id}/photos        multipart: source (bytes), message, alt_text_custom, access_token
                                    -> {"id": photo id, "post_id": page post id}
GET  {base}/{post_id}?fields=permalink_url
GET  {base}/{page_id}/posts         reconcile: recent posts matched on the caption
DELETE {base}/{post_id}             retract
GET  {base}/{page_id}?fields=id,name  doctor
"""

from __future__ import annotations

from publisher.adapters.base import CardSpec, CredentialCheck, Failed, Outgoing
from publisher.adapters.graph import GraphAdapter
from publisher.adapters.results import PublishResult
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

    def _permalink(self, post_id: str) -> str:
        try:
            link = self.get(post_id, fields="permalink_url").get("permalink_url")
        except Failed:
            link = None  # published all the same; the plain post URL below also works
        return link or f"https://www.facebook.com/{post_id}"

    def _check_credentials(self) -> CredentialCheck:
        body = self.get(self.page_id, fields="id,name")
        return CredentialCheck(True, f"{self.label}: token works for page {body.get('name', '?')} ({body.get('id')})")
