"""Threads (Threads API): an image container, then publish.

    POST {base}/{user_id}/threads            media_type=IMAGE, image_url, text, alt_text -> {"id": container}
    GET  {base}/{container}?fields=status,error_message   IN_PROGRESS | FINISHED | PUBLISHED | ERROR | EXPIRED
    POST {base}/{user_id}/threads_publish    creation_id -> {"id": media id}
    GET  {base}/{media_id}?fields=permalink
    GET  {base}/{user_id}/threads            reconcile without a container id: recent posts by text
    DELETE {base}/{media_id}                 retract
    GET  {base}/{user_id}?fields=id,username doctor; the account's own username marks its replies
    GET  {base}/{media_id}/insights?metric=… reading: views, likes, replies, reposts, quotes, shares
    GET  {base}/{media_id}/replies           reading: the top-level replies

Threads fetches the image from ``image_url``; errors are Graph-shaped. The shared flow is in ``graph.py``.
"""

from __future__ import annotations

from publisher.adapters.base import CardSpec, Outgoing
from publisher.adapters.graph import ContainerAdapter
from publisher.infra.settings import ThreadsSettings
from publisher.text.counting import Counting


class ThreadsAdapter(ContainerAdapter):
    config: ThreadsSettings  # what build_adapter hands this platform
    name = "threads"
    label = "Threads"
    max_chars = 500
    counting = Counting.CHARS
    card = CardSpec(1080, 1350, "JPEG", 8_000_000)
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True
    needs_public_media_url = True

    container_edge = "threads"
    publish_edge = "threads_publish"
    status_field = "status"
    status_detail_field = "error_message"
    text_field = "text"

    # Reading: GET /{media}/insights?metric=… (one post per call) and GET /{media}/replies (top-level replies).
    metric_names = ("views", "likes", "replies", "reposts", "quotes", "shares")
    read_batch_size = 1
    replies_edge = "replies"
    reply_fields = "id,text,timestamp,username,permalink"

    def container_fields(self, item: Outgoing, image_url: str) -> dict[str, str]:
        fields = {"media_type": "IMAGE", "image_url": image_url, "text": item.caption}
        if item.alt:
            fields["alt_text"] = item.alt
        return fields
