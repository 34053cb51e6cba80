"""The review site of ``publisher preview``: see :mod:`publisher.preview.site`."""

from publisher.preview.site import PreviewReport, build_site

__all__ = ["PreviewReport", "build_site"]
