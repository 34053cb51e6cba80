"""Post files → validated ``Post``: the model, the loader, the rules, ``publisher check`` and the lookup by id.

Only the model and its problems are re-exported. The loader runs the rules, and the rules check that the card
fonts can draw a post's scripts (:mod:`publisher.cards`), which imports the adapters and settings, whose brand
colours are keyed by ``Kind``: re-exporting the loader here would make importing ``posts.model`` import all of
that first. Import ``load_post``, ``check_paths`` and ``load_post_by_id`` from their modules.
"""

from publisher.posts.model import Kind, Post, Status
from publisher.posts.problems import LoadResult, Problem

__all__ = ["Kind", "LoadResult", "Post", "Problem", "Status"]
