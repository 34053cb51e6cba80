"""Every Redis key the scheduler uses, in one place, under the installation's namespace."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    namespace: str

    def _key(self, *parts: str) -> str:
        return ":".join((self.namespace, "sched", *parts))

    @property
    def due(self) -> str:
        return self._key("due")

    @property
    def leased(self) -> str:
        return self._key("leased")

    @property
    def posts(self) -> str:
        return self._key("posts")

    @property
    def paused(self) -> str:
        return self._key("paused")

    @property
    def events(self) -> str:
        """A stream of settled publications, newest last (:mod:`publisher.scheduler.events`)."""
        return self._key("events")

    @property
    def prefix(self) -> str:
        """For Lua scripts that build per-target keys from the ids they find."""
        return self._key("")

    def target(self, target_id: str) -> str:
        return self._key("target", target_id)

    def running(self, target_id: str) -> str:
        return self._key("running", target_id)

    def post(self, post_id: str) -> str:
        return self._key("post", post_id)

    def image(self, digest: str) -> str:
        return self._key("image", digest)

    def blocked(self, platform: str) -> str:
        return self._key("blocked", platform)

    def gcra(self, platform: str) -> str:
        return self._key("gcra", platform)
