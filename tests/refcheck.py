"""Checks each request an adapter sent (as the fake platform recorded it) against that platform's own
machine-readable reference, vendored in tests/conformance/refs (where each file comes from: its SOURCES.json).

``problems(platform, request)`` is empty when the request conforms: its endpoint is documented, every field it
sends is named there with the right type, every required field is present, and the limits the references state
hold (caption lengths, image sizes, facet byte offsets). A request to an endpoint no reference covers is itself a
problem, so a new call cannot slip past unchecked.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import regex
from helpers.fakeplatform import Request
from jsonschema import Draft202012Validator
from lexicon import Lexicons
from PIL import Image

REFS = Path(__file__).parent / "conformance" / "refs"


@cache
def ref(name: str) -> Any:
    return json.loads((REFS / name).read_text(encoding="utf-8"))


@cache
def lexicons() -> Lexicons:
    return Lexicons(REFS / "bluesky" / "lexicons")


def problems(platform: str, request: Request) -> list[str]:
    where = f"{platform} {request.method} {request.path}"
    return [f"{where}: {p}" for p in CHECKERS[platform](request)]


# --- OpenAPI (Mastodon, X) -----------------------------------------------------------------------------------


def _openapi_operation(doc: dict[str, Any], request: Request) -> tuple[str, dict[str, Any]] | None:
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.path) and request.method.lower() in item:
            return template, item[request.method.lower()]
    return None


def _body_as_json(request: Request) -> tuple[str, Any]:
    """(media type, body) with a multipart file part standing as the string an OpenAPI ``binary`` is."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "multipart/form-data":
        return content_type, {**request.form, **{name: "<binary>" for name in request.files}}
    if content_type == "application/x-www-form-urlencoded":
        return content_type, dict(request.form)
    return content_type, request.json


def _openapi_body(doc: dict[str, Any], operation: dict[str, Any], template: str, request: Request) -> list[str]:
    body_spec = operation.get("requestBody")
    if body_spec is None:
        return [] if not request.body else ["a body the reference does not document"]
    content_type, body = _body_as_json(request)
    if content_type not in body_spec["content"]:
        return [f"content type {content_type!r}, documented: {sorted(body_spec['content'])}"]
    pointer = "/".join(("#/paths", template.replace("/", "~1"), request.method.lower(), "requestBody/content"))
    schema = body_spec["content"][content_type]["schema"]
    # mastodon-openapi writes createStatus as oneOf(TextStatus, MediaStatus, PollStatus), but a status with text
    # and media is both a TextStatus and a MediaStatus: the API takes it (any of), so a oneOf is checked as anyOf.
    alternatives = schema.get("oneOf", [schema])
    failures: list[str] = []
    for index in range(len(alternatives)):
        path = f"{pointer}/{content_type.replace('/', '~1')}/schema" + (f"/oneOf/{index}" if "oneOf" in schema else "")
        validator = Draft202012Validator({**doc, "$ref": path})
        errors = [f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}" for e in validator.iter_errors(body)]
        if not errors:
            return []
        failures += errors
    return failures


def _openapi_problems(doc: dict[str, Any], request: Request) -> list[str]:
    found = _openapi_operation(doc, request)
    if found is None:
        return ["no such operation in the reference"]
    template, operation = found
    documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    extra = [f"query parameter {name!r} is not documented" for name in request.query if name not in documented]
    return extra + _openapi_body(doc, operation, template, request)


def mastodon(request: Request) -> list[str]:
    found = _openapi_problems(ref("mastodon/openapi-subset.json"), request)
    statuses = ref("mastodon/recorded/instance_v2_configuration.json")["configuration"]["statuses"]
    if request.path == "/api/v1/statuses" and request.method == "POST" and not found:
        length = _length_with_urls(request.json.get("status", ""), statuses["characters_reserved_per_url"])
        if length > statuses["max_characters"]:
            found.append(f"status is {length} characters, the instance allows {statuses['max_characters']}")
        if len(request.json.get("media_ids", [])) > statuses["max_media_attachments"]:
            found.append("more media than the instance allows")
        if not request.headers.get("idempotency-key"):
            found.append("no Idempotency-Key header (the reference's duplicate guard)")
    return found


