"""A problem found in a post file, printed the way compilers print them: ``path:line: error: message``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, "error", message)


def warning(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, "warning", message)
