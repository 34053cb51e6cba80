"""The HTTP seam every adapter talks through (``base``), and its two implementations (``requests``, ``dry_run``)."""

from publisher.adapters.transport.base import (
    AnswerLost,
    HttpRequest,
    HttpResponse,
    NothingSent,
    Transport,
    TransportError,
)
from publisher.adapters.transport.dry_run import DryRunTransport
from publisher.adapters.transport.requests import RequestsTransport

__all__ = [
    "AnswerLost",
    "DryRunTransport",
    "HttpRequest",
    "HttpResponse",
    "NothingSent",
    "RequestsTransport",
    "Transport",
    "TransportError",
]
