"""Post files → validated ``Post``: the model, the loader, the rules, ``publisher check`` and the lookup by id."""

from publisher.posts.loader import load_post
from publisher.posts.model import Kind, Post, Status
from publisher.posts.problems import LoadResult, Problem

# Not re-exported: ``check`` (check_paths) and ``lookup`` (load_post_by_id). They read every post against the
# adapters' limits, and the adapters import the text package, which imports ``posts.model``: re-exporting them here
# would make importing ``posts.model`` import the adapters first. Import them from their modules.
__all__ = ["Kind", "LoadResult", "Post", "Problem", "Status", "load_post"]