# A URL as the platforms' own text tools find one (twitter-text's and Mastodon's: a scheme, then no spaces, trailing
# punctuation left to the sentence, balanced parentheses kept). Written here, not imported, so it checks the app.
_URL = regex.compile(r"https?://[^\s<>\"]+?(?:\([^\s()<>\"]*\))?(?=[.,;:!?'\")\]]*(?:\s|$))")


def _length_with_urls(text: str, per_url: int) -> int:
    return len(_URL.sub("", text)) + per_url * len(_URL.findall(text))


def x(request: Request) -> list[str]:
    found = _openapi_problems(ref("x/openapi-subset.json"), request)
    if request.path == "/2/tweets" and request.method == "POST":
        config = ref("x/twitter-text-v3.json")
        weighted = _x_weighted(request.json.get("text", ""), config)
        if weighted > config["maxWeightedTweetLength"]:
            found.append(f"text weighs {weighted}, at most {config['maxWeightedTweetLength']}")
    return found


def _x_weighted(text: str, config: dict[str, Any]) -> int:
    """twitter-text v3: each URL weighs transformedURLLength, an emoji sequence the default weight, and every
    other code point its range's weight (the default outside the ranges); in units of ``scale``."""
    units = len(_URL.findall(text)) * config["transformedURLLength"] * config["scale"]
    for cluster in regex.findall(r"\X", _URL.sub("", text)):
        if config["emojiParsingEnabled"] and regex.search(r"\p{Extended_Pictographic}|\p{Regional_Indicator}", cluster):
            units += config["defaultWeight"]
            continue
        for char in cluster:
            ranges = [r["weight"] for r in config["ranges"] if r["start"] <= ord(char) <= r["end"]]
            units += ranges[0] if ranges else config["defaultWeight"]
    return units // config["scale"]


# --- Telegram Bot API ------------------------------------------------------------------------------------------


def telegram(request: Request) -> list[str]:
    method = request.path.rsplit("/", 1)[-1]
    spec = ref("telegram/api-subset.json")["methods"].get(method)
    if spec is None:
        return [f"method {method!r} is not in the reference"]
    fields = {f["name"]: f for f in spec["fields"]}
    sent = {**request.query, **request.form, **{name: None for name in request.files}}
    found = [f"{name!r} is not a parameter of {method}" for name in sent if name not in fields]
    found += [f"required {name!r} missing" for name, f in fields.items() if f["required"] and name not in sent]
    for name, value in sent.items():
        if name in fields and not any(_telegram_type_ok(t, value) for t in fields[name]["types"]):
            found.append(f"{name!r} is not any of {fields[name]['types']}")
    return found + _telegram_limits(fields, sent, request)


def _telegram_type_ok(kind: str, value: str | None) -> bool:
    if value is None:  # a file part
        return kind == "InputFile"
    if kind == "Integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "Boolean":
        return value in ("true", "false")
    if kind.startswith("Array of"):
        return isinstance(json.loads(value), list)
    return kind == "String"


def _telegram_limits(fields: dict[str, Any], sent: dict[str, Any], request: Request) -> list[str]:
    found = []
    for name, value in sent.items():
        limit = re.search(r"(\d+)-(\d+) characters", fields.get(name, {}).get("description", ""))
        if limit and isinstance(value, str) and len(value.encode("utf-16-le")) // 2 > int(limit[2]):
            found.append(f"{name!r} over {limit[2]} characters (UTF-16 units, as Telegram counts entities)")
    if "photo" in request.files:
        rule = fields["photo"]["description"]
        megabytes, total, ratio = _numbers(rule)
        data = request.files["photo"][1]
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        if (
            len(data) > megabytes * 1024 * 1024
            or width + height > total
            or max(width, height) / min(width, height) > ratio
        ):
            found.append(f"photo {width}x{height}, {len(data)} bytes breaks: {rule}")
    return found


