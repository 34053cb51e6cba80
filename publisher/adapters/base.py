"""What every adapter declares about its platform, as data.

The checker, the caption builder, the card renderer and the previewer read these same class attributes, so each
platform's limits are written down once, here in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from publisher.textcount import Counting, count


@dataclass(frozen=True)
class CardSpec:
    """The image a platform gets: pixel size, encoder format (``JPEG``/``PNG``) and byte ceiling."""

    width: int
    height: int
    format: str
    max_bytes: int

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "JPEG" else self.format.lower()

    @property
    def mime_type(self) -> str:
        return f"image/{'jpeg' if self.format == 'JPEG' else self.format.lower()}"


class Adapter:
    """Base class: platform facts as class attributes; the publishing behaviour lives in each subclass."""

    name: ClassVar[str]
    label: ClassVar[str]
    max_chars: ClassVar[int]
    counting: ClassVar[Counting] = Counting.CHARS
    max_hashtags: ClassVar[int | None] = None
    card: ClassVar[CardSpec]
    image_formats: ClassVar[tuple[str, ...]] = ("JPEG", "PNG")
    supports_alt_text: ClassVar[bool] = True
    max_alt_chars: ClassVar[int] = 1000
    can_delete: ClassVar[bool] = True
    delete_note: ClassVar[str] = ""
    needs_public_media_url: ClassVar[bool] = False

    @classmethod
    def count(cls, text: str) -> int:
        return count(text, cls.counting)
