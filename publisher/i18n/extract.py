"""Babel extractor for Python files whose click commands keep their help in docstrings (``babel.cfg`` names it).

The messages ``_()``, ``ngettext()``, ``lazy()`` and ``N_()`` mark are found as Babel's own Python extractor finds
them; a command's docstring is its help, so it is extracted too, cleaned as click shows it
(:class:`publisher.i18n.cli.TranslatedCommand` looks it up the same way).
"""

from __future__ import annotations

import ast
import inspect
import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python


def extract_with_command_help(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Any
) -> Iterator[tuple[Any, ...]]:  # Babel's (lineno, funcname, message, comments)
    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(_is_command(d) for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, "", inspect.cleandoc(doc), ["command help (click)"]


def _is_command(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr in ("command", "group")
