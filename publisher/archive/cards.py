"""A copy of every card that went out, by content: ``archive/cards/ab/cdef…`` under the state dir.

The name is the card's SHA-256 (the ledger's ``image_sha256``), split after two characters so no directory grows
past a few thousand files. Writing is atomic (temp file + rename) and idempotent: a card already kept is not
written again, and two workers keeping the same card at once both end with the same file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from publisher.infra.files import write_atomic
from publisher.infra.settings import Settings

# sha256 hex → the card's bytes, or None; how catch_up finds cards it was not handed.
CardLookup = Callable[[str], bytes | None]


class CardStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def from_settings(cls, settings: Settings) -> CardStore:
        return cls(Path(settings.state_dir) / "archive" / "cards")

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def keep(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha256)
        if path.is_file():
            return sha256
        write_atomic(path, data)
        return sha256

    def read(self, sha256: str) -> bytes | None:
        path = self.path_for(sha256)
        return path.read_bytes() if path.is_file() else None


def render_cache_lookup(directories: Iterable[Path]) -> CardLookup:
    """Find a card by SHA-256 among the files of the render cache (``state_dir/cards``) and the media dir, which
    hold every card that was sent while they are not cleaned. Each file is hashed once, on the first lookup."""
    index: dict[str, Path] | None = None

    def lookup(sha256: str) -> bytes | None:
        nonlocal index
        if index is None:
            index = {}
            for directory in directories:
                if Path(directory).is_dir():
                    for path in Path(directory).rglob("*"):
                        if path.suffix.lower() in (".png", ".jpg", ".jpeg") and path.is_file():
                            index[hashlib.sha256(path.read_bytes()).hexdigest()] = path
        found = index.get(sha256)
        return found.read_bytes() if found is not None else None

    return lookup
