"""Mutation score of the core modules: would the tests notice a small change in behaviour?

    python bench/mutation.py                    # every module below, one mutant at a time
    python bench/mutation.py --module captions  # one module (repeat --module for more)
    python bench/mutation.py --list             # the mutants, without running anything
    python bench/mutation.py -j 2               # two mutants at once (each in its own copy of the tree)

Each mutant is one small change at one site of one module (a comparison flipped, a constant changed, a condition
negated, a statement deleted, ``and``/``or`` swapped, a returned value replaced by ``None``). It is written into a
private copy of the worktree (``publisher/`` and ``tests/`` under a temporary folder), never into the worktree
itself, so an interrupted run leaves nothing to restore. The module's tests run there with ``pytest -x -q``; a
mutant is *killed* when they fail or time out, and *survives* when they pass. Docstrings, logging calls and type
annotations are not mutated. Per module the script prints mutants, killed, score and each survivor
(file:line, operator, the mutated line).

The mutated module is written with :func:`ast.unparse` (comments and layout are lost in the copy, which changes
nothing the tests can see).
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Module:
    name: str
    path: str  # relative to the repository root
    tests: tuple[str, ...]  # the test files that exercise it


# The one list to edit when modules move (the house refactor) or new core modules arrive.
MODULES = [
    Module("captions", "publisher/text/captions.py", ("tests/test_captions.py",)),
    Module("counting", "publisher/text/counting.py", ("tests/test_captions.py",)),
    Module("ledger", "publisher/publishing/ledger.py", ("tests/test_ledger.py",)),
    Module("policy", "publisher/scheduler/policy.py", ("tests/test_policy.py", "tests/test_scheduler.py")),
    Module("rules.events", "publisher/posts/rules/events.py", ("tests/test_rules.py", "tests/test_check.py")),
    Module("rules.references", "publisher/posts/rules/references.py", ("tests/test_rules.py", "tests/test_check.py")),
    Module("approvals", "publisher/archive/approvals.py", ("tests/test_approvals.py",)),
    Module("skm", "publisher/listening/skm.py", ("tests/test_survey.py", "tests/test_skm_facts.py")),
]

COMPARISON_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
LOGGER_NAMES = {"log", "logger", "logging", "_log", "LOG"}
DELETABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If, ast.For, ast.While, ast.Raise, ast.With)


@dataclass(frozen=True)
class Mutant:
    module: Module
    index: int  # the node's position in ast.walk order of the parsed module
    operator: str
    line: int
    snippet: str  # the mutated source of the node's line

    def where(self) -> str:
        return f"{self.module.path}:{self.line}"


# --- finding the sites ----------------------------------------------------------------------------------------------


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, logging calls, annotations, imports, f-string formatting."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip(first)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                skip(arg.annotation)
            for arg in (node.args.vararg, node.args.kwarg):
                skip(arg.annotation if arg else None)
        if isinstance(node, ast.AnnAssign):
            skip(node.annotation)
        if isinstance(node, ast.Import | ast.ImportFrom):
            skip(node)
        if isinstance(node, ast.FormattedValue):
            skip(node.format_spec)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _is_logging(node.value):
            skip(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skip(node)
    return skipped


def _is_logging(call: ast.Call) -> bool:
    func = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id in LOGGER_NAMES


def _function_body_statements(tree: ast.Module) -> set[int]:
    """Statements directly inside a function body (deleting a module-level name only breaks the import)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                for field in ("body", "orelse", "finalbody"):
                    statements = getattr(child, field, None)
                    for statement in statements if isinstance(statements, list) else []:
                        if isinstance(statement, ast.stmt):
                            inside.add(id(statement))
    return inside


