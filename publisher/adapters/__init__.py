"""Platform adapters: one module per platform over one HTTP seam (``transport/``), found through entry points.

``registry`` discovers the adapters (the ``publisher.adapters`` entry-point group) and builds one, ``base`` is the
class they share, ``results`` the outcome tree they answer with, ``failures`` how HTTP answers map onto it, and
``media`` the store for platforms that fetch images by URL.
"""

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Outgoing
from publisher.adapters.registry import (
    ConfigurationError,
    NotConfigured,
    adapter_class,
    adapter_classes,
    build_adapter,
    platform_names,
)
from publisher.adapters.results import Outcome, PublishResult

__all__ = [
    "Adapter",
    "CardSpec",
    "ConfigurationError",
    "CredentialCheck",
    "DeleteResult",
    "NotConfigured",
    "Outcome",
    "Outgoing",
    "PublishResult",
    "adapter_class",
    "adapter_classes",
    "build_adapter",
    "platform_names",
]
