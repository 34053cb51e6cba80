"""Post file → validated ``Post``, or the list of problems that stop it, each with the line of the key at fault.

A post file is UTF-8 Markdown: a YAML front matter block between ``---`` lines, then the body (the caption).
PyYAML's node marks give every key its line; pydantic's error locations are mapped back onto those lines.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError

from publisher.i18n import _
from publisher.posts import limits
from publisher.posts.model import English, Event, Post, SkmSummary
from publisher.posts.problems import LoadResult, Problem, error
from publisher.posts.rules import check_post
from publisher.posts.rules.image import check_image

FENCE = "---"
RESERVED_KEYS = {"body", "source"}


# libyaml's parser when PyYAML was built with it (several times faster), the pure-Python one otherwise; both
# give every node its line.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that leaves timestamps as the text the author typed, so ``post.py`` applies the office zone."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_post(
    path: Path,
    *,
    tz: ZoneInfo,
    root: Path | None = None,
    platforms: set[str] | None = None,
    display: str | None = None,
) -> LoadResult:
    """Read and validate one post file. Never raises for bad input: every problem is in ``result.problems``."""
    result = LoadResult(path=path, display=display or str(path))
    text = _read_text(path, result)
    if text is None:
        return result
    split = _split_front_matter(text, result)
    if split is None:
        return result
    front, body = split
    data = _parse_yaml(front, result)
    if data is None:
        return result

    raw_id = data.get("id", path.stem)
    result.post_id = str(raw_id).strip() if raw_id is not None else path.stem
    for key in sorted(RESERVED_KEYS & data.keys()):
        result.problems.append(
            error(
                result.display,
                result.line_of(key),
                _("unknown key {key!r}: the body goes below the closing '---'").format(key=key),
            )
        )
        data.pop(key)
    data.setdefault("id", path.stem)
    if "body" in result.lines:  # the body's line is that of its first non-blank line
        result.lines["body"] += body[: len(body) - len(body.lstrip())].count("\n")
    data["body"] = body.strip()
    data["source"] = path

    try:
        post = Post.model_validate(data, context={"tz": tz, "platforms": platforms})
    except ValidationError as exc:
        result.problems.extend(_explain(exc, result))
        return result

    if post.image is not None:
        resolved = check_image(post.image, path, root or path.parent, result)
        post = post.model_copy(update={"image": resolved})

    result.problems.extend(check_post(post, result))
    result.post = post
    return result


def _read_text(path: Path, result: LoadResult) -> str | None:
    refused = limits.file_problem(path)
    if refused is not None:
        result.problems.append(error(result.display, 1, refused))
        return None
    try:
        raw = limits.read_limited(path)
    except OSError as exc:
        result.problems.append(
            error(result.display, 1, _("cannot read file: {reason}").format(reason=exc.strerror or exc))
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        result.problems.append(
            error(
                result.display,
                line,
                _("not UTF-8 text (byte 0x{byte:02x}): save the file as UTF-8").format(byte=raw[exc.start]),
            )
        )
        return None
    if not text.strip():
        result.problems.append(error(result.display, 1, _("empty file: a post needs front matter and a body")))
        return None
    return text


def _split_front_matter(text: str, result: LoadResult) -> tuple[str, str] | None:
    lines = text.splitlines(keepends=True)
    if lines[0].rstrip() != FENCE:
        result.problems.append(
            error(result.display, 1, _("missing front matter: the file must start with a line '---'"))
        )
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in (FENCE, "..."):
            result.lines["body"] = number + 1
            return "".join(lines[1 : number - 1]), "".join(lines[number:])
    result.problems.append(
        error(result.display, 1, _("front matter opened at line 1 is never closed with a '---' line"))
    )
    return None


def _parse_yaml(front: str, result: LoadResult) -> dict[str, Any] | None:
    loader = _YamlLoader(front)
    try:
        node = loader.get_single_node()
        if node is None:
            result.problems.append(
                error(
                    result.display,
                    1,
                    _("front matter is empty: kind, title, publish_at, platforms are required"),
                )
            )
            return None
        if not isinstance(node, yaml.MappingNode):
            result.problems.append(error(result.display, 2, _("front matter must be 'key: value' lines")))
            return None
        too_big = _too_big(node)
        if too_big is not None:
            result.problems.append(error(result.display, too_big[0], too_big[1]))
            return None
        duplicates = _index_lines(node, "", result.lines, set())
        for key, line in duplicates:
            result.problems.append(error(result.display, line, _("key {key!r} appears twice").format(key=key)))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        # Report where the broken construct starts (an unclosed "[" ...), and where the parser gave up.
        start, end = exc.context_mark, exc.problem_mark
        mark = start or end
        line = mark.line + 2 if mark is not None else 1
        detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if start and end and end.line != start.line:
            detail += " " + _("(at line {line})").format(line=end.line + 2)
        result.problems.append(error(result.display, line, _("YAML syntax: {detail}").format(detail=detail)))
        return None
    except yaml.YAMLError as exc:
        result.problems.append(error(result.display, 1, limits.one_line(_("YAML syntax: {detail}").format(detail=exc))))
        return None
    except RecursionError:  # the pure-Python parser, before the depth check can see the nodes
        result.problems.append(error(result.display, 1, f"front matter nests deeper than {limits.MAX_YAML_DEPTH}"))
        return None
    finally:
        loader.dispose()
    return data if not duplicates else None


def _too_big(root: yaml.Node) -> tuple[int, str] | None:
    """(line, why) when the front matter nests too deep or expands to too many values through aliases.

    Walks without recursion and counts a node each time an alias reaches it: nine levels of nine aliases are
    a few dozen nodes in the file and hundreds of millions once expanded."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    values = 0
    while stack:
        node, depth = stack.pop()
        values += 1
        line = node.start_mark.line + 2
        if depth > limits.MAX_YAML_DEPTH:
            return line, f"front matter nests deeper than {limits.MAX_YAML_DEPTH} levels"
        if values > limits.MAX_YAML_VALUES:
            return line, f"front matter expands to more than {limits.MAX_YAML_VALUES:,} values (YAML aliases?)"
        if isinstance(node, yaml.MappingNode):
            stack.extend((part, depth + 1) for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
    return None


def _index_lines(node: yaml.Node, prefix: str, lines: dict[str, int], seen_nodes: set[int]) -> list[tuple[str, int]]:
    """Record the file line of every key (``event.starts_at``) and list repeated keys.

    A node reached again through an alias is not walked again: its lines are those of where it was written."""
    duplicates: list[tuple[str, int]] = []
    if id(node) in seen_nodes:
        return duplicates
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{prefix}.{key}" if prefix else key
            line = key_node.start_mark.line + 2  # +1 for 1-based, +1 for the opening '---'
            if key in seen:
                duplicates.append((path, line))
            seen.add(key)
            lines.setdefault(path, line)
            duplicates.extend(_index_lines(value_node, path, lines, seen_nodes))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault(f"{prefix}.{index}", item.start_mark.line + 2)
            duplicates.extend(_index_lines(item, f"{prefix}.{index}", lines, seen_nodes))
    return duplicates


_MODELS_BY_PARENT: dict[tuple[str, ...], type[BaseModel]] = {
    (): Post,
    ("event",): Event,
    ("en",): English,
    ("skm",): SkmSummary,
}


def _explain(exc: ValidationError, result: LoadResult) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(str(part) for part in err["loc"])
        dotted = ".".join(loc)
        line = _line_for(loc, result.lines)
        kind = err["type"]
        if kind == "missing":
            message = _("missing required field {field!r}").format(field=dotted)
        elif kind == "extra_forbidden":
            message = _("unknown key {key!r}").format(key=dotted) + _suggest(loc)
        elif kind == "value_error":
            detail = str(err["ctx"]["error"])
            # Most validator messages already name the field ("link '...' is not an http(s) URL").
            message = detail if detail.split(" ", 1)[0] in (loc[-1], dotted) else f"{dotted}: {detail}"
        else:
            message = f"{dotted}: {err['msg'].lower()}"
        problems.append(error(result.display, line, message))
    return problems


def _line_for(loc: tuple[str, ...], lines: dict[str, int]) -> int:
    for end in range(len(loc), 0, -1):
        key = ".".join(loc[:end])
        if key in lines:
            return lines[key]
    return 1


def _suggest(loc: tuple[str, ...]) -> str:
    model = _MODELS_BY_PARENT.get(loc[:-1])
    if model is None:
        return ""
    known = [name for name in model.model_fields if name not in RESERVED_KEYS]
    close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
    if close:
        return " " + _("(did you mean {key!r}?)").format(key=close[0])
    return " " + _("(known keys: {keys})").format(keys=", ".join(known))
