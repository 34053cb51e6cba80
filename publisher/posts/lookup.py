"""One way to find a post by id (``publisher publish``, ``poster``, the worker): validated as ``check`` does."""

from __future__ import annotations

from publisher.i18n import _
from publisher.infra.settings import Settings
from publisher.posts.check import check_paths
from publisher.posts.model import Post


class PostNotFound(LookupError):
    pass


class PostInvalid(ValueError):
    def __init__(self, post_id: str, problems: list[str]) -> None:
        super().__init__(
            _("post {id!r} has errors (run `publisher check`):").format(id=post_id) + "\n" + "\n".join(problems)
        )
        self.problems = problems


def load_post_by_id(post_id: str, settings: Settings) -> Post:
    """The post with this id from the posts dir, validated exactly as ``publisher check`` does."""
    report = check_paths(None, settings)
    for result in report.results:
        if result.post_id == post_id:
            if result.ok and result.post is not None:
                return result.post
            raise PostInvalid(post_id, [str(p) for p in result.problems if p.is_error])
    raise PostNotFound(_("no post with id {id!r} in {folder}").format(id=post_id, folder=settings.posts_dir))
