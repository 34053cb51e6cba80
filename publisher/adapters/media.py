"""Where images go when a platform fetches them by URL (Instagram, Threads) instead of receiving the bytes.

``MediaStore.put`` writes the bytes under ``PUBLISHER_MEDIA_DIR`` with a name derived from their content hash, and
returns the public URL under ``PUBLISHER_MEDIA_BASE_URL``. Same bytes, same name: a retry does not pile up copies,
and a URL never points at different content than it did when a platform fetched it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from publisher.infra.files import write_atomic
from publisher.infra.settings import Settings


def extension(image_format: str) -> str:
    """The file extension of a Pillow format name: ``JPEG`` → ``jpg``, ``PNG`` → ``png``."""
    return "jpg" if image_format.upper() in ("JPEG", "JPG") else image_format.lower()


def mime_type(image_format: str) -> str:
    """The MIME type of a Pillow format name: ``JPEG`` → ``image/jpeg``, ``PNG`` → ``image/png``."""
    return "image/jpeg" if image_format.upper() in ("JPEG", "JPG") else f"image/{image_format.lower()}"


class MediaStore:
    def __init__(self, media_dir: Path | str, base_url: str) -> None:
        self.media_dir = Path(media_dir)
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaStore | None:
        media_dir, base_url = settings.media_dir, settings.media_base_url
        return cls(media_dir, base_url) if media_dir and base_url else None

    @staticmethod
    def name_for(image: bytes, image_format: str) -> str:
        return f"{hashlib.sha256(image).hexdigest()[:32]}.{extension(image_format)}"

    def url_for(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def put(self, image: bytes, image_format: str) -> str:
        name = self.name_for(image, image_format)
        path = self.media_dir / name
        if not path.exists():  # a platform fetching at the same moment never reads half a file
            write_atomic(path, image, mode=0o644)  # served by a web server running as another user
        return self.url_for(name)


class DryRunMediaStore(MediaStore):
    """Computes the URL a real store would give, writes nothing (a dry run leaves no files behind)."""

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__(Path(os.devnull), base_url or "https://media.dry-run.invalid")

    def put(self, image: bytes, image_format: str) -> str:
        return self.url_for(self.name_for(image, image_format))