def _operators(node: ast.AST, deletable: bool) -> Iterator[str]:
    """The mutation operators that apply to ``node``; each name is also what :func:`_apply` understands."""
    if isinstance(node, ast.Compare):
        for position, op in enumerate(node.ops):
            if type(op) in COMPARISON_FLIPS:
                yield f"compare:{position}:{type(op).__name__}->{COMPARISON_FLIPS[type(op)].__name__}"
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            yield f"constant:{node.value}->{not node.value}"
        elif isinstance(node.value, int | float):
            yield f"constant:{node.value}->{node.value + 1}"
        elif isinstance(node.value, str) and node.value:
            yield "constant:str->''"
    elif isinstance(node, ast.If | ast.While | ast.IfExp):
        yield "negate-condition"
    elif isinstance(node, ast.BoolOp):
        yield "and->or" if isinstance(node.op, ast.And) else "or->and"
    elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
        yield "return->None"
    if deletable and isinstance(node, DELETABLE):
        yield "delete-statement"


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _apply(node: ast.AST, operator: str, parents: dict[int, ast.AST]) -> None:
    kind = operator.split(":")[0]
    if kind == "compare":
        assert isinstance(node, ast.Compare)
        position = int(operator.split(":")[1])
        node.ops[position] = COMPARISON_FLIPS[type(node.ops[position])]()
    elif kind == "constant":
        assert isinstance(node, ast.Constant)
        if isinstance(node.value, bool):
            node.value = not node.value
        elif isinstance(node.value, int | float):
            node.value = node.value + 1
        else:
            node.value = ""
    elif kind == "negate-condition":
        assert isinstance(node, ast.If | ast.While | ast.IfExp)
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif kind in ("and->or", "or->and"):
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "return->None":
        assert isinstance(node, ast.Return)
        node.value = ast.Constant(value=None)
    elif kind == "delete-statement":
        parent = parents[id(node)]
        for field in ("body", "orelse", "finalbody"):
            statements = getattr(parent, field, None)
            if statements and any(s is node for s in statements):
                statements[[id(s) for s in statements].index(id(node))] = ast.Pass()
                return
        raise AssertionError(f"no parent body holds the statement for {operator}")
    else:
        raise AssertionError(f"unknown operator {operator}")


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def find_mutants(module: Module) -> list[Mutant]:
    source = (ROOT / module.path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    deletable = _function_body_statements(tree)
    mutants = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped or not hasattr(node, "lineno"):
            continue
        for operator in _operators(node, id(node) in deletable):
            mutated = mutate(module, source, index, operator)
            line = node.lineno
            snippet = _line_of(mutated, source, line)
            mutants.append(Mutant(module, index, operator, line, snippet))
    return sorted(mutants, key=lambda m: (m.line, m.index, m.operator))


def mutate(module: Module, source: str, index: int, operator: str) -> str:
    """The module's source with one mutation applied at the ``index``-th node (ast.walk order)."""
    tree = ast.parse(source)
    node = next(n for i, n in enumerate(ast.walk(tree)) if i == index)
    _apply(node, operator, _parents(tree))
    return ast.unparse(ast.fix_missing_locations(tree))


def _line_of(mutated: str, original: str, line: int) -> str:
    """What the original line reads as (the mutated text is re-laid out, so show the original line)."""
    return original.splitlines()[line - 1].strip()[:100]


# --- running ----------------------------------------------------------------------------------------------------------


class Sandbox:
    """A private copy of the worktree's code and tests, where one mutant at a time is written."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mutation-"))
        for name in ("publisher", "worker", "tests", "posts"):
            if (ROOT / name).exists():
                shutil.copytree(ROOT / name, self.dir / name, ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md"):
            if (ROOT / name).exists():
                shutil.copy(ROOT / name, self.dir / name)

    def run(self, module: Module, mutated: str | None, timeout: float) -> tuple[str, float]:
        """``passed``, ``failed`` or ``timeout`` for the module's tests with ``mutated`` in place, and the time."""
        target = self.dir / module.path
        original = (ROOT / module.path).read_text(encoding="utf-8")
        target.write_text(mutated if mutated is not None else original, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(self.dir), "PYTHONDONTWRITEBYTECODE": "1"}
        tests = [t for t in module.tests if (ROOT / t).exists()]  # a test file named ahead of its arrival
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        started = time.monotonic()
        # its own process group, so a timeout or an interrupt ends the tests' own children (workers, racers) too
        tests_run = subprocess.Popen(
            command, cwd=self.dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            returncode = tests_run.wait(timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - started
        finally:
            if tests_run.poll() is None:
                os.killpg(tests_run.pid, signal.SIGKILL)
                tests_run.wait()
            target.write_text(original, encoding="utf-8")
        if returncode == 5:
            raise SystemExit(f"no tests collected for {module.name}: {module.tests}")
        return ("passed" if returncode == 0 else "failed"), time.monotonic() - started

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def score_module(module: Module, mutants: list[Mutant], jobs: int) -> tuple[list[Mutant], list[Mutant]]:
    """Run every mutant of ``module``; return the survivors and the mutants killed only by the timeout."""
    sandboxes = [Sandbox() for _ in range(jobs)]
    try:
        outcome, seconds = sandboxes[0].run(module, None, timeout=600)
        if outcome != "passed":
            raise SystemExit(f"{module.name}: the tests fail without any mutant; fix them first")
        timeout = max(20.0, seconds * 4)
        source = (ROOT / module.path).read_text(encoding="utf-8")
        free = list(sandboxes)

        def run_one(mutant: Mutant) -> tuple[Mutant, str]:
            sandbox = free.pop()
            try:
                mutated = mutate(module, source, mutant.index, mutant.operator)
                return mutant, sandbox.run(module, mutated, timeout)[0]
            finally:
                free.append(sandbox)

        survivors, timed_out = [], []
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for mutant, result in pool.map(run_one, mutants):
                (survivors if result == "passed" else timed_out if result == "timeout" else []).append(mutant)
                print({"passed": "S", "timeout": "T"}.get(result, "."), end="", flush=True, file=sys.stderr)
        print(file=sys.stderr)
        return survivors, timed_out
    finally:
        for sandbox in sandboxes:
            sandbox.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=[m.name for m in MODULES], help="only this module")
    parser.add_argument("--list", action="store_true", help="list the mutants; run nothing")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="mutants run at once (default 1)")
    args = parser.parse_args()
    # a plain `kill` unwinds like Ctrl-C, so the sandboxes are removed and the running tests ended
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    chosen = [m for m in MODULES if not args.module or m.name in args.module]
    table = []
    for module in chosen:
        mutants = find_mutants(module)
        if args.list:
            for mutant in mutants:
                print(f"{mutant.where()}\t{mutant.operator}\t{mutant.snippet}")
            continue
        print(f"{module.name}: {len(mutants)} mutants, tests {' '.join(module.tests)}", file=sys.stderr)
        survivors, timed_out = score_module(module, mutants, max(1, args.jobs))
        killed = len(mutants) - len(survivors)
        table.append((module, len(mutants), killed, len(timed_out)))
        for mutant in survivors:
            print(f"  survived {mutant.where()}  {mutant.operator}  {mutant.snippet}")
        for mutant in timed_out:  # an endless loop is a kill; a slow machine can fake one, so they are named
            print(f"  timed out {mutant.where()}  {mutant.operator}  {mutant.snippet}")
        sys.stdout.flush()
    if table:
        print(f"\n{'module':<12} {'mutants':>8} {'killed':>7} {'score':>6} {'timeouts':>9}")
        for module, total, killed, timeouts in table:
            print(f"{module.name:<12} {total:>8} {killed:>7} {killed / total:>6.0%} {timeouts:>9}")


if __name__ == "__main__":
    main()
