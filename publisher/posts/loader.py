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
    content: bytes | None = None,
) -> LoadResult:
    """Read and validate one post file (``content``: its bytes, when the caller read them already, within
    :func:`limits.read_limited`'s limit). Never raises for bad input: every problem is in ``result.problems``."""
    result = LoadResult(path=path, display=display or str(path))
    text = _read_text(path, result, content)
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


def _read_text(path: Path, result: LoadResult, raw: bytes | None) -> str | None:
    if raw is None:
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
        walk = _FrontMatter(loader, result.lines)
        data = walk.build(node, "", 1)
        for key, line in walk.duplicates:
            result.problems.append(error(result.display, line, _("key {key!r} appears twice").format(key=key)))
    except _TooBig as exc:
        result.problems.append(error(result.display, exc.line, exc.why))
        return None
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
    return data if not walk.duplicates else None


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, why: str) -> None:
        self.line, self.why = node.start_mark.line + 2, why


class _FrontMatter:
    """One walk over the composed nodes: the line of every key (``event.starts_at``), the keys written twice, and
    the values, built as PyYAML's SafeConstructor builds them (plain strings, lists and mappings here, for speed;
    any other tag by the constructor itself).

    It stops as soon as the front matter nests too deep or expands through aliases to too many values (nine
    levels of nine aliases are a few dozen nodes in the file and hundreds of millions once expanded): a node
    reached again through an alias counts again, but its lines stay those of where it was written."""

    def __init__(self, loader: yaml.SafeLoader, lines: dict[str, int]) -> None:
        self.loader = loader
        self.lines = lines
        self.values = 0
        self.duplicates: list[tuple[str, int]] = []
        self.walked: set[int] = set()

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.values += 1
        if depth > limits.MAX_YAML_DEPTH:
            raise _TooBig(node, f"front matter nests deeper than {limits.MAX_YAML_DEPTH} levels")
        if self.values > limits.MAX_YAML_VALUES:
            raise _TooBig(node, f"front matter expands to more than {limits.MAX_YAML_VALUES:,} values (YAML aliases?)")
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self.loader.construct_object(node)
        first = id(node) not in self.walked  # a collection reached again through an alias keeps its first lines
        self.walked.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                if first:
                    self.lines.setdefault(f"{path}.{index}", item.start_mark.line + 2)
                items.append(self.build(item, f"{path}.{index}", depth + 1))
            return items if node.tag == _SEQ else self.loader.construct_object(node, deep=True)
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node, path, depth, first)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int, first: bool) -> Any:
        mapping: dict[Any, Any] = {}
        plain = node.tag == _MAP
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            dotted = f"{path}.{key}" if path else key
            if first:
                line = key_node.start_mark.line + 2  # +1 for 1-based, +1 for the opening '---'
                if key in keys:
                    self.duplicates.append((dotted, line))
                keys.add(key)
                self.lines.setdefault(dotted, line)
            value = self.build(value_node, dotted, depth + 1)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                plain = False  # a collection as a key, or a merge ("<<"): the constructor decides
            elif plain:
                mapping[key_node.value if key_node.tag == _STR else self.loader.construct_object(key_node)] = value
        return mapping if plain else self.loader.construct_object(node, deep=True)


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
