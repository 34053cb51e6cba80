"""Rules for a post's own ``image``: inside the posts folder, present, a readable picture, not a decompression bomb."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

from publisher.i18n import _
from publisher.posts.problems import LoadResult, error

MAX_IMAGE_PIXELS = 40_000_000  # ~ 8000×5000; anything larger is refused as a possible decompression bomb


def check_image(image: Path, post_path: Path, root: Path, result: LoadResult) -> Path:
    line = result.line_of("image")
    resolved = (post_path.parent / image).resolve()
    if not resolved.is_relative_to(root.resolve()):
        result.problems.append(
            error(result.display, line, _("image {path!r} is outside the posts folder").format(path=str(image)))
        )
        return resolved
    if not resolved.is_file():
        result.problems.append(error(result.display, line, _("image {path!r} not found").format(path=str(image))))
        return resolved
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(resolved) as img:
                width, height = img.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{width}×{height} pixels")
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        result.problems.append(
            error(
                result.display,
                line,
                _("image {path!r} is too large to open safely (limit 40 megapixels)").format(path=str(image)),
            )
        )
    except Exception:  # Pillow raises many types for corrupt files; all mean the same to the author
        result.problems.append(
            error(result.display, line, _("image {path!r} is not a readable image").format(path=str(image)))
        )
    return resolved
