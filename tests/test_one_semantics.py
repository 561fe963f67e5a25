"""One home for three-valued evaluation: ``engine/kleene.py``; and the reference evaluator
stays an independent oracle in ``tests/``, which production code never imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEMANTICS = "kleene.py"
TRUTH_NAMES = {"TRUE", "UNKNOWN", "FALSE"}


def production() -> dict[str, ast.Module]:
    files = sorted((ROOT / "engine").glob("*.py")) + [ROOT / "cli.py"]
    return {str(f.relative_to(ROOT)): ast.parse(f.read_text(encoding="utf-8")) for f in files}


def imported(tree: ast.Module) -> set[str]:
    """Every module a file imports, relative ones as written (``.kleene``); a name imported
    from a package (``from . import x``, ``from faceright import x``) counts as a module."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            out.add(base)
            if node.module in (None, "faceright"):
                out |= {f"{base}.{a.name}" if node.module else f"{base}{a.name}" for a in node.names}
    return out


def test_production_imports_nothing_from_tests_nor_the_reference_oracle() -> None:
    test_modules = {p.stem for p in (ROOT / "tests").glob("*.py")}
    assert not (ROOT / "engine" / "reference.py").exists()
    for name, tree in production().items():
        for module in imported(tree):
            parts = module.lstrip(".").split(".")
            assert "tests" not in parts and "reference" not in parts, (name, module)
            assert not (module == parts[0] and parts[0] in test_modules), (name, module)


def test_the_import_check_sees_relative_and_package_imports() -> None:
    tree = ast.parse("from . import reference\nfrom .conditions import tests\n"
                     "from faceright import kleene\nimport generate\n")
    assert imported(tree) == {".", ".reference", ".conditions", "faceright", "faceright.kleene",
                              "generate"}


def test_the_oracle_does_not_use_the_production_semantics() -> None:
    tree = ast.parse((ROOT / "tests" / "reference.py").read_text(encoding="utf-8"))
    used = {m.split(".")[-1] for m in imported(tree)} | {m.split(".")[-2] for m in imported(tree) if "." in m}
    assert not used & {"kleene", "relevance", "compiler", "logic", "probes"}, used


def _truth_arithmetic(tree: ast.Module) -> list[int]:
    """Lines computing ``2 - x`` (negation of integer truth values)."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)
            and isinstance(node.left, ast.Constant) and node.left.value == 2]


def _truth_constants(tree: ast.Module) -> list[int]:
    """Lines defining TRUE / UNKNOWN / FALSE as integers (in a module, class or function)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            names = [t for target in node.targets
                     for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for target, value in zip(names, values):
                if (isinstance(target, ast.Name) and target.id in TRUTH_NAMES
                        and isinstance(value, ast.Constant) and isinstance(value.value, int)):
                    out.append(node.lineno)
    return out


def _comparisons(tree: ast.Module) -> list[str]:
    """Functions comparing a fact with a test's value (``compare`` and its likes)."""
    return [node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and re.fullmatch(r"_*(\w+_)?compare", node.name)]


def test_only_the_semantics_module_evaluates_three_valued_logic() -> None:
    found = {name: (_truth_arithmetic(tree), _truth_constants(tree), _comparisons(tree))
             for name, tree in production().items() if not name.endswith(SEMANTICS)}
    assert {k: v for k, v in found.items() if any(v)} == {}


def test_the_checks_catch_what_they_look_for() -> None:
    """The detectors above find integer truth values, their negation and a comparison."""
    tree = ast.parse((ROOT / "tests" / "reference.py").read_text(encoding="utf-8"))
    assert _truth_arithmetic(tree) and _truth_constants(tree) and _comparisons(tree)
    mine = ast.parse((ROOT / "engine" / SEMANTICS).read_text(encoding="utf-8"))
    assert _comparisons(mine) == ["compare"] and len(_truth_constants(mine)) == 3  # class Truth
