"""Mutation score of the pure core modules against the test suite (a script, not a test: slow).

``python bench/mutate_core.py [--module expect|kleene|logic|conditions …] [--list]`` makes
one mutant at a time of each module with a small AST mutator — a comparison flipped (``==``
↔ ``!=``, ``<`` ↔ ``>=``, ``<=`` ↔ ``>``, ``in`` ↔ ``not in``, ``is`` ↔ ``is not``), ``and`` ↔
``or``, a constant changed (``True`` ↔ ``False``, an integer plus one, a non-empty string
emptied), a statement dropped (replaced by ``pass``; docstrings, imports and definitions are
kept) — writes it over the module, runs the module's tests with ``pytest -x`` (stopping at the
first failure) and restores the file (also on Ctrl-C). A mutant is killed when the tests fail
or time out. It prints each survivor (module, line, what changed), the score of each module with
PASS or FAIL against ``--min-score`` (default 90), and a last line ``core mutation score: …
PASS|FAIL`` over the required modules (expect, logic, conditions; kleene's score is printed too
but not required). Exit 1 when a required module is below the line.

It edits ``engine/*.py`` in place while it runs (the installed package is editable), so do not
run it beside other work in the same checkout. Not run in CI: each mutant costs a pytest run.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: module → the tests that exercise it
TESTS = {
    "expect": ["tests/test_regression.py", "-k", "expect"],
    "kleene": ["tests/test_kleene.py"],
    "logic": ["tests/test_logic.py", "tests/test_kleene.py"],
    "conditions": ["tests/test_conditions.py", "tests/test_rulebook_errors.py", "tests/test_kleene.py"],
}
#: the modules whose score must reach --min-score (kleene's is reported)
REQUIRED = ("conditions", "expect", "logic")
FLIP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
        ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _docstrings(nodes: list[ast.AST]) -> set[int]:
    """ids of docstring statements and their constants (never mutated)."""
    out: set[int] = set()
    for node in nodes:
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            out |= {id(body[0]), id(body[0].value)}
    return out


def points(tree: ast.Module) -> Iterator[tuple[int, str, list[int]]]:
    """(line, description, path) of every mutation: ``path`` indexes the node in a walk."""
    nodes = list(ast.walk(tree))
    parents = {id(c): p for p in nodes for c in ast.iter_child_nodes(p)}
    skip = _docstrings(nodes)
    for i, node in enumerate(nodes):
        line = getattr(node, "lineno", 0)
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for j, op in enumerate(node.ops):
                if type(op) in FLIP:
                    yield line, f"{type(op).__name__} -> {FLIP[type(op)].__name__}", [i, j]
        elif isinstance(node, ast.BoolOp):
            yield line, f"{type(node.op).__name__} -> {'Or' if isinstance(node.op, ast.And) else 'And'}", [i]
        elif isinstance(node, ast.Constant) and not isinstance(parents.get(id(node)), ast.JoinedStr):
            if isinstance(node.value, (bool, int)) or (isinstance(node.value, str) and node.value):
                yield line, f"constant {node.value!r}", [i]
        elif isinstance(node, ast.stmt) and not isinstance(
                node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef, ast.Pass)):
            if not isinstance(parents.get(id(node)), ast.Module):
                yield line, f"drop {type(node).__name__} statement", [i]


def mutate(tree: ast.Module, path: list[int]) -> ast.Module:
    """A copy of ``tree`` with the mutation at ``path`` applied."""
    new = copy.deepcopy(tree)
    node = list(ast.walk(new))[path[0]]
    if isinstance(node, ast.Compare):
        node.ops[path[1]] = FLIP[type(node.ops[path[1]])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.Constant):
        v = node.value
        node.value = (not v) if isinstance(v, bool) else (v + 1 if isinstance(v, int) else "")
    else:
        for parent in ast.walk(new):
            for field in ("body", "orelse", "finalbody"):
                body = getattr(parent, field, None)
                if isinstance(body, list) and node in body:
                    body[body.index(node)] = ast.Pass()
    return ast.fix_missing_locations(new)


def run_tests(files: list[str], timeout: int) -> bool:
    """Whether the tests pass (a timeout counts as failing: the mutant is killed)."""
    env = {**os.environ, "FACERIGHT_NO_CACHE": "1"}
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:warnings",
                               "-p", "no:cacheprovider", *files], cwd=ROOT, env=env,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TESTS))
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--min-score", type=float, default=90.0)
    parser.add_argument("--timeout", type=int, default=300)
    args = parser.parse_args()
    total_killed = total = 0
    verdicts: dict[str, bool] = {}
    for name in args.module or sorted(TESTS):
        path = ROOT / "engine" / f"{name}.py"
        original = path.read_text(encoding="utf-8")
        tree = ast.parse(original)
        found = list(points(tree))
        if args.list:
            for line, text, _ in found:
                print(f"engine/{name}.py:{line}: {text}")
            continue
        if not run_tests(TESTS[name], args.timeout):
            print(f"engine/{name}.py: its tests fail without any mutation", file=sys.stderr)
            return 2
        killed = 0
        try:
            for line, text, where in found:
                path.write_text(ast.unparse(mutate(tree, where)) + "\n", encoding="utf-8")
                if run_tests(TESTS[name], args.timeout):
                    print(f"survived: engine/{name}.py:{line}: {text}", flush=True)
                else:
                    killed += 1
        finally:
            path.write_text(original, encoding="utf-8")
        module_score = 100.0 * killed / max(len(found), 1)
        verdicts[name] = module_score >= args.min_score
        print(f"engine/{name}.py: {killed} of {len(found)} mutants killed ({module_score:.1f}%) "
              f"{'PASS' if verdicts[name] else 'FAIL'} (>= {args.min_score:g}%"
              f"{'' if name in REQUIRED else ', reported only'})", flush=True)
        if name in REQUIRED:
            total_killed += killed
            total += len(found)
    if args.list:
        return 0
    required = [n for n in verdicts if n in REQUIRED]
    score = 100.0 * total_killed / max(total, 1)
    ok = all(verdicts[n] for n in required)
    print(f"core mutation score: {score:.1f}% ({total_killed} of {total} on {', '.join(required) or 'none'}) "
          f"{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