def _numbers(rule: str) -> tuple[int, int, int]:
    """The photo rule's three limits: size in MB, width + height, and the side ratio."""
    size = re.search(r"at most (\d+) MB", rule)
    total = re.search(r"must not exceed (\d+) in total", rule)
    ratio = re.search(r"ratio must be at most (\d+)", rule)
    assert size and total and ratio, f"the reference's photo rule changed: {rule}"
    return int(size[1]), int(total[1]), int(ratio[1])


# --- Graph API (Facebook, Instagram) and Threads -------------------------------------------------------------

GRAPH_EVERYWHERE = {"access_token"}  # Graph's own auth parameter, accepted by every node and edge
# The codegen specs leave out file uploads; the uploaded photo is the Photo node's documented `source` field.
GRAPH_FILE_FIELD = {("Page", "photos"): ("Photo", "source")}
GRAPH_NODES = {"facebook": ("PagePost", "Photo"), "instagram": ("ShadowIGMediaBuilder", "IGMedia")}
GRAPH_OWNER = {"facebook": "Page", "instagram": "IGUser"}


def _graph_value_ok(kind: str, value: str) -> bool:
    if kind == "bool":
        return value in ("true", "false")
    if kind in ("int", "unsigned int"):
        return re.fullmatch(r"-?\d+" if kind == "int" else r"\d+", value) is not None
    if kind.startswith("list<"):
        return isinstance(json.loads(value), list)
    return True  # string, enum params, Object: sent as text


def _fields(request: Request) -> list[str]:
    """The ``fields`` asked for, top level only (``a,b{c,d}`` -> a, b)."""
    return [f.split("{")[0] for f in re.split(r",(?![^{]*\})", request.query.get("fields", "")) if f]


def graph(platform: str, request: Request) -> list[str]:
    spec = ref("graph/codegen-subset.json")
    segments = [s for s in request.path.split("/") if s]
    sent = {k: v for k, v in {**request.query, **request.form}.items() if k not in GRAPH_EVERYWHERE}
    if request.method == "GET" and len(segments) == 1:
        known = [set(spec[node]["fields"]) for node in GRAPH_NODES[platform]]
        asked = _fields(request)
        extra = [k for k in sent if k != "fields"]
        if extra or not any(set(asked) <= fields for fields in known):
            return [f"fields {asked} (params {extra}) are not those of any of {GRAPH_NODES[platform]}"]
        return []
    owner = GRAPH_OWNER[platform]
    api = next(
        (a for a in spec[owner]["apis"] if a["method"] == request.method and a["endpoint"] == segments[-1]), None
    )
    if api is None or len(segments) != 2:
        return [f"no {request.method} /{{{owner}}}/{segments[-1]} in the reference"]
    params = {p["name"]: p for p in api["params"]}
    found = [f"{name!r} is not a parameter" for name in sent if name not in params]
    found += [f"required {name!r} missing" for name, p in params.items() if p["required"] and name not in sent]
    found += [
        f"{name!r} is not a {params[name]['type']}"
        for name, value in sent.items()
        if name in params and not _graph_value_ok(params[name]["type"], value)
    ]
    node, field = GRAPH_FILE_FIELD.get((owner, segments[-1]), (None, None))
    for name in request.files:
        if node is None or name != field or field not in spec[node]["fields"]:
            found.append(f"file part {name!r} is not documented")
    return found


def threads(request: Request) -> list[str]:
    collection = ref("threads/postman-subset.json")
    segments = [s for s in request.path.split("/") if s]
    sent = {k: v for k, v in {**request.query, **request.form}.items() if k not in GRAPH_EVERYWHERE}
    for item in collection["requests"].values():
        documented = item["request"]
        path = [s for s in documented["url"]["path"] if s]
        shape_matches = len(path) == len(segments) and all(
            p.startswith("{{") or p == "me" or p == s for p, s in zip(path, segments, strict=True)
        )
        if documented["method"] != request.method or not shape_matches:
            continue
        keys = {q["key"] for q in documented["url"].get("query", [])}
        if not set(sent) <= keys:
            continue
        if "fields" in sent:
            variable = next(q["value"] for q in documented["url"]["query"] if q["key"] == "fields").strip("{}")
            allowed = {f.split("{")[0] for f in re.split(r",(?![^{]*\})", collection["variables"][variable])}
            if not set(_fields(request)) <= allowed:
                continue
        return []
    return [f"no request of the Threads collection takes {sorted(sent)} (fields {_fields(request)})"]


