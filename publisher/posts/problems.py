"""A problem found in a post file, printed the way compilers print them: ``path:line: error: message``, and the
result of loading one file (:class:`LoadResult`: its post when valid, its problems, the line of each key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from publisher.posts.model import Post

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


@dataclass
class LoadResult:
    path: Path
    display: str
    post: Post | None = None
    post_id: str | None = None  # known even when the post is invalid, for duplicate detection
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.post is not None and not any(p.is_error for p in self.problems)

    def line_of(self, *keys: str) -> int:
        for key in keys:
            if key in self.lines:
                return self.lines[key]
        return 1
