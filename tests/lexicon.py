"""A small checker of values against atproto lexicons (tests/conformance/refs/bluesky/lexicons).

Covers what the publisher's requests use: objects and records (required fields, and no field the lexicon does not
name), strings (``maxLength`` in UTF-8 bytes, ``maxGraphemes``, formats), integers (``minimum``), booleans,
arrays (``maxLength`` in items), refs, unions (by ``$type``), blobs (``accept``, ``maxSize``) and ``unknown``
(a record with a ``$type`` is checked against its own lexicon). String formats follow the atproto syntax pages;
:func:`format_ok` is itself tested against the atproto interop files (valid and invalid lists).
"""

from __future__ import annotations

import fnmatch
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import regex

_FORMATS = {
    "tid": re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$"),
    "record-key": re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._:~-]{1,512}$"),
    "did": re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$"),
    "nsid": re.compile(
        r"^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
        r"\.[a-zA-Z][a-zA-Z0-9]{0,62}$"
    ),
    "handle": re.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"),
    # BCP 47 (RFC 5646 langtag | privateuse | the grandfathered i-* and sgn-* tags)
    "language": re.compile(
        r"^(?:(?:[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}|[a-zA-Z]{4,8})(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?"
        r"(?:-(?:[a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[a-zA-Z0-9]{2,8})+)*"
        r"(?:-[xX](?:-[a-zA-Z0-9]{1,8})+)?|[xX](?:-[a-zA-Z0-9]{1,8})+|i-[a-z]+|sgn-[A-Z]{2}-[A-Z]{2})$"
    ),
    "datetime": re.compile(
        r"^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]+)?(Z|[+-][0-2][0-9]:[0-5][0-9])$"
    ),
    "uri": re.compile(r"^[a-z][a-z.+-]*:\S+$"),
}


def format_ok(name: str, value: str) -> bool:
    if name == "at-identifier":
        return format_ok("did", value) or format_ok("handle", value)
    if name == "datetime":
        if not _FORMATS["datetime"].match(value) or value.endswith("-00:00"):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    if name == "did" and len(value) > 2048:
        return False
    if name == "nsid" and len(value) > 317:
        return False
    pattern = _FORMATS.get(name)
    return pattern is None or bool(pattern.match(value))  # cid, at-uri: not used by our requests' checks


class Lexicons:
    def __init__(self, folder: Path) -> None:
        self.docs = {doc["id"]: doc for doc in (json.loads(p.read_text()) for p in sorted(folder.glob("*.json")))}

    def definition(self, ref: str, context: str) -> tuple[dict[str, Any], str]:
        """The definition a ref names, and the lexicon id it lives in (``#x`` is relative to ``context``)."""
        lexicon, _, name = ref.partition("#")
        lexicon = lexicon or context
        return self.docs[lexicon]["defs"][name or "main"], lexicon

    def check_main(self, nsid: str, value: Any, where: str) -> list[str]:
        return self.check(value, self.docs[nsid]["defs"]["main"], nsid, where)

    def check(self, value: Any, schema: dict[str, Any], context: str, where: str) -> list[str]:
        kind = schema["type"]
        if kind == "ref":
            definition, lexicon = self.definition(schema["ref"], context)
            return self.check(value, definition, lexicon, where)
        if kind == "record":
            return self.check(value, schema["record"], context, where)
        if kind == "union":
            return self._union(value, schema, context, where)
        if kind == "object":
            return self._object(value, schema, context, where)
        if kind == "array":
            return self._array(value, schema, context, where)
        if kind == "unknown":
            if isinstance(value, dict) and value.get("$type") in self.docs:
                return self.check_main(value["$type"], value, where)
            return [] if isinstance(value, dict) else [f"{where}: not an object"]
        return _scalar(value, schema, where)

    def _object(self, value: Any, schema: dict[str, Any], context: str, where: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        properties = schema.get("properties", {})
        problems = [f"{where}: missing required {key!r}" for key in schema.get("required", []) if key not in value]
        problems += [
            f"{where}: {key!r} is not in the lexicon" for key in value if key not in properties and key != "$type"
        ]
        for key, item in value.items():
            if key in properties:
                problems += self.check(item, properties[key], context, f"{where}.{key}")
        return problems

    def _array(self, value: Any, schema: dict[str, Any], context: str, where: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        problems = []
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: {len(value)} items, at most {schema['maxLength']}")
        for index, item in enumerate(value):
            problems += self.check(item, schema["items"], context, f"{where}[{index}]")
        return problems

    def _union(self, value: Any, schema: dict[str, Any], context: str, where: str) -> list[str]:
        kind = value.get("$type") if isinstance(value, dict) else None
        names = {ref if not ref.startswith("#") else f"{context}{ref}": ref for ref in schema["refs"]}
        if kind not in names:
            return [f"{where}: $type {kind!r} is not one of {sorted(names)}"]
        definition, lexicon = self.definition(names[kind], context)
        return self.check(value, definition, lexicon, where)


def _scalar(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    kind = schema["type"]
    if kind == "string":
        return _string(value, schema, where)
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{where}: not an integer"]
        low, high = schema.get("minimum"), schema.get("maximum")
        return (
            [f"{where}: {value} out of [{low}, {high}]"]
            if (low is not None and value < low) or (high is not None and value > high)
            else []
        )
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: not a boolean"]
    if kind == "blob":
        return _blob(value, schema, where)
    return []  # bytes, cid-link: not in our requests


def _string(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{where}: not a string"]
    problems = []
    if "maxLength" in schema and len(value.encode()) > schema["maxLength"]:
        problems.append(f"{where}: {len(value.encode())} UTF-8 bytes, at most {schema['maxLength']}")
    graphemes = len(regex.findall(r"\X", value))
    if "maxGraphemes" in schema and graphemes > schema["maxGraphemes"]:
        problems.append(f"{where}: {graphemes} graphemes, at most {schema['maxGraphemes']}")
    if "format" in schema and not format_ok(schema["format"], value):
        problems.append(f"{where}: {value!r} is not a valid {schema['format']}")
    return problems


def _blob(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, dict) or value.get("$type") != "blob":
        return [f"{where}: not a blob ($type blob)"]
    problems = []
    if not isinstance(value.get("ref"), dict) or not isinstance(value["ref"].get("$link"), str):
        problems.append(f"{where}: blob without ref.$link")
    mime, size = value.get("mimeType"), value.get("size")
    if not isinstance(mime, str) or not any(fnmatch.fnmatch(mime, a) for a in schema.get("accept", ["*/*"])):
        problems.append(f"{where}: mimeType {mime!r} not in {schema.get('accept')}")
    if not isinstance(size, int) or size > schema.get("maxSize", size):
        problems.append(f"{where}: size {size!r} over {schema.get('maxSize')}")
    return problems
