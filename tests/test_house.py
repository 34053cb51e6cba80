"""House rules of the code base (issue 9), checked by reading the source: no import cycle between the publisher's
modules, no function longer than a screen, no ledger state spelled as a bare string outside its enum's module, the
public surface of each subpackage pinned, and the README agreeing with the CLI and the settings model."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from publisher.cli import cli
from publisher.infra.settings import Settings, env_name
from publisher.publishing.ledger import PseudoState, State

ROOT = Path(__file__).parent.parent
PACKAGES = ("publisher", "worker")
MAX_FUNCTION_LINES = 60


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def parsed() -> Iterator[tuple[Path, ast.Module]]:
    for path in source_files():
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- (a) no import cycle ----------------------------------------------------------------------------------------


def import_graph() -> dict[str, set[str]]:
    """Module → the modules it imports (any import, at any level); ``from pkg import mod`` counts as ``pkg.mod``, and
    an import of ``pkg.mod`` counts as one of ``pkg`` too (its ``__init__`` runs first)."""
    modules = {module_name(path) for path in source_files()}
    graph: dict[str, set[str]] = {}
    for path, tree in parsed():
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if submodule in modules:
                        edges.add(submodule)
                    elif node.module in modules:
                        edges.add(node.module)
        # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless the importer is inside them already.
        own = module_name(path)
        ancestors = {own.rsplit(".", n)[0] for n in range(1, own.count(".") + 1)}
        for edge in list(edges):
            edges.update(p for p in (edge.rsplit(".", n)[0] for n in range(1, edge.count(".") + 1)) if p in modules)
        graph[own] = edges - {own} - ancestors
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in stack:
            return [*stack[stack.index(module) :], module]
        if module in done:
            return None
        stack.append(module)
        for imported in sorted(graph.get(module, ())):
            found = visit(imported)
            if found:
                return found
        stack.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module)
        if found:
            return found
    return None


def test_no_import_cycle_between_modules():
    graph = import_graph()
    assert len(graph) > 50  # the walk found the package
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_modules_import_names_from_their_defining_module_not_a_package():
    """A package's ``__init__`` re-exports are for callers outside the package tree. Inside it, importing a name
    from a package would run that package's ``__init__`` (and everything it re-exports) first, which is how
    import-order failures between packages start; ``from pkg import submodule`` is fine."""
    reexported = {
        (module_name(path), alias.asname or alias.name)
        for path, tree in parsed()
        if path.name == "__init__.py"
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    through_package = [
        f"{path.relative_to(ROOT)}:{node.lineno} from {node.module} import {alias.name}"
        for path, tree in parsed()
        if path.name != "__init__.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if (node.module, alias.name) in reexported
    ]
    assert through_package == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# --- (b) functions fit a screen ------------------------------------------------------------------------------------


def test_no_function_is_longer_than_a_screen():
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, tree in parsed()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


# --- (c) ledger states only through the enum -----------------------------------------------------------------------

STATE_VALUES = {str(member) for member in State} | {str(member) for member in PseudoState}
ENUM_MODULE = ROOT / "publisher" / "publishing" / "ledger.py"  # the Lua scripts there spell the states too


def docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def enum_members(tree: ast.Module) -> set[int]:
    """Constants inside the body of an Enum class: another enum may share a value (Outcome.PUBLISHED)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(getattr(base, "id", "").endswith("Enum") for base in node.bases):
            found.update(id(sub) for sub in ast.walk(node))
    return found


def test_no_ledger_state_is_a_bare_string_outside_its_enum():
    bare = []
    for path, tree in parsed():
        if path == ENUM_MODULE:
            continue
        allowed = docstrings(tree) | enum_members(tree)
        bare += [
            f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in STATE_VALUES and id(node) not in allowed
        ]
    assert bare == []


def test_the_state_scan_would_see_a_bare_state():
    tree = ast.parse('if record.state == "published":\n    pass\n')
    assert [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in STATE_VALUES]


# --- (d) the public surface of each subpackage ----------------------------------------------------------------------

PUBLIC = {
    "publisher.posts": ["Kind", "LoadResult", "Post", "Problem", "Status"],
    "publisher.text": ["Caption", "Counting", "build_caption", "count", "format_wib"],
    "publisher.adapters": [
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
    ],
    "publisher.adapters.transport": [
        "AnswerLost",
        "DryRunTransport",
        "HttpRequest",
        "HttpResponse",
        "NothingSent",
        "RequestsTransport",
        "Transport",
        "TransportError",
    ],
    "publisher.publishing": [
        "Ledger",
        "PseudoState",
        "Publication",
        "State",
        "TargetRecord",
        "TargetResult",
        "Verdict",
        "publications",
    ],
    "publisher.infra": ["Masker", "Settings", "connect", "env_name", "install_log_masking", "load_settings"],
    "publisher.cards": [
        "RENDERER_VERSION",
        "RenderedCard",
        "cached_render_card",
        "card_alt",
        "compose_card",
        "render_card",
        "render_poster",
    ],
    "publisher.scheduler": ["Keys", "Schedule"],
    "publisher.preview": ["PreviewReport", "build_site"],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_surface_of_each_subpackage(package):
    """Each subpackage exports exactly what its ``__all__`` lists, and that list is pinned here (httpx's test)."""
    module = importlib.import_module(package)
    exported = sorted(name for name in dir(module) if not name.startswith("_") and not _is_submodule(module, name))
    assert sorted(module.__all__) == PUBLIC[package]
    assert exported == PUBLIC[package]


def _is_submodule(package: object, name: str) -> bool:
    value = getattr(package, name)
    return type(value).__name__ == "module" or name == "annotations"


# --- (e) the README agrees with the CLI and the settings -----------------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_readme_command_table_lists_every_verb_of_the_cli():
    rows = re.findall(r"^\| `publisher ([a-z]+)[^|]*\|", readme_section("Commands"), re.M)
    rows += re.findall(r"^\| `publisher [a-z]+` / `publisher ([a-z]+)`", readme_section("Commands"), re.M)
    assert isinstance(cli, click.Group)
    assert sorted(set(rows)) == sorted(cli.commands)


def test_readme_settings_table_lists_every_setting():
    table = readme_section("Settings")
    documented = set(re.findall(r"`(PUBLISHER_[A-Z_]+)`", table))
    # A row may name several siblings after the first: `PUBLISHER_X__API_BASE`, `__ACCESS_TOKEN`, ...
    for row in re.findall(r"^\| (`PUBLISHER_[A-Z]+__[^|]*)\|", table, re.M):
        section = re.match(r"`PUBLISHER_([A-Z]+)__", row)
        assert section is not None
        documented |= {f"PUBLISHER_{section[1]}{name}" for name in re.findall(r"`(__[A-Z_]+)`", row)}
    assert documented == settings_env_names()


def settings_env_names() -> set[str]:
    names = {"PUBLISHER_SECRETS_DIR", "PUBLISHER_LOG_LEVEL"}  # read by load_settings and the log setup
    for name, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):  # a section: platforms, the brand
            names |= {env_name(nested, name) for nested in model.model_fields}
        else:
            names.add(env_name(name))
    return names
