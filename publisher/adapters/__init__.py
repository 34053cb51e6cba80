"""Platform adapters, one module per platform, discovered through the ``publisher.adapters`` entry-point group.

The built-in adapters are registered in ``pyproject.toml`` exactly as a third-party package would register its
own, so adding a platform is one module plus one entry-point line.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from publisher.adapters.base import Adapter, CardSpec

ENTRY_POINT_GROUP = "publisher.adapters"

__all__ = ["Adapter", "CardSpec", "adapter_class", "adapter_classes", "platform_names"]


@cache
def adapter_classes() -> dict[str, type[Adapter]]:
    found: dict[str, type[Adapter]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        cls = entry.load()
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a publisher Adapter")
        found[cls.name] = cls
    if not found:
        raise RuntimeError("no adapters registered: install the package with `pip install -e .`")
    return dict(sorted(found.items()))


def adapter_class(name: str) -> type[Adapter]:
    return adapter_classes()[name]


def platform_names() -> set[str]:
    return set(adapter_classes())