# --- Bluesky (atproto lexicons) --------------------------------------------------------------------------------


def bluesky(request: Request) -> list[str]:
    nsid = request.path.removeprefix("/xrpc/")
    if nsid not in lexicons().docs:
        return [f"{nsid} is not in the vendored lexicons"]
    main = lexicons().docs[nsid]["defs"]["main"]
    if nsid == "com.atproto.repo.uploadBlob":
        return _upload(request)
    found = lexicons().check(request.json, main["input"]["schema"], nsid, "input")
    if nsid == "com.atproto.repo.createRecord" and not found:
        record = request.json.get("record", {})
        if record.get("$type") != request.json.get("collection"):
            found.append("record $type differs from the collection")
        found += lexicons().check_main(request.json["collection"], record, "record")
        found += facet_problems(record.get("text", ""), record.get("facets", []))
    return found


def _upload(request: Request) -> list[str]:
    """The blob's own checks happen where the record uses it (embed.images: accept image/*, maxSize)."""
    image = lexicons().definition("app.bsky.embed.images#image", "app.bsky.embed.images")[0]["properties"]["image"]
    mime = request.headers.get("content-type", "")
    found = [] if mime.startswith("image/") else [f"content type {mime!r} is not in {image['accept']}"]
    if len(request.body) > image["maxSize"]:
        found.append(f"{len(request.body)} bytes, the image blob allows {image['maxSize']}")
    return found


def facet_problems(text: str, facets: list[dict[str, Any]]) -> list[str]:
    """Byte offsets land on character boundaries inside the text, a link facet's text is its URI, a tag facet's
    text is ``#`` + its tag, facets do not overlap, and every link the official client finds has its facet."""
    raw, found, end = text.encode(), [], 0
    for facet in sorted(facets, key=lambda f: f["index"]["byteStart"]):
        start, stop = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        if not 0 <= start < stop <= len(raw) or start < end:
            found.append(f"facet bytes [{start}, {stop}) out of the text or overlapping")
            continue
        end = stop
        try:
            covered = raw[start:stop].decode()
        except UnicodeDecodeError:
            found.append(f"facet bytes [{start}, {stop}) cut a character")
            continue
        for feature in facet["features"]:
            expected = feature.get("uri") or ("#" + feature["tag"] if "tag" in feature else covered)
            if covered != expected:
                found.append(f"facet covers {covered!r}, its feature says {expected!r}")
    linked = {(f["index"]["byteStart"], f["index"]["byteEnd"]) for f in facets}
    found += [
        f"the official client links {raw[s:e].decode()!r}; no facet does"
        for s, e in official_links(text)
        if (s, e) not in linked
    ]
    return found


def official_links(text: str) -> list[tuple[int, int]]:
    """The link detection of Bluesky's client (@atproto/api, rich-text/detection.ts, detectFacets), http(s) URLs:
    a URL runs to the next space; one trailing ``.,;:!?`` is dropped, then a trailing ``)`` unless it holds a ``(``."""
    spans = []
    for match in regex.finditer(r"(?:^|\s|\()(https?://\S+)", text, flags=regex.MULTILINE | regex.IGNORECASE):
        uri, start = match[1], match.start(1)
        if uri[-1] in ".,;:!?":
            uri = uri[:-1]
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
        begin = len(text[:start].encode())
        spans.append((begin, begin + len(uri.encode())))
    return spans


CHECKERS: dict[str, Callable[[Request], list[str]]] = {
    "facebook": lambda r: graph("facebook", r),
    "instagram": lambda r: graph("instagram", r),
    "threads": threads,
    "x": x,
    "mastodon": mastodon,
    "telegram": telegram,
    "bluesky": bluesky,
}
