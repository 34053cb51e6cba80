"""Instagram (Graph API with Facebook login): single-image posts through a media container.

    POST {base}/{ig_user_id}/media           image_url, caption, alt_text -> {"id": container}
    GET  {base}/{container}?fields=status_code,status   IN_PROGRESS | FINISHED | PUBLISHED | ERROR | EXPIRED
    POST {base}/{ig_user_id}/media_publish   creation_id -> {"id": media id}
    GET  {base}/{media_id}?fields=permalink
    GET  {base}/{ig_user_id}/media           reconcile without a container id: recent media by caption
    DELETE {base}/{media_id}                 retract (Facebook-login accounts only)
    GET  {base}/{ig_user_id}?fields=id,username  doctor; the account's own username marks its replies
    GET  {base}/{media_id}/insights?metric=…   reading: views, reach, likes, comments, shares, saved, …
    GET  {base}/{media_id}/comments          reading: the public's comments, each with its replies

Instagram fetches the image from ``image_url`` (the MediaStore's public URL). The shared flow is in ``graph.py``.
"""

from __future__ import annotations

from publisher.adapters.base import CardSpec, Outgoing
from publisher.adapters.graph import ContainerAdapter
from publisher.infra.settings import InstagramSettings
from publisher.text.counting import Counting


class InstagramAdapter(ContainerAdapter):
    config: InstagramSettings  # what build_adapter hands this platform
    name = "instagram"
    label = "Instagram"
    max_chars = 2_200
    counting = Counting.CHARS
    max_hashtags = 30
    card = CardSpec(1080, 1350, "JPEG", 8_000_000)
    image_formats = ("JPEG",)  # the content publishing API accepts JPEG only
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True
    delete_note = "deletion works only for accounts connected with Facebook login"
    needs_public_media_url = True

    container_edge = "media"
    publish_edge = "media_publish"
    status_field = "status_code"
    status_detail_field = "status"
    text_field = "caption"

    # Reading: GET /{media}/insights?metric=… (one media per call) and GET /{media}/comments (with their replies).
    # Metrics as of Graph v22+: impressions/plays/video_views were withdrawn in 2025 in favour of views.
    metric_names = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
    read_batch_size = 1
    replies_edge = "comments"
    reply_fields = "id,text,timestamp,username,from,replies{id,text,timestamp,username,from}"

    def container_fields(self, item: Outgoing, image_url: str) -> dict[str, str]:
        fields = {"image_url": image_url, "caption": item.caption}
        if item.alt:
            fields["alt_text"] = item.alt
        return fields
